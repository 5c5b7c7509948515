#!/usr/bin/env python3
"""UDP line protocol and collectd packets over loopback into sundiald and the real influxd
1.6.7, one server at a time: points sent, points stored, and stored points per second.

    swift build -c release --product sundiald && cp .build/release/sundiald /tmp/sundiald-inputs
    python3 tools/benchmark/inputs-udp.py [--sundiald /tmp/sundiald-inputs] [--datagrams 50000] [--rate 0]

UDP may drop: a datagram the server does not read in time overflows the socket buffer
(read-buffer = 8 MiB, capped by net.core.rmem_max). Stored points/s is the stored count over
the time from the first datagram until the count stops growing. --rate limits datagrams per
second (0: as fast as one Python sender goes).

2026-12-05, 2 shared cores, release sundiald vs influxd 1.6.7 (stored points/s, stored/sent):
  unlimited, 50000 datagrams: udp      influxd 100,598 (40.3%)  sundiald 186,072 (84.0%)
                              collectd influxd 109,493 (27.1%)  sundiald 227,536 (50.5%)
  --rate 5000, 30000:         udp      influxd  92,555 (100%)   sundiald  95,787 (100%)
                              collectd influxd 106,809 (47.8%)  sundiald 246,330 (90.4%)
"""
import argparse, json, os, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.parse, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LINES_PER_DATAGRAM = 20
LISTS_PER_PACKET = 24  # load value lists (3 gauges each) per collectd packet, ~1.3 KB


def udp_datagrams(n):
    base = 1_600_000_000_000_000_000
    for d in range(n):
        yield "\n".join(f"m,host=h{(d * LINES_PER_DATAGRAM + i) % 500} v={i}.5,n={d}i {base + d * LINES_PER_DATAGRAM + i}"
                        for i in range(LINES_PER_DATAGRAM)).encode()


def part(t, payload):
    return struct.pack(">HH", t, len(payload) + 4) + payload


def string(t, v):
    return part(t, v.encode() + b"\0")


def collectd_packets(n):
    for p in range(n):
        out = string(0, "bench") + string(2, "load") + string(4, "load")
        for i in range(LISTS_PER_PACKET):
            t = (1_600_000_000 + p) << 30 | (i * 40_000_000)  # a distinct time per list
            out += string(3, f"i{i % 50}") + part(8, struct.pack(">Q", t))
            out += part(6, struct.pack(">H", 3) + b"\x01\x01\x01" + struct.pack("<ddd", 0.5, 0.25, i))
        yield out


def start(binary, work, udp_port, collectd_port, http):
    conf = f"{work}/server.conf"
    with open(conf, "w") as f:
        f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{free_port()}"\n[meta]\n  dir = "{work}/meta"\n'
                f'[data]\n  dir = "{work}/data"\n  wal-dir = "{work}/wal"\n  query-log-enabled = false\n'
                f'[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:{http}"\n  log-enabled = false\n'
                '[continuous_queries]\n  enabled = false\n[subscriber]\n  enabled = false\n[logging]\n  level = "error"\n'
                f'[[udp]]\n  enabled = true\n  bind-address = "127.0.0.1:{udp_port}"\n  database = "udp"\n  read-buffer = 8388608\n'
                f'[[collectd]]\n  enabled = true\n  bind-address = "127.0.0.1:{collectd_port}"\n  database = "collectd"\n'
                '  security-level = "none"\n  parse-multivalue-plugin = "split"\n  read-buffer = 8388608\n  batch-timeout = "1s"\n')
    proc = subprocess.Popen([binary, "run", "-config", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{http}/ping", timeout=1)
            return proc
        except Exception:
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"{binary} did not start")


def count(http, db, query):
    url = f"http://127.0.0.1:{http}/query?" + urllib.parse.urlencode({"db": db, "q": query})
    try:
        body = json.loads(urllib.request.urlopen(url, timeout=60).read())
    except Exception:
        return 0
    total = 0
    for result in body.get("results", []):
        for series in result.get("series", []):
            for row in series.get("values", []):
                total += sum(v for v in row[1:] if isinstance(v, (int, float)))
    return int(total)


def run(http, port, datagrams, rate, db, query, points_each):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    began = time.monotonic()
    sent = 0
    for i, d in enumerate(datagrams):
        sock.sendto(d, ("127.0.0.1", port))
        sent += 1
        if rate and i % 100 == 99:
            ahead = began + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    sent_seconds = time.monotonic() - began
    stored, last_change, last = 0, time.monotonic(), -1
    while time.monotonic() - last_change < 3:
        time.sleep(0.25)
        stored = count(http, db, query)
        if stored != last:
            last, last_change = stored, time.monotonic()
    elapsed = last_change - began
    return sent * points_each, stored, sent_seconds, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sundiald", default="/tmp/sundiald-inputs")
    ap.add_argument("--influxd", default=shutil.which("influxd") or "/usr/bin/influxd")
    ap.add_argument("--datagrams", type=int, default=50_000)
    ap.add_argument("--rate", type=float, default=0)
    args = ap.parse_args()
    print(f"{args.datagrams} UDP datagrams x {LINES_PER_DATAGRAM} lines, {args.datagrams} collectd packets x {LISTS_PER_PACKET} "
          f"lists x 3 values, rate {'unlimited' if not args.rate else f'{args.rate:.0f}/s'}")
    print(f"{'server':10} {'input':9} {'sent pts':>10} {'stored':>10} {'stored %':>8} {'send s':>7} {'stored pts/s':>13}")
    for name, binary in [("influxd", args.influxd), ("sundiald", args.sundiald)]:
        work = tempfile.mkdtemp(prefix=f"inputs-{name}-")
        udp_port, collectd_port, http = free_port(), free_port(), free_port()
        proc = start(binary, work, udp_port, collectd_port, http)
        try:
            for label, gen, port, db, query, each in [
                ("udp", udp_datagrams(args.datagrams), udp_port, "udp", "SELECT count(v) FROM m", LINES_PER_DATAGRAM),
                ("collectd", collectd_packets(args.datagrams), collectd_port, "collectd",
                 "SELECT count(value) FROM load_shortterm, load_midterm, load_longterm", LISTS_PER_PACKET * 3),
            ]:
                sent, stored, send_s, elapsed = run(http, port, gen, args.rate, db, query, each)
                print(f"{name:10} {label:9} {sent:>10} {stored:>10} {100 * stored / sent:>7.1f}% {send_s:>7.2f} {stored / elapsed:>13,.0f}")
        finally:
            proc.terminate()
            proc.wait()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
