#!/usr/bin/env python3
"""HTTP fuzzer for sundiald: mutated /write and /query requests against the real daemon.

    python3 tools/fuzz/http/fuzz.py --quick                         # CI: seed 1, 2,000 requests, < 2 min
    python3 tools/fuzz/http/fuzz.py --seed 7 --requests 20000       # a longer run
    python3 tools/fuzz/http/fuzz.py --binary /tmp/sundiald-rel --max-rss-mb 1024 --time-limit 600
    python3 tools/fuzz/http/fuzz.py --replay tools/fuzz/http/out/crash-noauth-000123.json [more files]
    python3 tools/fuzz/http/fuzz.py --replay FILE --port 8086       # to a daemon already running on loopback
    python3 tools/fuzz/http/fuzz.py --minimize tools/fuzz/http/out/crash-noauth-000123.json
    python3 tools/fuzz/http/fuzz.py --seed 7 --show 123             # print request 123 of seed 7, send nothing

The harness starts the daemon itself (loopback only, a temporary directory, `query-timeout` from
`--query-timeout`, the max-select-* limits at their defaults) with a seed dataset (dataset.py),
then sends `--requests` requests (stopping early at `--time-limit`), one at a time over a fresh
connection each. A request is made from (seed, profile, index) alone (generate_http.py), so a run
is deterministic given its seed apart from timing. The last `--auth-share` of the requests go to a
second daemon with [http] auth-enabled (an admin user created first), so credential paths are
fuzzed too.

Findings, each written to `--out` as `<kind>-<profile>-<index>.json` (the request, what happened,
the daemon's last log lines and the requests just before) and `.http` (the raw bytes):
- crash: the connection is refused or reset and the daemon has exited (its signal is recorded);
  the daemon is restarted on the same data and the run goes on;
- hang: no complete answer within query-timeout + 1 s (+ 2 s for writes) while the daemon lives,
  or /ping (checked every `--ping-every` requests) not answering within 1 s; the daemon is
  restarted;
- rss: VmRSS (sampled every 100 ms) above `--max-rss-mb`, once per daemon start.

The summary groups the findings by their likeliest cause: of the constructs each request used
(the generators' features: `fn:top`, `slimit:huge`, `mut:deep-parens-3000`...), the one most
particular to findings of that kind. The exit status is 1 on any finding.
"""
import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dataset  # noqa: E402
import generate_http  # noqa: E402
import minimize as minimizer  # noqa: E402
from daemon import Daemon, Profile, default_binary  # noqa: E402
from httpreq import Outcome, Request, save, send  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WRITE_EXTRA = 2.0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=None, help="sundiald to run (default: .build/release/sundiald, else /tmp/sundiald-rel)")
    p.add_argument("--seed", type=int, default=None, help="seed of the request stream (default: from the clock, printed)")
    p.add_argument("--requests", type=int, default=10000, help="requests to send (default 10000)")
    p.add_argument("--time-limit", type=float, default=0, help="stop after this many seconds (default: none)")
    p.add_argument("--quick", action="store_true", help="CI mode: seed 1, 2000 requests, time limit 100 s")
    p.add_argument("--out", default=os.path.join(HERE, "out"), help="where findings go (default tools/fuzz/http/out)")
    p.add_argument("--query-timeout", type=float, default=5.0, help="[coordinator] query-timeout in seconds (default 5)")
    p.add_argument("--max-query-memory", default="1g", help="[coordinator] max-query-memory (default 1g; Sundial's own key)")
    p.add_argument("--max-body-size", type=int, default=25_000_000, help="[http] max-body-size (default 1.x's 25000000)")
    p.add_argument("--max-rss-mb", type=float, default=0, help="a VmRSS above this is a finding (default: no bound)")
    p.add_argument("--rss-kill-mb", type=float, default=4096,
                   help="kill the daemon when its VmRSS passes this (a finding; protects a shared machine; default 4096)")
    p.add_argument("--auth-share", type=float, default=0.15, help="share of requests sent to the auth-enabled profile (0: none)")
    p.add_argument("--ping-every", type=int, default=50, help="check /ping every N requests (default 50)")
    p.add_argument("--reseed-every", type=int, default=1000, help="repeat the dataset set-up every N requests (default 1000)")
    p.add_argument("--keep", action="store_true", help="keep the daemons' temporary directories")
    p.add_argument("--replay", nargs="+", metavar="FILE", help="send saved requests (.json or .http) and report what happens")
    p.add_argument("--port", type=int, help="with --replay: send to 127.0.0.1:PORT instead of starting a daemon")
    p.add_argument("--history", action="store_true",
                   help="with --replay / --minimize: first re-send the writes and schema statements that came before "
                        "the finding in its run (for findings that need the data the run had written)")
    p.add_argument("--minimize", metavar="FILE", help="shrink a finding's request while it still reproduces")
    p.add_argument("--minimize-time", type=float, default=300, help="time budget of --minimize in seconds (default 300)")
    p.add_argument("--show", type=int, metavar="INDEX", help="print request INDEX of --seed (noauth profile unless --profile auth)")
    p.add_argument("--profile", choices=["noauth", "auth"], default="noauth", help="with --show")
    args = p.parse_args(argv)
    if args.quick:
        args.seed = 1 if args.seed is None else args.seed
        args.requests = 2000
        args.time_limit = args.time_limit or 100
    if args.seed is None:
        args.seed = int(time.time()) % 1_000_000
    args.binary = args.binary or default_binary()
    return args


