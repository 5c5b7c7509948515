#!/usr/bin/env python3
"""Cross-check: the real influxd (1.6.7) starts on a meta.db written by Sundial's MetaClient
and reports the same databases and retention policies.

    python3 tools/crosscheck/influxd-reads-sundial-meta.py
"""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPECTED = {
    "alpha": [["autogen", "0s", "168h0m0s", 1, False], ["hour", "2h0m0s", "1h0m0s", 1, False], ["forever", "0s", "168h0m0s", 1, True]],
    "beta": [["autogen", "0s", "168h0m0s", 1, False], ["week", "168h0m0s", "24h0m0s", 1, True]],
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    influxd = shutil.which("influxd") or sys.exit("influxd not found")
    subprocess.run(["swift", "build", "--product", "sundial-inspect"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp()
    proc = None
    try:
        subprocess.run([f"{ROOT}/.build/debug/sundial-inspect", "meta-sample", f"{work}/meta"], check=True)
        http, rpc = free_port(), free_port()
        with open(f"{work}/c.conf", "w") as f:
            f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n[meta]\n  dir = "{work}/meta"\n[data]\n  dir = "{work}/data"\n  wal-dir = "{work}/wal"\n'
                    f'[http]\n  bind-address = "127.0.0.1:{http}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n')
        proc = subprocess.Popen([influxd, "run", "-config", f"{work}/c.conf"], stdout=subprocess.DEVNULL, stderr=open(f"{work}/log", "w"))
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}/ping", timeout=1); break
            except Exception:
                time.sleep(0.1)
        def q(s):
            return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{http}/query?" + urllib.parse.urlencode({"q": s})).read())
        dbs = [v[0] for v in q("SHOW DATABASES")["results"][0]["series"][0]["values"]]
        ok = dbs == ["alpha", "beta"]
        print("databases:", dbs, "OK" if ok else "MISMATCH")
        for db, want in EXPECTED.items():
            got = q(f"SHOW RETENTION POLICIES ON {db}")["results"][0]["series"][0]["values"]
            same = got == want
            ok = ok and same
            print(f"{db}: {got}", "OK" if same else f"MISMATCH, expected {want}")
        sys.exit(0 if ok else 1)
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM); proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
