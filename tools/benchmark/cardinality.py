#!/usr/bin/env python3
"""High cardinality, side by side: the real influxd 1.6.7 and sundiald, both with tsi1, on the
same N series (issue 16's benchmark).

    swift build -c release --product sundiald && python3 tools/benchmark/cardinality.py --series 1000000
    python3 tools/benchmark/cardinality.py --series 300000,1000000,3000000     # restart vs series count

Data: ingest.py's TSBS devops `cpu` lines (10 tags, 10 integer fields), one point per host, so
`--series N` makes N series (N points, 10 N values), sent as ingest.py sends them (4 writers,
5,000 lines a request; the requests are cached in /tmp/ingest-*.req).

Each server in turn (never both at once) starts on a fresh directory (`index-version = "tsi1"`),
gets the load, and once its WAL is empty (cache snapshotted) and a further `--settle-extra`
seconds have passed (index compactions), reports:
- loaded RSS: VmRSS then (the index, the series file and the TSM indexes as the server holds them);
- the answers to SHOW SERIES CARDINALITY, SHOW SERIES EXACT CARDINALITY, SHOW MEASUREMENT
  EXACT CARDINALITY and SHOW TAG VALUES EXACT CARDINALITY WITH KEY = "rack", which must be
  equal between the servers (the estimate may differ: each server's sketch is its own, but both
  are HyperLogLog++ over the same keys).

Then it is killed (SIGKILL) and started on the same directories, and the time is measured from
its start to the first correct answer of each of, in turn:
- `SELECT last(usage_user) FROM cpu WHERE hostname = 'host_<N/3>'`: a point read through the
  index (the series' value, as loaded);
- `SHOW SERIES CARDINALITY`: the estimate, the same as before the restart.
and VmRSS is read right after those answers ("restart RSS": flat when the index is mapped
rather than rebuilt) and again after SHOW SERIES EXACT CARDINALITY.
"""
import argparse, json, os, signal, sys, tempfile, time, shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ingest  # noqa: E402


def answer(server, q, timeout=300):
    status, body = server.query(q, timeout)
    if status != 200:
        return f"HTTP {status} {body[:200]!r}"
    try:
        return json.loads(body)["results"][0]["series"][0]["values"]
    except (ValueError, KeyError, IndexError, TypeError):
        return body[:200].decode(errors="replace")


def rss_mb(server):
    kb = ingest.status_kb(server.proc.pid, "VmRSS:")
    return None if kb is None else kb / 1024


QUERIES = ["SHOW SERIES CARDINALITY", "SHOW SERIES EXACT CARDINALITY", "SHOW MEASUREMENT EXACT CARDINALITY",
           'SHOW TAG VALUES EXACT CARDINALITY WITH KEY = "rack"']


def wait_for(server, q, expected, began, limit):
    """Seconds from `began` until `q` answers `expected` (None if it never did within `limit`)."""
    while time.perf_counter() - began < limit:
        if not server.alive():
            return None
        try:
            if answer(server, q, timeout=max(1, limit - (time.perf_counter() - began))) == expected:
                return time.perf_counter() - began
        except OSError:
            pass
        time.sleep(0.01)
    return None