def profiles(args):
    return {"noauth": Profile("noauth", auth=False, query_timeout=args.query_timeout, max_body_size=args.max_body_size,
                              max_query_memory=args.max_query_memory),
            "auth": Profile("auth", auth=True, query_timeout=args.query_timeout, max_body_size=args.max_body_size,
                            max_query_memory=args.max_query_memory)}


def budget_for(req, profile):
    return profile.query_timeout + 1.0 + (WRITE_EXTRA if req.kind == "write" else 0.0)


EXTREME_WORDS = ("huge", "big", "deep", "long", "bomb", "chain", "negative", "backtracking", "repeat", "many", "edge")
CONTEXT_PREFIXES = ("http:", "auth:", "shape:", "stmt:select", "op:", "multi-statement", "subquery", "where:")


def weight(feature):
    """How much a feature counts as a cause: extreme values and deep structures more, the request's
    envelope (method, Accept, credentials) and ordinary query structure less."""
    if any(w in feature for w in EXTREME_WORDS):
        return 2.0
    if feature.startswith(CONTEXT_PREFIXES):
        return 0.3
    return 1.0


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.statuses = collections.Counter()
        self.feature_totals = collections.Counter()
        self.findings = []
        self.sent = 0
        self.seconds = 0.0
        self.rss_peak_kib = 0
        self.profile_peaks = {}
        self.restarts = 0
        self.memory_hogs = []  # (VmRSS KiB while in flight, index, profile, summary): the largest few
        os.makedirs(args.out, exist_ok=True)

    def log(self, text):
        print(text, flush=True)

    # -- findings ------------------------------------------------------------------------------

    def record(self, kind, req, daemon, detail, recent):
        base = os.path.join(self.args.out, f"{kind}-{req.profile}-{req.index:06d}" if req.index is not None else f"{kind}-replay")
        finding = {"kind": kind, "seed": self.args.seed, "index": req.index, "profile": req.profile,
                   "reseed_every": self.args.reseed_every,
                   "detail": detail, "log_tail": daemon.log_tail(20),
                   "recent_requests": [r.summary(200) for r in recent],
                   "replay": f"python3 tools/fuzz/http/fuzz.py --replay {os.path.relpath(base, os.getcwd())}.json"}
        save(base, req, daemon.port, finding)
        finding["file"] = base + ".json"
        finding["features"] = sorted(req.features)
        finding["size"] = len(req.target) + len(req.body)
        finding["summary"] = req.summary(160)
        self.findings.append(finding)
        self.log(f"  {kind.upper()} at #{req.index} ({req.profile}): {detail.get('what', '')} -> {base}.json")
        self.log(f"    {req.summary(160)}")

    # -- one request -----------------------------------------------------------------------------

    def exchange(self, daemon, req, recent):
        """Sends one request and classifies the outcome; returns the daemon to use next (restarted
        after a crash or hang)."""
        daemon.window_kib = daemon.rss_kib()
        out = send(daemon.port, req, budget_for(req, daemon.profile))
        self.statuses[out.label()] += 1
        self.note_memory(daemon, req)
        if out.status is not None:
            if daemon.alive():
                return daemon
            daemon.wait_dead(1.0)
            return self.crashed(daemon, req, recent, out, "exited after answering")
        if out.error.startswith("timeout"):
            if not daemon.alive():
                return self.crashed(daemon, req, recent, out, "exited while the request was in flight")
            ping = daemon.ping(1.0)
            cpu0 = daemon.cpu_seconds()
            time.sleep(0.5)
            busy = (daemon.cpu_seconds() - cpu0) / 0.5
            self.record("hang", req, daemon, {"what": f"no answer within {budget_for(req, daemon.profile):.1f} s ({out.error})",
                                             "ping_after": ping, "daemon_cpu_cores_after": round(busy, 2),
                                             "elapsed": round(out.elapsed, 2)}, recent)
            self.save_stacks(daemon, self.findings[-1]["file"][:-len(".json")] + ".stacks.txt")
            return self.restart(daemon, kill=True)
        # refused or reset: did it die?
        if daemon.wait_dead(1.0):
            if not out.sent and recent:
                # Refused before anything was sent: the previous request is the likelier culprit.
                return self.crashed(daemon, recent[-1], list(recent)[:-1], out, "found dead before the next request")
            return self.crashed(daemon, req, recent, out, "exited while the request was in flight")
        return daemon

    def save_stacks(self, daemon, path):
        """Every thread's stack of the hung daemon (gdb, when installed): what it waits on."""
        gdb = shutil.which("gdb")
        if not gdb or not daemon.alive():
            return
        try:
            out = subprocess.run([gdb, "-p", str(daemon.proc.pid), "-batch", "-nx", "-ex", "thread apply all bt 30"],
                                 capture_output=True, timeout=60)
            with open(path, "wb") as f:
                f.write(out.stdout + out.stderr)
            self.log(f"    stacks -> {path}")
        except (OSError, subprocess.SubprocessError) as e:
            self.log(f"    no stacks: {e}")

    def crashed(self, daemon, req, recent, out, when):
        if daemon.killed_for_rss:
            self.record("rss", req, daemon, {"what": f"killed by the harness at VmRSS {daemon.killed_for_rss / 1024:.0f} MiB "
                                                     f"(--rss-kill-mb {self.args.rss_kill_mb:.0f})",
                                             "elapsed": round(out.elapsed, 3)}, recent)
            return self.restart(daemon)
        status = daemon.exit_status()
        self.record("crash", req, daemon, {"what": f"{status}, {when}", "signal": status, "client_saw": out.label(),
                                          "elapsed": round(out.elapsed, 3)}, recent)
        return self.restart(daemon)

    def restart(self, daemon, kill=False):
        self.restarts += 1
        self.note_peak(daemon)
        daemon.stop(grace=2.0 if kill else 15.0)
        try:
            daemon.start()
            return daemon
        except RuntimeError as e:
            # It does not come back on its data (a crash replaying the WAL, say): a finding of its own,
            # then a fresh directory.
            self.log(f"  daemon does not restart on its data: {e}")
            daemon.stop(grace=2.0)
            self.findings.append({"kind": "crash", "detail": {"what": f"restart failed: {e}", "signal": daemon.exit_status()},
                                  "features": ["restart-failed"], "file": daemon.tmp, "size": 0, "summary": "(restart)",
                                  "log_tail": daemon.log_tail(20), "profile": daemon.profile.name, "index": None})
            daemon.keep = True
            fresh = Daemon(daemon.binary, daemon.profile, keep=self.args.keep, rss_kill_kib=daemon.rss_kill_kib)
            fresh.start()
            dataset.setup(fresh, self.log)
            return fresh

    def note_memory(self, daemon, req):
        kib = max(daemon.window_kib, daemon.rss_kib())
        if len(self.memory_hogs) < 5 or kib > self.memory_hogs[-1][0]:
            self.memory_hogs.append((kib, req.index, req.profile, req.summary(160)))
            self.memory_hogs.sort(key=lambda h: -h[0])
            del self.memory_hogs[5:]

    def note_peak(self, daemon):
        peak = daemon.rss_peak_kib
        name = daemon.profile.name
        self.profile_peaks[name] = max(self.profile_peaks.get(name, 0), peak)
        self.rss_peak_kib = max(self.rss_peak_kib, peak)

    # -- a run -------------------------------------------------------------------------------------

    def run_profile(self, profile, indices, deadline):
        daemon = Daemon(self.args.binary, profile, keep=self.args.keep, rss_kill_kib=int(self.args.rss_kill_mb * 1024))
        daemon.start()
        dataset.setup(daemon, self.log)
        recent = collections.deque(maxlen=4)
        bound_kib = self.args.max_rss_mb * 1024
        rss_reported_for = None
        started = time.time()
        done = 0
        try:
            for i in indices:
                if self.args.time_limit and time.time() > deadline:
                    self.log(f"[{profile.name}] time limit reached after {done} requests")
                    break
                req = generate_http.request(self.args.seed, i, profile)
                self.feature_totals.update(req.features)
                daemon = self.exchange(daemon, req, recent)
                recent.append(req)
                self.sent += 1
                done += 1
                if bound_kib and daemon.rss_peak_kib > bound_kib and rss_reported_for != (daemon.proc.pid, daemon.starts):
                    rss_reported_for = (daemon.proc.pid, daemon.starts)
                    self.record("rss", req, daemon, {"what": f"VmRSS peak {daemon.rss_peak_kib / 1024:.0f} MiB above the bound "
                                                             f"{self.args.max_rss_mb:.0f} MiB"}, list(recent)[:-1])
                if done % self.args.ping_every == 0 and not daemon.ping(1.0):
                    if daemon.alive():
                        self.record("hang", req, daemon, {"what": "/ping did not answer within 1 s", "ping_after": False},
                                    list(recent)[:-1])
                        daemon = self.restart(daemon, kill=True)
                    else:
                        daemon.wait_dead(1.0)
                        daemon = self.crashed(daemon, req, list(recent)[:-1], Outcome(error="refused: ping"), "found dead at the /ping check")
                if done % self.args.reseed_every == 0:
                    dataset.setup(daemon, self.log)
                if done % 500 == 0:
                    rate = done / (time.time() - started)
                    self.log(f"[{profile.name}] {done}/{len(indices)} requests, {rate:.1f}/s, "
                             f"{self.count('crash')} crashes, {self.count('hang')} hangs, "
                             f"RSS now {daemon.rss_kib() / 1024:.0f} MiB, peak {max(self.rss_peak_kib, daemon.rss_peak_kib) / 1024:.0f} MiB")
        finally:
            self.note_peak(daemon)
            self.seconds += time.time() - started
            daemon.cleanup()

    def count(self, kind):
        return sum(1 for f in self.findings if f["kind"] == kind)

    def run(self):
        a = self.args
        n_auth = int(round(a.requests * a.auth_share))
        n_plain = a.requests - n_auth
        self.log(f"sundiald HTTP fuzz: seed {a.seed}, {a.requests} requests ({n_plain} noauth + {n_auth} auth), "
                 f"query-timeout {a.query_timeout:g} s, binary {a.binary}")
        start = time.time()
        limit = a.time_limit or float("inf")
        ps = profiles(a)
        self.run_profile(ps["noauth"], range(n_plain), start + limit * (1 - a.auth_share))
        if n_auth:
            self.run_profile(ps["auth"], range(n_auth), start + limit)
        return self.report(time.time() - start)

    # -- summary -----------------------------------------------------------------------------------

    def causes(self):
        """Groups findings by (kind, signal, the feature most particular to findings of that kind)."""
        groups = collections.OrderedDict()
        by_kind = collections.defaultdict(collections.Counter)
        for f in self.findings:
            by_kind[f["kind"]].update(f["features"])
        for f in self.findings:
            hits = by_kind[f["kind"]]
            best = max(f["features"] or ["(none)"],
                       key=lambda x: (weight(x) * hits[x] / (self.feature_totals.get(x, 0) + 1), hits[x], x))
            key = (f["kind"], f["detail"].get("signal", ""), best)
            groups.setdefault(key, []).append(f)
        return groups

    def report(self, elapsed):
        a = self.args
        crashes, hangs, rss = self.count("crash"), self.count("hang"), self.count("rss")
        bound = f"{a.max_rss_mb:.0f} MiB" if a.max_rss_mb else "none"
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items(), key=lambda kv: (-kv[1], kv[0])))
        self.log("")
        self.log(f"{self.sent} requests in {elapsed:.0f} s ({self.sent / max(self.seconds, 1e-9):.1f}/s while sending), "
                 f"{crashes} crashes, {hangs} hangs, peak RSS {self.rss_peak_kib / 1024:.0f} MiB (bound {bound})"
                 + (f", {rss} RSS breaches" if rss else "") + f", {self.restarts} restarts")
        self.log(f"statuses by code: {statuses}")
        if self.profile_peaks:
            self.log("peak RSS by profile: " + ", ".join(f"{k} {v / 1024:.0f} MiB" for k, v in self.profile_peaks.items()))
        if self.memory_hogs:
            self.log("largest VmRSS while a request was in flight (sampled every 100 ms):")
            for kib, index, profile, summary in self.memory_hogs[:3]:
                self.log(f"  {kib / 1024:6.0f} MiB  #{index} ({profile}) {summary[:200]}")
        groups = self.causes()
        if groups:
            self.log(f"\nfindings by likeliest cause ({len(groups)} groups):")
        summary_groups = []
        for (kind, sig, feature), fs in groups.items():
            smallest = min(fs, key=lambda f: f["size"])
            self.log(f"  {kind:5} {sig or '-':14} {feature:36} x{len(fs):<4} e.g. {smallest['file']}")
            self.log(f"        {smallest['summary'][:240]}")
            summary_groups.append({"kind": kind, "signal": sig, "cause": feature, "count": len(fs),
                                   "example": smallest["file"], "example_summary": smallest["summary"],
                                   "files": [f["file"] for f in fs]})
        with open(os.path.join(a.out, f"summary-seed{a.seed}.json"), "w") as f:
            json.dump({"seed": a.seed, "requests": self.sent, "seconds": round(elapsed, 1),
                       "requests_per_second": round(self.sent / max(self.seconds, 1e-9), 1), "crashes": crashes,
                       "hangs": hangs, "rss_breaches": rss, "peak_rss_mib": round(self.rss_peak_kib / 1024, 1),
                       "rss_bound_mib": a.max_rss_mb or None,
                       "memory_hogs": [{"rss_mib": round(k / 1024, 1), "index": i, "profile": p, "request": s}
                                       for k, i, p, s in self.memory_hogs],
                       "statuses": dict(self.statuses), "groups": summary_groups,
                       "binary": a.binary}, f, indent=1, ensure_ascii=False)
        return 1 if crashes or hangs or rss else 0


