#!/usr/bin/env python3
"""Raw SELECT over a whole day of TSBS data: time and the server's peak memory while answering.

    swift build -c release --product sundiald && swift build -c release --product size-bench
    python3 tools/benchmark/raw-stream.py [--hours 24] [--server NAME=BINARY ...]

Each server (default: the real influxd and .build/release/sundiald; give several sundiald
builds to compare them) gets the same line protocol (size-bench's seeded generator: 100 hosts x
10 integer fields every 10 s), waits until idle, then answers:

- `SELECT * FROM cpu` over the day with `chunked=true&chunk_size=10000` (the client reads
  everything), and the same buffered (no `chunked`);
- `SELECT * FROM cpu LIMIT 10`.

Reported per query: wall time (median of --runs) and the growth of the server's peak resident
memory over its resident memory just before the query (`VmHWM` is reset through
`/proc/PID/clear_refs` first, so the load's own peak does not count).
"""
import argparse, http.client, os, statistics, sys, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
tsbs = __import__("tsbs-queries")

ROOT = tsbs.ROOT
DAY = "time >= '2016-01-01T00:00:00Z' AND time < '2016-01-02T00:00:00Z'"
QUERIES = [
    ("select-all-chunked", f"SELECT * FROM cpu WHERE {DAY}", True),
    ("select-all-buffered", f"SELECT * FROM cpu WHERE {DAY}", False),
    ("select-limit-10", "SELECT * FROM cpu LIMIT 10", False),
]


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def run_query(port, q, chunked):
    params = {"db": "benchmark", "q": q}
    if chunked:
        params.update({"chunked": "true", "chunk_size": "10000"})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("GET", "/query?" + urllib.parse.urlencode(params))
    r = c.getresponse()
    total = 0
    while True:
        piece = r.read(1 << 16)
        if not piece:
            break
        total += len(piece)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--server", action="append", default=[], help="NAME=BINARY (repeatable)")
    args = ap.parse_args()
    servers = [s.split("=", 1) for s in args.server] or [["influxd", "influxd"], ["sundiald", os.path.join(ROOT, ".build/release/sundiald")]]
    for _, binary in servers:
        tsbs.check_fresh(os.path.abspath(binary))
    lines = tsbs.data_lines(args.hours)
    print(f"{'server':18} {'query':22} {'ms (p50)':>10} {'bytes':>12} {'peak growth MB':>15}")
    for name, binary in servers:
        proc, tmp, port, _ = tsbs.start_loaded(name, binary, lines)
        try:
            tsbs.settle([proc.pid])
            for label, q, chunked in QUERIES:
                times, growth, size = [], [], 0
                for _ in range(args.runs):
                    with open(f"/proc/{proc.pid}/clear_refs", "w") as f:
                        f.write("5")
                    before = status_kb(proc.pid, "VmRSS")
                    t0 = time.perf_counter()
                    size = run_query(port, q, chunked)
                    times.append((time.perf_counter() - t0) * 1000)
                    growth.append((status_kb(proc.pid, "VmHWM") - before) / 1024)
                print(f"{name:18} {label:22} {statistics.median(times):10.1f} {size:12d} {max(growth):15.1f}", flush=True)
        finally:
            tsbs.stop(proc, tmp)


if __name__ == "__main__":
    main()
