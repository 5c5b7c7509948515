#!/usr/bin/env python3
"""Graphite and OpenTSDB input throughput, side by side: the real influxd 1.6.7 and sundiald.

    swift build -c release --product sundiald && cp .build/release/sundiald /tmp/sundiald-inputs
    python3 tools/benchmark/inputs.py --sundiald /tmp/sundiald-inputs [--hosts 1000 --steps 1000 --connections 4]

Each server in turn (never both at once) starts on a fresh temporary directory with the same
config: one [[graphite]] TCP listener (template `measurement.host`) and one [[opentsdb]]
listener, default batch settings, HTTP/monitor logging off. Then, for each input, `--connections`
TCP connections each send their share of the pre-generated lines (`cpu.host<N> <v> <ts>` for
Graphite, `put cpu <ts> <v> host=host<N>` for OpenTSDB telnet: hosts x steps points, one float
field each) as fast as the socket takes them. The figure is points/s from the first byte sent
until `SELECT count(value) FROM cpu` returns every point (so it includes batching and the
write to storage, not only parsing).
"""
import argparse, json, os, shutil, socket, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lines(kind, hosts, steps):
    out = []
    for step in range(steps):
        ts = 1600000000 + step
        for h in range(hosts):
            v = (h * 7 + step * 13) % 1000 / 10
            if kind == "graphite":
                out.append(f"cpu.host{h} {v} {ts}\n")
            else:
                out.append(f"put cpu {ts} {v} host=host{h}\n")
    return out


def shares(all_lines, n):
    return [("".join(all_lines[i::n])).encode() for i in range(n)]


def query(port, db, q):
    url = f"http://127.0.0.1:{port}/query?" + urllib.parse.urlencode({"db": db, "q": q})
    return json.loads(urllib.request.urlopen(url, timeout=30).read())


def count(port, db):
    try:
        series = query(port, db, "SELECT count(value) FROM cpu")["results"][0].get("series")
        return series[0]["values"][0][1] if series else 0
    except Exception:
        return 0


def run_server(name, binary, args, payloads):
    work = tempfile.mkdtemp(prefix=f"inputs-{name}-")
    http, rpc, graphite, opentsdb = free_port(), free_port(), free_port(), free_port()
    with open(f"{work}/influxdb.conf", "w") as f:
        f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n[meta]\n  dir = "{work}/meta"\n'
                f'[data]\n  dir = "{work}/data"\n  wal-dir = "{work}/wal"\n  query-log-enabled = false\n'
                f'[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:{http}"\n  log-enabled = false\n'
                '[continuous_queries]\n  enabled = false\n[logging]\n  level = "error"\n'
                f'[[graphite]]\n  enabled = true\n  bind-address = "127.0.0.1:{graphite}"\n  templates = ["measurement.host"]\n'
                f'[[opentsdb]]\n  enabled = true\n  bind-address = "127.0.0.1:{opentsdb}"\n')
    proc = subprocess.Popen([binary, "run", "-config", f"{work}/influxdb.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {}
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}/ping", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        for kind, port, db in [("graphite", graphite, "graphite"), ("opentsdb", opentsdb, "opentsdb")]:
            parts = payloads[kind]
            expected = args.hosts * args.steps

            def send(data):
                with socket.create_connection(("127.0.0.1", port)) as s:
                    s.sendall(data)
                    s.shutdown(socket.SHUT_WR)
                    s.settimeout(600)
                    while s.recv(65536):
                        pass
            began = time.time()
            threads = [threading.Thread(target=send, args=(p,)) for p in parts]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            sent = time.time() - began
            n = 0
            deadline = time.time() + args.max_seconds
            while time.time() < deadline:
                n = count(http, db)
                if n >= expected:
                    break
                time.sleep(0.05)
            wall = time.time() - began
            results[kind] = {"points": n, "expected": expected, "seconds": wall, "send_seconds": sent,
                             "points_per_s": n / wall if wall > 0 else 0}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sundiald", default=os.path.join(ROOT, ".build/release/sundiald"))
    p.add_argument("--influxd", default=shutil.which("influxd") or "/usr/bin/influxd")
    p.add_argument("--hosts", type=int, default=1000)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--max-seconds", type=float, default=300)
    args = p.parse_args()
    payloads = {k: shares(lines(k, args.hosts, args.steps), args.connections) for k in ("graphite", "opentsdb")}
    table = {}
    for name, binary in [("influxd", args.influxd), ("sundiald", args.sundiald)]:
        table[name] = run_server(name, binary, args, payloads)
    print(f"{args.hosts * args.steps} points per input ({args.hosts} series x {args.steps} steps), {args.connections} connections")
    print(f"{'input':10} {'server':9} {'points/s':>12} {'seconds':>8} {'counted':>10}")
    for kind in ("graphite", "opentsdb"):
        for name in ("influxd", "sundiald"):
            r = table[name][kind]
            flag = "" if r["points"] == r["expected"] else "  INCOMPLETE"
            print(f"{kind:10} {name:9} {r['points_per_s']:12,.0f} {r['seconds']:8.2f} {r['points']:10}{flag}")
        i, s = table["influxd"][kind]["points_per_s"], table["sundiald"][kind]["points_per_s"]
        if i > 0:
            print(f"{kind:10} sundiald/influxd {s / i:.2f}")


if __name__ == "__main__":
    main()
