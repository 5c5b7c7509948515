#!/usr/bin/env python3
"""The reference figure for size-bench: the same line protocol written to the real influxd
(1.6.7), fully compacted, bytes per value.

    .build/release/size-bench 6 /tmp/tsbs-6h.lp && python3 tools/benchmark/influxd-size.py /tmp/tsbs-6h.lp

influxd runs on loopback with cold-snapshot and cold-full-compaction durations of 1 s, so it
compacts everything into one file shortly after the last write; the script waits until the
shard holds one .tsm file that stays unchanged for 5 s.
"""
import glob, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    lp = sys.argv[1]
    influxd = shutil.which("influxd") or sys.exit("influxd not found (apt-get install influxdb)")
    work = tempfile.mkdtemp(prefix="influxd-size-")
    http, rpc = free_port(), free_port()
    with open(f"{work}/influxd.conf", "w") as f:
        f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n[meta]\n  dir = "{work}/meta"\n'
                f'[data]\n  dir = "{work}/data"\n  wal-dir = "{work}/wal"\n  query-log-enabled = false\n'
                '  cache-snapshot-write-cold-duration = "1s"\n  compact-full-write-cold-duration = "1s"\n'
                f'[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:{http}"\n  log-enabled = false\n'
                '[continuous_queries]\n  enabled = false\n[subscriber]\n  enabled = false\n')
    proc = subprocess.Popen([influxd, "run", "-config", f"{work}/influxd.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}/ping", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        def post(path, data):
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{http}{path}", data=data, method="POST")).read()
        post("/query?" + urllib.parse.urlencode({"q": "CREATE DATABASE size WITH SHARD DURATION 15000w"}), b"")
        lines = open(lp, "rb").read().split(b"\n")
        lines = [l for l in lines if l]
        values = sum(l.split(b" ")[1].count(b",") + 1 for l in lines)
        for i in range(0, len(lines), 5000):
            post("/write?db=size", b"\n".join(lines[i:i + 5000]))
        last, stable_since = None, time.time()
        while True:
            time.sleep(1)
            files = sorted(glob.glob(f"{work}/data/size/autogen/*/*.tsm"))
            state = [(f, os.path.getsize(f)) for f in files]
            if state != last:
                last, stable_since = state, time.time()
            elif len(files) == 1 and not glob.glob(f"{work}/data/size/autogen/*/*.tmp") and time.time() - stable_since > 5:
                break
            if time.time() - stable_since > 600:
                sys.exit(f"no single compacted file after 10 min: {state}")
        size = last[0][1]
        print(f"influxd: {len(lines)} lines, {values} values -> {os.path.basename(last[0][0])}, {size} bytes, {size / values:.2f} bytes/value")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