# ---------------------------------------------------------------------------------------------
# Replay, minimize, show.

def changes_state(req):
    """Writes, and statements other than SELECT / SHOW / EXPLAIN (or SELECT ... INTO)."""
    return req.kind == "write" or "select:into" in req.features or any(
        f.startswith("stmt:") and f not in ("stmt:select", "stmt:explain") for f in req.features)


def replay_history(daemon, finding_path):
    """Re-sends what changed the data before the finding in its run: its writes and schema
    statements (regenerated from seed and index), and the periodic re-seeding. Requests that were
    findings themselves are skipped."""
    with open(finding_path) as f:
        finding = json.load(f)
    seed, index, reseed_every = finding.get("seed"), finding.get("index"), finding.get("reseed_every", 1000)
    if seed is None or index is None:
        return
    out_dir = os.path.dirname(finding_path)
    profile = daemon.profile
    sent = 0
    for i in range(index):
        if i and i % reseed_every == 0:
            dataset.setup(daemon, lambda *_: None)
        req = generate_http.request(seed, i, profile)
        if not changes_state(req) or any(os.path.exists(os.path.join(out_dir, f"{k}-{profile.name}-{i:06d}.json"))
                                         for k in ("crash", "hang", "rss")):
            continue
        send(daemon.port, req, budget_for(req, profile))
        sent += 1
        if not daemon.alive():
            daemon.restart()
    print(f"  history: {sent} writes and schema statements of seed {seed} before #{index} re-sent")


