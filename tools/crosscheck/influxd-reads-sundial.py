#!/usr/bin/env python3
"""Cross-check: the real influxd (1.6.7) reads a shard written by Sundial's engine.

    python3 tools/crosscheck/influxd-reads-sundial.py

1. Generates deterministic line protocol (floats, integers, booleans, strings; a 2500-point
   series spanning three blocks; several tagged series).
2. Sundial writes it through its engine (WAL -> cache -> level-1 TSM file):
   `sundial-inspect write-lp`.
3. A real influxd on loopback creates the database and its shard (one seed point), is
   stopped, the shard's files are replaced by Sundial's TSM file, and influxd is started again.
4. Every measurement is queried (`SELECT * ... epoch=ns`) and compared value by value with the
   generated points. Exit status 0 only if all match.
Loopback only; a temporary directory, removed afterwards.
"""
import glob, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def points():
    rng = random.Random(42)
    base = 1_600_000_000_000_000_000
    out = []
    for host in ("a", "b", "c"):
        for i in range(40):
            out.append(("cpu", {"host": host, "region": "eu"}, {"usage": rng.uniform(0, 100), "count": rng.randint(-2**40, 2**40)}, base + i * 10_000_000_000))
    for i in range(2500):
        out.append(("temp", {"room": "lab"}, {"c": round(rng.gauss(20, 3), 3)}, base + i * 1_000_000_000))
    for i in range(30):
        out.append(("flags", {"dev": "x"}, {"on": rng.random() < 0.5}, base + i * 1_000_000))
    for i in range(25):
        out.append(("logs", {"app": "web"}, {"msg": "request %d took %d ms \"ok\"" % (i, rng.randint(1, 999))}, base + i * 1_000))
    return out


def line(p):
    m, tags, fields, t = p
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return "%di" % v
        if isinstance(v, float):
            return repr(v)
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    tag = "".join(",%s=%s" % kv for kv in sorted(tags.items()))
    return "%s%s %s %d" % (m, tag, ",".join("%s=%s" % (k, value(v)) for k, v in fields.items()), t)


def main():
    influxd = shutil.which("influxd")
    if not influxd:
        subprocess.run(["apt-get", "install", "-y", "-qq", "influxdb"], check=True)
        influxd = shutil.which("influxd")
    subprocess.run(["swift", "build", "--product", "sundial-inspect"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="sundial-crosscheck-")
    proc = None
    try:
        pts = points()
        with open(f"{work}/points.lp", "w") as f:
            f.write("\n".join(line(p) for p in pts) + "\n")
        subprocess.run([f"{ROOT}/.build/debug/sundial-inspect", "write-lp", f"{work}/points.lp", f"{work}/sundial"], check=True)
        tsm = glob.glob(f"{work}/sundial/*.tsm")
        assert len(tsm) == 1, tsm

        http, rpc = free_port(), free_port()
        with open(f"{work}/influxd.conf", "w") as f:
            f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n[meta]\n  dir = "{work}/meta"\n'
                    f'[data]\n  dir = "{work}/data"\n  wal-dir = "{work}/wal"\n  query-log-enabled = false\n'
                    f'[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:{http}"\n  log-enabled = false\n'
                    '[continuous_queries]\n  enabled = false\n[subscriber]\n  enabled = false\n')

        def start():
            p = subprocess.Popen([influxd, "run", "-config", f"{work}/influxd.conf"], stdout=subprocess.DEVNULL, stderr=open(f"{work}/influxd.log", "a"))
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{http}/ping", timeout=1)
                    return p
                except Exception:
                    time.sleep(0.1)
            sys.exit("influxd did not start")

        def post(path, data):
            return urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{http}{path}", data=data, method="POST")).read()

        def query(q):
            return json.loads(post("/query?" + urllib.parse.urlencode({"db": "x", "epoch": "ns", "q": q}), b""))

        proc = start()
        post("/query?" + urllib.parse.urlencode({"q": "CREATE DATABASE x WITH SHARD DURATION 15000w"}), b"")
        post("/write?db=x", ("seed v=0 %d" % pts[0][3]).encode())
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        shard = glob.glob(f"{work}/data/x/autogen/*")
        assert len(shard) == 1, shard
        for f in glob.glob(shard[0] + "/*"):
            os.remove(f)
        for f in glob.glob(f"{work}/wal/x/autogen/*/*"):
            os.remove(f)
        shutil.copy(tsm[0], shard[0] + "/000000001-000000001.tsm")
        proc = start()

        failures = 0
        for m in ("cpu", "temp", "flags", "logs"):
            expected = sorted((p for p in pts if p[0] == m), key=lambda p: (p[3], sorted(p[1].items())))
            result = query(f'SELECT * FROM "{m}"')["results"][0]
            series = result.get("series", [])
            if len(series) != 1:
                print(f"{m}: unexpected result {json.dumps(result)[:300]}")
                failures += 1
                continue
            cols, rows = series[0]["columns"], series[0]["values"]
            got = [dict(zip(cols, r)) for r in rows]
            want = []
            for _, tags, fields, t in expected:
                row = {"time": t}
                row.update(tags)
                row.update(fields)
                want.append(row)
            key = lambda r: (r["time"], json.dumps({k: v for k, v in r.items() if isinstance(v, str)}, sort_keys=True))
            got.sort(key=key)
            want.sort(key=key)
            bad = [(g, w) for g, w in zip(got, want) if any(g.get(k) != v for k, v in w.items())]
            if len(got) != len(want) or bad:
                print(f"{m}: {len(got)} rows vs {len(want)} expected; first mismatch {bad[:1]}")
                failures += 1
            else:
                print(f"{m}: {len(got)} points equal")
        count = query('SELECT count(*) FROM /.*/')["results"][0]
        print("influxd count(*):", json.dumps(count.get("series", []))[:400])
        sys.exit(1 if failures else 0)
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