def run(name, binary, series, path, index, args):
    tmp = tempfile.mkdtemp(prefix=f"cardinality-{name}-")
    server = ingest.Server(name, binary, tmp, "10s", index="tsi1")
    r = {"server": name}
    try:
        server.start()
        server.wait_ping()
        server.query("CREATE DATABASE benchmark")
        print(f"{name}: loading {series:,} series ...", flush=True)
        loaded = ingest.load(server, path, index, 4, args.max_seconds)
        r["points_per_s"] = loaded["points_per_s"]
        r["failed"] = loaded["requests_failed"]
        r["load_errors"] = loaded["errors"][:5]
        settled = ingest.settle(server, args.settle)
        r["settled"] = settled["settled"]
        time.sleep(args.settle_extra)
        r["loaded_rss_mb"] = rss_mb(server)
        r["answers"] = {q: answer(server, q) for q in QUERIES}
        point_q = f"SELECT last(usage_user) FROM cpu WHERE hostname = 'host_{series // 3}'"
        r["point"] = answer(server, point_q)
        for e in r["load_errors"]:
            print(f"   {e}")
        print(f"{name}: {r['points_per_s']:,.0f} points/s ({r['failed']} requests failed), RSS loaded {r['loaded_rss_mb']:.0f} MB, {r['answers']}", flush=True)
        server.kill(signal.SIGKILL)
        began = time.perf_counter()
        server.start()
        r["restart_point_s"] = wait_for(server, point_q, r["point"], began, args.limit)
        r["restart_estimate_s"] = wait_for(server, QUERIES[0], r["answers"][QUERIES[0]], began, args.limit)
        r["restart_rss_mb"] = rss_mb(server)
        t = time.perf_counter()
        exact = answer(server, QUERIES[1])
        r["exact_after_restart_s"] = time.perf_counter() - t
        r["exact_after_restart_ok"] = exact == r["answers"][QUERIES[1]]
        r["rss_after_exact_mb"] = rss_mb(server)
        print(f"{name}: restart to point read {r['restart_point_s']}, to estimate {r['restart_estimate_s']}, "
              f"RSS {r['restart_rss_mb']:.0f} MB, then {r['rss_after_exact_mb']:.0f} MB after EXACT ({r['exact_after_restart_s']:.2f} s)", flush=True)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return r


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}{unit}" if v < 100 else f"{v:,.0f}{unit}"
    return f"{v}{unit}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", default="1000000", help="series (hosts); a comma list runs each size in turn")
    ap.add_argument("--influxd", default="/usr/bin/influxd")
    ap.add_argument("--sundiald", default=os.path.join(ingest.ROOT, ".build/release/sundiald"))
    ap.add_argument("--servers", default="influxd,sundiald")
    ap.add_argument("--settle", type=float, default=300, help="at most this long for the WAL to empty after the load")
    ap.add_argument("--settle-extra", type=float, default=5, help="then wait this long more")
    ap.add_argument("--limit", type=float, default=300, help="give up on a restart after this long")
    ap.add_argument("--max-seconds", type=float, default=3600)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    ingest.check_fresh(args.sundiald)
    binaries = {"influxd": args.influxd, "sundiald": args.sundiald}
    everything = []
    for series in [int(s) for s in args.series.split(",")]:
        path, index = ingest.dataset(series, 1 / 360, 5000, 7)
        results = [run(n, binaries[n], series, path, index, args) for n in args.servers.split(",")]
        everything.append({"series": series, "results": results})
        rows = [("points/s (load)", "points_per_s", ""), ("RSS loaded (MB)", "loaded_rss_mb", ""),
                ("restart → point read (s)", "restart_point_s", ""), ("restart → estimate (s)", "restart_estimate_s", ""),
                ("RSS after restart + point read (MB)", "restart_rss_mb", ""),
                ("EXACT CARDINALITY after restart (s)", "exact_after_restart_s", ""), ("RSS after EXACT (MB)", "rss_after_exact_mb", "")]
        print(f"\n{series:,} series       | " + " | ".join(r["server"] for r in results) + (" | ratio" if len(results) == 2 else ""))
        for label, key, unit in rows:
            vals = [r.get(key) for r in results]
            ratio = f" | {vals[1] / vals[0]:.2f}×" if len(vals) == 2 and all(isinstance(v, (int, float)) and v for v in vals) else ""
            print(f"{label:36} | " + " | ".join(fmt(v, unit) for v in vals) + ratio)
        if len(results) == 2:
            for q in QUERIES + ["point"]:
                a = results[0]["answers"].get(q) if q != "point" else results[0]["point"]
                b = results[1]["answers"].get(q) if q != "point" else results[1]["point"]
                print(f"{q:55} {'equal' if a == b else 'DIFFERENT'}: {a} / {b}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)


if __name__ == "__main__":
    main()
