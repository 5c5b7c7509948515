#!/usr/bin/env python3
"""Compares Sundial's InfluxQL parser with the real influxd on every query in a file
(one JSON string per line): parse errors must be identical, and queries influxd parses
must parse here too.

    python3 tools/crosscheck/influxql-errors.py [tools/crosscheck/influxql-queries.txt]
"""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tools/crosscheck/influxql-queries.txt")
    queries = [json.loads(l) for l in open(path) if l.strip()]
    subprocess.run(["swift", "build", "--product", "sundial-inspect"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    ours = subprocess.run([f"{ROOT}/.build/debug/sundial-inspect", "influxql", path], check=True, capture_output=True, text=True).stdout.splitlines()
    influxd = shutil.which("influxd") or sys.exit("influxd not found")
    work = tempfile.mkdtemp()
    http, rpc = free_port(), free_port()
    with open(f"{work}/c.conf", "w") as f:
        f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n[meta]\n  dir = "{work}/meta"\n[data]\n  dir = "{work}/data"\n  wal-dir = "{work}/wal"\n'
                f'[http]\n  bind-address = "127.0.0.1:{http}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n')
    proc = subprocess.Popen([influxd, "run", "-config", f"{work}/c.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}/ping", timeout=1); break
            except Exception:
                time.sleep(0.1)
        mismatches = 0
        for q, mine in zip(queries, ours):
            req = urllib.request.Request(f"http://127.0.0.1:{http}/query?" + urllib.parse.urlencode({"db": "db0", "q": q}), method="POST")
            try:
                body = urllib.request.urlopen(req).read().decode()
            except urllib.error.HTTPError as e:
                body = e.read().decode()
            err = json.loads(body).get("error", "") if body.startswith("{") else ""
            theirs = "ERR " + err[len("error parsing query: "):] if err.startswith("error parsing query: ") else "OK"
            mine_kind = mine if mine.startswith("ERR") else "OK"
            if theirs != mine_kind:
                mismatches += 1
                print(f"MISMATCH {json.dumps(q)}\n  influxd: {theirs}\n  sundial: {mine}")
        print(f"{len(queries) - mismatches}/{len(queries)} agree")
        sys.exit(1 if mismatches else 0)
    finally:
        proc.send_signal(signal.SIGTERM); proc.wait(10); shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