def load_request(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".json"):
        return Request.from_json(json.loads(data)["request"])
    return Request.from_raw(data)


def kill_kib(args):
    """Replay and minimize kill the daemon at the RSS bound when there is one (so that an "rss"
    finding reproduces as such), else at the safety cap."""
    return int((args.max_rss_mb or args.rss_kill_mb) * 1024)


def classify(daemon, req):
    """Sends `req` to a running daemon: ("crash" | "hang" | "rss" | "ok", text)."""
    out = send(daemon.port, req, budget_for(req, daemon.profile))
    if daemon.killed_for_rss:
        return "rss", f"killed at VmRSS {daemon.killed_for_rss / 1024:.0f} MiB"
    if out.status is not None and daemon.alive():
        return "ok", f"status {out.status} in {out.elapsed:.3f} s: {out.head[:300]!r}"
    if out.status is None and out.error.startswith("timeout") and daemon.alive():
        return "hang", f"{out.error} after {out.elapsed:.1f} s"
    if daemon.wait_dead(1.0):
        return "crash", f"{daemon.exit_status()} (client saw {out.label()})"
    return "ok", f"{out.error} in {out.elapsed:.3f} s, daemon alive"


def replay(args):
    status = 0
    if args.port:
        for path in args.replay:
            req = load_request(path)
            out = send(args.port, req, args.query_timeout + 1 + (WRITE_EXTRA if req.kind == "write" else 0))
            print(f"{path}: {out.label()} in {out.elapsed:.3f} s {out.head[:300]!r}")
            status |= out.status is None
        return status
    ps = profiles(args)
    daemons = {}
    try:
        for path in args.replay:
            req = load_request(path)
            profile = ps.get(req.profile, ps["noauth"])
            d = daemons.get(profile.name)
            if args.history and path.endswith(".json"):
                # Each finding's own history: a fresh daemon for each.
                if d is not None:
                    d.cleanup()
                d = daemons[profile.name] = Daemon(args.binary, profile, keep=args.keep, rss_kill_kib=kill_kib(args))
                d.start()
                dataset.setup(d)
                replay_history(d, path)
            elif d is None:
                d = daemons[profile.name] = Daemon(args.binary, profile, keep=args.keep, rss_kill_kib=kill_kib(args))
                d.start()
                dataset.setup(d)
            elif not d.alive():
                d.restart()
            kind, text = classify(d, req)
            print(f"{path}: {kind.upper()}: {text}")
            if kind != "ok":
                status = 1
                print("  log tail:\n    " + "\n    ".join(d.log_tail(8)))
                d.stop(grace=2.0)
                d.start()
    finally:
        for d in daemons.values():
            d.cleanup()
    return status


def minimize(args):
    with open(args.minimize) as f:
        finding = json.load(f)
    req = Request.from_json(finding["request"])
    want = finding["kind"]
    profile = profiles(args).get(req.profile, profiles(args)["noauth"])
    d = Daemon(args.binary, profile, keep=args.keep, rss_kill_kib=kill_kib(args))
    d.start()
    dataset.setup(d)
    if args.history:
        replay_history(d, args.minimize)
    try:
        def reproduces(candidate):
            if not d.alive():
                d.restart()
            kind, _ = classify(d, candidate)
            if kind != "ok":
                d.stop(grace=2.0)
                d.start()
            return kind == want

        if not reproduces(req):
            print(f"{args.minimize}: does not reproduce as a {want} on a fresh daemon (it may need the requests before it)")
            return 1
        small = minimizer.minimize(req, reproduces, args.minimize_time)
        base = args.minimize[:-5] if args.minimize.endswith(".json") else args.minimize
        save(base + ".min", small, d.port, {"kind": want, "minimized_from": args.minimize})
        print(f"{want}: {small.summary(2000)}")
        print(f"written to {base}.min.json and {base}.min.http")
        return 0
    finally:
        d.cleanup()


def show(args):
    req = generate_http.request(args.seed, args.show, profiles(args)[args.profile])
    sys.stdout.buffer.write(req.raw()[:100_000] + b"\n")
    print(f"\nfeatures: {', '.join(sorted(req.features))}")
    return 0


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    # SIGTERM (a CI timeout) unwinds like ^C, so the daemon is stopped and its directory removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    if args.show is not None:
        return show(args)
    if not os.path.exists(args.binary):
        sys.exit(f"no daemon binary at {args.binary}: swift build -c release --product sundiald, or --binary PATH")
    if args.replay:
        return replay(args)
    if args.minimize:
        return minimize(args)
    return Fuzzer(args).run()


if __name__ == "__main__":
    sys.exit(main())
