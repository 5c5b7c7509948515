#!/usr/bin/env python3
"""TSBS devops ingest, side by side: the real influxd 1.6.7 and sundiald on the same writes.

    swift build -c release --product sundiald && python3 tools/benchmark/ingest.py --hosts 100 --hours 24
    python3 tools/benchmark/ingest.py --hosts 20000 --hours 0.5          # many series, 30 minutes
    python3 tools/benchmark/ingest.py --hosts 100,20000,100000 --hours 0.5   # throughput vs series count
    python3 tools/benchmark/ingest.py --sundiald /tmp/sundiald-baseline  # any build (no freshness check
                                                                         # outside .build)

Data: TSBS devops `cpu` lines shaped as size-bench's (its own seeded generator; 10 tags hostname ... service_environment,
10 integer fields usage_user ... usage_guest_nice as seeded random walks in 0...100), one line per
host every 10 s from 2016-01-01T00:00:00Z, ordered by time then host as TSBS writes them, cut
into requests of `--batch` lines (`--hosts N` x `--hours H` makes N x H x 360 points, each of 10
values). The requests (whole HTTP/1.1 POST /write?db=benchmark requests) are generated once,
before any timing, into /tmp/ingest-*.req (keyed by the parameters; reused by later runs).

Each server in turn (never both at once) starts on a fresh temporary directory with the same
influxdb.conf keys (meta/data/wal dirs, monitor store off, HTTP and query logs off, log level
error, `cache-snapshot-write-cold-duration` from `--cold`, `index-version` from `--index-version`, tsi1 by default), gets database `benchmark`, then
`--writers` threads each take the next request from one shared queue and send it over their own
kept-alive connection (straight from the file with sendfile; only the status line and headers
of the answer are parsed), so the load and the order are the same for both servers.

Reported per server (and as sundiald / influxd ratios):
- points/s and values/s: points acknowledged with 204 over the wall time from the first send to
  the last answer; `failed` counts requests that did not get 204 (should be 0);
- server CPU (cores): utime+stime of the server process over the load / wall time; client CPU
  (cores) is this script's own, to show the client is not what limits the rate; "other
  processes" is the rest of the machine's busy CPU (/proc/stat) over the load: it should be ~0
  (a figure above 0.2 is flagged: something else was running, e.g. a build);
- latency per request p50 / p99 / max (ms), and the longest time no answer came back (a stall);
- peak RSS: VmRSS sampled every 100 ms during the load, and VmHWM (the kernel's peak since start)
  read at the end of the load;
- after the load: the time until the WAL directory holds only empty files (cache snapshotted to
  TSM; bounded by `--settle`), then bytes on disk of data + wal, and again once compactions
  have stopped (no file changed for 15 s, within the same bound) (sum of file sizes; "allocated"
  is du's count of blocks: influxd's _series segments are sparse 4 MB files, so the two differ),
  the number of .tsm files and their bytes (and bytes per value); peak VmRSS during that wait;
- count check: `SELECT count(usage_user) FROM cpu` must equal the points written;
- restart: the server is killed (`--restart-signal kill`, or `term` for a clean shutdown), started
  again on the same directories, and the time from its start until the count query first answers
  the full count is measured (also the time to the first /ping, and what the count query
  answered before it was right: an empty result from a server that answers before its store is
  loaded shows there).

The load is capped by `--max-seconds` (then abandoned: reported INCOMPLETE, the points/s are
those acknowledged until then; the count is read once it stops changing, since the requests in
flight may still be applied). The machine should be idle: "other processes CPU" shows whether it
was, and `--wait-idle SECONDS` waits (that long at most) for it before each load. Two cores are
enough for one server and the client, so the servers never run at the same time.
`--dry-run STEPS` only generates the first STEPS time steps of each size (to try a large
`--hosts` cheaply).

`--protocol prom` sends the same data as Prometheus remote write requests instead
(POST /api/v1/prom/write, snappy-compressed protobuf `WriteRequest` built by
tools/prometheus/promwire.py): each line's 10 fields become 10 samples of the metrics
`cpu_usage_user` ... with the line's tags as labels, one sample per series per request as
Prometheus sends them; `--batch` still counts lines (so 10x as many samples per request), points/s
counts lines and values/s counts samples, and the count check reads `count(value)` of
`cpu_usage_user`.

With a comma list of `--hosts`, every size runs in turn and a final table gives points/s per
size for both servers, showing how ingest scales with the number of series. `--json FILE` writes
every figure (and a per-second points timeline of each load).
"""
import argparse, http.client, json, os, queue, random, resource, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "prometheus"))
import promwire  # noqa: E402
PROTOCOL = "line"  # or "prom": set from --protocol
START_NS = 1_451_606_400_000_000_000  # 2016-01-01T00:00:00Z
STEP_NS = 10_000_000_000
FIELDS = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"]
REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]
GENERATOR_VERSION = 1  # part of the cache key: bump when the generated lines change
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# Data: generated once into a file of ready-to-send requests.

def steps_for(hours):
    return max(1, round(hours * 360))


def lines_by_step(hosts, steps, seed):
    """Yields, for each 10-s step, the list of `hosts` lines (bytes, newline-terminated).
    Each field is a random walk of integers in 0...100 (steps of -2...2), as size-bench's."""
    rng = random.Random(seed)
    walk = [rng.randint(0, 100) for _ in range(hosts * 10)]
    nxt = [[min(100, max(0, v + d - 2)) for d in range(5)] for v in range(101)]
    text = [(("," if f else "") + f"{name}={v}i").encode() for f, name in enumerate(FIELDS) for v in range(101)]
    offsets = [f * 101 for f in range(10)] * hosts
    mod5 = bytes(b % 5 for b in range(256))
    prefixes = []
    for h in range(hosts):
        region = REGIONS[h % len(REGIONS)]
        prefixes.append(f"cpu,hostname=host_{h},region={region},datacenter={region}a,rack={h % 97},os=Ubuntu16.10,arch=x64,"
                        f"team=SF,service={h % 19},service_version={h % 2},service_environment=production ".encode())
    starts = range(0, hosts * 10, 10)
    join = b"".join
    for step in range(steps):
        deltas = rng.randbytes(hosts * 10).translate(mod5)
        walk = [nxt[v][d] for v, d in zip(walk, deltas)]
        fields = [text[o + v] for o, v in zip(offsets, walk)]
        suffix = b" %d\n" % (START_NS + step * STEP_NS)
        yield [p + join(fields[i:i + 10]) + suffix for p, i in zip(prefixes, starts)]


def request_bytes(body):
    if PROTOCOL == "prom":
        body = promwire.snappy_encode(prom_body(body))
        return (b"POST /api/v1/prom/write?db=benchmark HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
                b"Content-Encoding: snappy\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    return (b"POST /write?db=benchmark HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body)) + body


def prom_body(lines):
    """The lines as a remote write WriteRequest: one series per line and field, one sample each."""
    out = []
    for line in lines.split(b"\n"):
        if not line:
            continue
        key, fields, ts = line.split(b" ")
        tags = [t.split(b"=", 1) for t in key.split(b",")[1:]]
        labels = b"".join(promwire.field(1, 2, promwire.label(k, v)) for k, v in tags)
        ms = int(ts) // 1_000_000
        for f in fields.split(b","):
            name, value = f.split(b"=", 1)
            series = promwire.field(1, 2, promwire.label(b"__name__", b"cpu_" + name)) + labels + promwire.field(2, 2, promwire.sample(float(value[:-1]), ms))
            out.append(promwire.field(1, 2, series))
    return b"".join(out)


def dataset(hosts, hours, batch, seed, steps_limit=None):
    """Makes (or reuses) /tmp/ingest-...req: the requests back to back, and its .json index
    [[offset, length, lines], ...]. Only one request is in memory at a time."""
    steps = steps_for(hours) if steps_limit is None else min(steps_limit, steps_for(hours))
    key = f"ingest-v{GENERATOR_VERSION}-{hosts}hosts-{steps}steps-b{batch}-s{seed}" + ("-prom" if PROTOCOL == "prom" else "")
    path = f"/tmp/{key}.req"
    index_path = f"/tmp/{key}.json"
    if os.path.exists(path) and os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
        if os.path.getsize(path) == index["bytes"]:
            print(f"data: {index['lines']} lines in {len(index['requests'])} requests, {index['bytes'] / 1e6:.0f} MB (cached {path})", flush=True)
            return path, index
    began = time.time()
    requests, offset, pending, count = [], 0, [], 0
    with open(path + ".tmp", "wb") as out:
        def flush():
            nonlocal offset, pending
            data = request_bytes(b"".join(pending))
            out.write(data)
            requests.append([offset, len(data), len(pending)])
            offset += len(data)
            pending = []
        for lines in lines_by_step(hosts, steps, seed):
            count += len(lines)
            room = batch - len(pending)
            while lines:
                pending += lines[:room]
                lines = lines[room:]
                if len(pending) == batch:
                    flush()
                room = batch
        if pending:
            flush()
    index = {"hosts": hosts, "steps": steps, "batch": batch, "seed": seed, "lines": count, "bytes": offset, "requests": requests}
    with open(index_path + ".tmp", "w") as f:
        json.dump(index, f)
    os.replace(path + ".tmp", path)
    os.replace(index_path + ".tmp", index_path)
    print(f"data: generated {count} lines in {len(requests)} requests, {offset / 1e6:.0f} MB in {time.time() - began:.1f} s ({path})", flush=True)
    return path, index


# ---------------------------------------------------------------------------------------------
# Servers.

def check_fresh(binary):
    """Refuses a sundiald built before the newest source file (a stale release build
    would measure old code)."""
    if not binary.startswith(os.path.join(ROOT, ".build")):
        return
    newest = max(os.path.getmtime(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(ROOT, "Sources")) for f in fs)
    if not os.path.exists(binary) or os.path.getmtime(binary) < newest:
        sys.exit(f"{binary} is older than the sources: swift build -c release --product sundiald")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(tmp, http_port, rpc_port, cold, snapshot_size=None, ops=False, index="tsi1"):
    """`ops`: 1.x's defaults for the operations features (monitor store every 10 s, query log,
    access log, here to a file) instead of all three off."""
    path = f"{tmp}/influxdb.conf"
    on = "true" if ops else "false"
    with open(path, "w") as f:
        f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc_port}"\n[meta]\n  dir = "{tmp}/meta"\n'
                f'[data]\n  dir = "{tmp}/data"\n  wal-dir = "{tmp}/wal"\n  query-log-enabled = {on}\n'
                f'  cache-snapshot-write-cold-duration = "{cold}"\n  index-version = "{index}"\n'
                + (f'  cache-snapshot-memory-size = {snapshot_size}\n' if snapshot_size else '') +
                f'[monitor]\n  store-enabled = {on}\n[http]\n  bind-address = "127.0.0.1:{http_port}"\n  log-enabled = {on}\n'
                + (f'  access-log-path = "{tmp}/access.log"\n' if ops else '') +
                f'[logging]\n  level = "error"\n  suppress-logo = true\n')
    return path


class Server:
    """One server process on `tmp`; `start` writes a config with fresh loopback ports (the
    directories stay the same across restarts) and returns once the process is spawned."""

    def __init__(self, name, binary, tmp, cold, snapshot_size=None, ops=False, index="tsi1"):
        self.name, self.binary, self.tmp, self.cold, self.snapshot_size = name, binary, tmp, cold, snapshot_size
        self.ops, self.index = ops, index
        self.proc = None
        self.log = open(f"{tmp}/server.log", "ab")

    def start(self):
        self.port = free_port()
        conf = config(self.tmp, self.port, free_port(), self.cold, self.snapshot_size, self.ops, self.index)
        self.proc = subprocess.Popen([self.binary, "run", "-config", conf], stdout=self.log, stderr=self.log)
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ping(self, timeout=1.0):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            c.request("GET", "/ping")
            ok = c.getresponse().status == 204
            c.close()
            return ok
        except (OSError, http.client.HTTPException):
            return False

    def wait_ping(self, limit=60):
        deadline = time.time() + limit
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} (log: {self.log_tail()})")
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not answer /ping within {limit} s")

    def query(self, q, timeout=120):
        body = urllib.parse.urlencode({"q": q})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("POST", "/query?db=benchmark&epoch=ns", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def count(self, timeout=120):
        """count(usage_user) over cpu, or None when the answer holds no count."""
        return self.count_answer(timeout)[0]

    def count_answer(self, timeout=120):
        """(count or None, the answer as "status body" when it holds no count)."""
        status, body = self.query("SELECT count(value) FROM cpu_usage_user" if PROTOCOL == "prom" else "SELECT count(usage_user) FROM cpu", timeout)
        try:
            if status == 200:
                return json.loads(body)["results"][0]["series"][0]["values"][0][1], None
        except (ValueError, KeyError, IndexError, TypeError):
            pass
        return None, f"{status} {body[:200].decode(errors='replace')}"

    def kill(self, sig):
        self.proc.send_signal(sig)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.alive():
            self.kill(signal.SIGTERM)
        self.log.close()

    def log_problems(self):
        """(lines in the server's log, the lines that look like warnings or errors)."""
        try:
            with open(f"{self.tmp}/server.log", "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            return 0, []
        words = ("error", "warn", "fatal", "panic", "fail")
        return len(lines), [l for l in lines if any(w in l.lower() for w in words)]

    def log_tail(self, n=5):
        try:
            with open(f"{self.tmp}/server.log", "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            return ""
        return " | ".join(lines[-n:])


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def busy_ticks():
    """CPU ticks the whole machine has spent busy (all processes), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def wait_idle(limit):
    """Waits (at most `limit` s) until the machine's busy CPU over 3 s is under 0.2 cores,
    so that a load is not measured while something else (a build) runs; returns that figure."""
    began = time.time()
    first = None
    while True:
        b0 = busy_ticks()
        time.sleep(3)
        cores = (busy_ticks() - b0) / TICK / 3
        if first is None and cores >= 0.2:
            first = cores
            print(f"   machine busy ({cores:.2f} cores), waiting up to {limit:.0f} s ...", flush=True)
        if cores < 0.2 or time.time() - began >= limit:
            if first is not None:
                print(f"   machine {'idle' if cores < 0.2 else 'still busy'} ({cores:.2f} cores) after {time.time() - began:.0f} s", flush=True)
            return cores, time.time() - began


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class RSSSampler(threading.Thread):
    """VmRSS of `pid` every 100 ms until stopped; keeps the peak."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.samples = pid, 0, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            kb = status_kb(self.pid, "VmRSS:")
            if kb is not None:
                self.peak_kb = max(self.peak_kb, kb)
                self.samples += 1
            self.done.wait(0.1)

    def stop(self):
        self.done.set()
        self.join()
        return self.peak_kb


def tree_bytes(*dirs):
    """(sum of file sizes, allocated bytes as du counts them, number of .tsm files, their bytes)."""
    size = alloc = tsm = tsm_bytes = 0
    for top in dirs:
        for d, _, files in os.walk(top):
            for name in files:
                try:
                    st = os.lstat(os.path.join(d, name))
                except OSError:
                    continue
                size += st.st_size
                alloc += st.st_blocks * 512
                if name.endswith(".tsm"):
                    tsm += 1
                    tsm_bytes += st.st_size
    return size, alloc, tsm, tsm_bytes


# ---------------------------------------------------------------------------------------------
# The load.

class Writer(threading.Thread):
    """One kept-alive HTTP/1.1 connection: takes request numbers from the shared queue, sends
    each request straight from the file (socket.sendfile), reads the status line and headers
    (and a body only if the answer has one), and records (start, end, status) per request."""

    def __init__(self, port, path, index, jobs, go, stop):
        super().__init__(daemon=True)
        self.port, self.path, self.requests, self.jobs, self.go, self.stop_flag = port, path, index["requests"], jobs, go, stop
        self.results = []  # (request number, t0, t1, status)
        self.errors = []
        self.sock = None
        self.buf = bytearray()

    def connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.settimeout(None)  # blocking: sendfile without a selector; the deadline shuts the socket down
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill()

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def response(self):
        """(status, body, close) of one answer."""
        status = int(self._line().split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = self._line()
            if not line:
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if status == 204 or status == 304 or status < 200:
            return status, b"", close
        if not chunked:
            return status, self._take(length), close
        parts = []
        while True:
            size = int(self._line().split(b";")[0], 16)
            if size == 0:
                while self._line():
                    pass
                return status, b"".join(parts), close
            parts.append(self._take(size))
            self._take(2)

    def run(self):
        with open(self.path, "rb") as f:
            self.go.wait()
            while not self.stop_flag.is_set():
                try:
                    n = self.jobs.get_nowait()
                except queue.Empty:
                    break
                offset, length, _ = self.requests[n]
                t0 = time.perf_counter()
                try:
                    if self.sock is None:
                        self.connect()
                    self.sock.sendfile(f, offset, length)
                    status, body, close = self.response()
                except (OSError, ValueError, IndexError) as e:
                    t1 = time.perf_counter()
                    if not self.stop_flag.is_set():
                        self.errors.append(f"request {n}: {type(e).__name__}: {e}")
                    self.results.append((n, t0, t1, 0 if not self.stop_flag.is_set() else -1))
                    if self.sock is not None:
                        self.sock.close()
                    self.sock = None
                    continue
                t1 = time.perf_counter()
                self.results.append((n, t0, t1, status))
                if status != 204 and len(self.errors) < 5:
                    self.errors.append(f"request {n}: HTTP {status}: {body[:200]!r}")
                if close:
                    self.sock.close()
                    self.sock = None
        if self.sock is not None:
            self.sock.close()

    def abort(self):
        s = self.sock
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def load(server, path, index, writers, max_seconds):
    """Sends every request; returns the load's figures."""
    jobs = queue.SimpleQueue()
    for n in range(len(index["requests"])):
        jobs.put(n)
    go, stop = threading.Event(), threading.Event()
    threads = [Writer(server.port, path, index, jobs, go, stop) for _ in range(writers)]
    for t in threads:
        t.connect()  # connections are open before the clock starts
        t.start()
    pid = server.proc.pid
    sampler = RSSSampler(pid)
    sampler.start()
    ticks0, usage0, busy0 = cpu_ticks(pid), resource.getrusage(resource.RUSAGE_SELF), busy_ticks()
    began = time.perf_counter()
    go.set()
    deadline = began + max_seconds
    incomplete = False
    for t in threads:
        while t.is_alive():
            t.join(max(0.0, min(1.0, deadline - time.perf_counter())))
            if time.perf_counter() >= deadline and t.is_alive():
                incomplete = True
                stop.set()
                for w in threads:
                    w.abort()
                t.join(30)
                break
            if not server.alive():
                stop.set()
                for w in threads:
                    w.abort()
    ended = time.perf_counter()
    ticks1 = cpu_ticks(pid) if server.alive() else ticks0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    busy1 = busy_ticks()
    peak_rss_kb = sampler.stop()
    hwm_kb = status_kb(pid, "VmHWM:")
    results = sorted((r for t in threads for r in t.results), key=lambda r: r[1])
    lines = {n: c for n, (_, _, c) in enumerate(index["requests"])}
    ok = [r for r in results if r[3] == 204]
    failed = [r for r in results if r[3] not in (204, -1)]
    if results:
        first, last = min(r[1] for r in results), max(r[2] for r in results)
    else:
        first, last = began, ended
    wall = max(last - first, 1e-9)
    points = sum(lines[r[0]] for r in ok)
    latencies = sorted((r[2] - r[1]) * 1000 for r in results if r[3] == 204)
    # The longest time in which no answer came back, and a per-second timeline of points.
    ends = sorted(r[2] for r in results)
    gap = max((b - a for a, b in zip([first] + ends, ends)), default=0.0)
    timeline = [0] * (int(wall) + 1)
    for r in ok:
        timeline[min(len(timeline) - 1, int(r[2] - first))] += lines[r[0]]
    client_cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    slowest = sorted(results, key=lambda r: r[2] - r[1], reverse=True)[:3]
    return {
        "requests": len(index["requests"]), "requests_sent": len(results), "requests_ok": len(ok), "requests_failed": len(failed),
        "requests_abandoned": len(index["requests"]) - len(ok) - len(failed), "incomplete": incomplete or len(ok) + len(failed) < len(index["requests"]),
        "errors": [e for t in threads for e in t.errors][:10],
        "points": points, "values": points * 10, "wall_s": wall,
        "points_per_s": points / wall, "values_per_s": points * 10 / wall,
        "server_cpu_cores": (ticks1 - ticks0) / TICK / wall, "client_cpu_cores": client_cpu / wall,
        # (in clock ticks of 10 ms: meaningless for a load of a second or two)
        "other_cpu_cores": max(0.0, ((busy1 - busy0) - (ticks1 - ticks0)) / TICK - client_cpu) / (ended - began) if ended - began >= 2 else None,
        "latency_p50_ms": percentile(latencies, 50), "latency_p99_ms": percentile(latencies, 99), "latency_max_ms": latencies[-1] if latencies else None,
        "latency_mean_ms": statistics.fmean(latencies) if latencies else None,
        "longest_gap_ms": gap * 1000,
        "slowest": [{"request": r[0], "at_s": r[1] - first, "ms": (r[2] - r[1]) * 1000, "status": r[3]} for r in slowest],
        "peak_rss_mb": peak_rss_kb / 1024, "rss_samples": sampler.samples, "vmhwm_mb": hwm_kb / 1024 if hwm_kb is not None else None,
        "timeline_points_per_s": timeline,
    }


def settle(server, limit):
    """Waits until every file under the WAL directory is empty (the cache has been written to
    TSM) or `limit` seconds; then measures the directories."""
    wal, data = f"{server.tmp}/wal", f"{server.tmp}/data"
    sampler = RSSSampler(server.proc.pid)
    sampler.start()
    began = time.time()
    settled = False
    while time.time() - began < limit and server.alive():
        if tree_bytes(wal)[0] == 0:
            settled = True
            break
        time.sleep(0.25)
    waited = time.time() - began
    size, alloc, tsm, tsm_bytes = tree_bytes(data, wal)
    wal_size = tree_bytes(wal)[0]
    # Then until compactions have stopped: the files unchanged for `quiet` seconds (bounded
    # by the same limit). Both servers compact in the background once the load ends.
    quiet, last, stable_since = 15.0, None, time.time()
    while time.time() - began < limit and server.alive():
        now_state = tree_bytes(data, wal)
        if now_state != last:
            last, stable_since = now_state, time.time()
        elif time.time() - stable_since >= quiet:
            break
        time.sleep(0.5)
    compacted_s = stable_since - began
    size2, alloc2, tsm2, tsm_bytes2 = tree_bytes(data, wal)
    peak = sampler.stop()
    return {"settled": settled, "settle_s": waited, "disk_bytes": size, "disk_alloc_bytes": alloc, "wal_bytes": wal_size, "tsm_files": tsm, "tsm_bytes": tsm_bytes,
            "compacted_s": compacted_s, "compacted_disk_bytes": size2, "compacted_disk_alloc_bytes": alloc2, "compacted_tsm_files": tsm2,
            "compacted_tsm_bytes": tsm_bytes2, "settle_peak_rss_mb": peak / 1024}


def stable_count(server, limit=120):
    """The count once two answers 2 s apart agree: after an abandoned load, the requests that
    were in flight may still be being applied."""
    began, last = time.time(), None
    while time.time() - began < limit:
        try:
            c = server.count()
        except (OSError, http.client.HTTPException):
            c = None
        if c is not None and c == last:
            return c
        last = c
        time.sleep(2)
    return last


def restart(server, sig, expected, limit=300):
    """Stops the server with `sig`, starts it on the same directories, and times from the
    process's start to the first /ping and to the first count query answering `expected`."""
    server.kill(sig)
    began = time.perf_counter()
    server.start()
    ping_s = ready_s = None
    last = None
    seen = []  # (seconds, count or None): each change in what the count query answered before the full count
    while time.perf_counter() - began < limit:
        if not server.alive():
            break
        if ping_s is None:
            if server.ping(timeout=1):
                ping_s = time.perf_counter() - began
            else:
                time.sleep(0.02)
                continue
        try:
            c, answer = server.count_answer(timeout=max(1, limit - (time.perf_counter() - began)))
        except (OSError, http.client.HTTPException) as e:
            c, answer = None, f"{type(e).__name__}: {e}"
        last = c if c is not None else last
        if not seen or seen[-1][1] != c or (c is None and seen[-1][2] != answer):
            seen.append((round(time.perf_counter() - began, 3), c, answer))
        if c == expected:
            ready_s = time.perf_counter() - began
            break
        time.sleep(0.02)
    return {"restart_signal": signal.Signals(sig).name, "restart_ping_s": ping_s, "restart_ready_s": ready_s,
            "restart_count": last, "restart_alive": server.alive(), "restart_answers": seen,
            "restart_wrong_counts": sorted({c for _, c, _ in seen if c is not None and c != expected}),
            "restart_no_count_answers": sorted({a for _, c, a in seen if c is None})}


def run_server(name, binary, path, index, args):
    began = time.time()
    tmp = tempfile.mkdtemp(prefix=f"ingest-{name}-")
    server = Server(name, binary, tmp, args.cold, args.snapshot_size, args.ops_defaults, args.index_version)
    result = {"server": name, "binary": binary, "dir": tmp}
    try:
        server.start()
        server.wait_ping()
        status, body = server.query("CREATE DATABASE benchmark")
        if status != 200:
            raise RuntimeError(f"CREATE DATABASE: HTTP {status} {body[:200]!r}")
        if args.wait_idle:
            result["busy_before_load_cores"], result["idle_wait_s"] = wait_idle(args.wait_idle)
        print(f"{name}: loading {index['lines']} points ({len(index['requests'])} requests, {args.writers} writers) ...", flush=True)
        result.update(load(server, path, index, args.writers, args.max_seconds))
        r = result
        print(f"{name}: {r['points']} points in {r['wall_s']:.1f} s = {r['points_per_s']:,.0f} points/s, "
              f"{r['requests_failed']} failed{', INCOMPLETE' if r['incomplete'] else ''}", flush=True)
        for e in r["errors"]:
            print(f"   {e}")
        if server.alive():
            result.update(settle(server, args.settle))
            print(f"{name}: WAL {'empty' if result['settled'] else 'NOT empty'} after {result['settle_s']:.1f} s", flush=True)
            # After an abandoned load, the requests in flight may add up to writers x batch points
            # more than were acknowledged; the count is then read once it no longer changes.
            count = stable_count(server) if r["incomplete"] else server.count()
            result["count"] = count
            result["count_ok"] = count == r["points"]
            print(f"{name}: count(usage_user) = {count} ({'ok' if result['count_ok'] else 'expected %d' % r['points']})", flush=True)
            # The restart waits for the same count as before it (the points written, unless the
            # count differed: then what the server answered before the restart).
            expected = r["points"] if result["count_ok"] or count is None else count
            result["restart_expected"] = expected
            sig = signal.SIGKILL if args.restart_signal == "kill" else signal.SIGTERM
            result.update(restart(server, sig, expected))
            if result["restart_no_count_answers"]:
                print(f"{name}: before the full count, the restarted server answered {result['restart_no_count_answers'][:3]}", flush=True)
            if result["restart_wrong_counts"]:
                print(f"{name}: before the full count, the restarted server answered counts {result['restart_wrong_counts'][:5]}", flush=True)
            if result["restart_ready_s"] is not None:
                print(f"{name}: restart ({args.restart_signal}) answered the full count after {result['restart_ready_s']:.2f} s "
                      f"(/ping after {result['restart_ping_s']:.2f} s)", flush=True)
            else:
                print(f"{name}: restart ({args.restart_signal}) did NOT answer the full count (last {result['restart_count']})", flush=True)
        else:
            result["died"] = True
            print(f"{name}: the server exited ({server.proc.returncode}) during the load: {server.log_tail()}", flush=True)
    except Exception as e:
        result["error"] = f"{type(e).__name__}: {e}"
        print(f"{name}: FAILED: {result['error']}", flush=True)
    finally:
        server.stop()
        result["log_lines"], result["log_problems"] = server.log_problems()
        if result["log_problems"]:
            print(f"{name}: server log ({result['log_lines']} lines) has warnings or errors, the last:")
            for line in result["log_problems"][-3:]:
                print(f"   {line[:300]}")
        if args.keep:
            print(f"{name}: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    result["run_s"] = time.time() - began - result.get("idle_wait_s", 0)
    print(f"{name}: run took {result['run_s']:.0f} s", flush=True)
    return result


# ---------------------------------------------------------------------------------------------
# Report.

ROWS = [
    ("points/s", "points_per_s", "{:,.0f}"),
    ("values/s", "values_per_s", "{:,.0f}"),
    ("load wall s", "wall_s", "{:.1f}"),
    ("requests failed", "requests_failed", "{}"),
    ("server CPU cores", "server_cpu_cores", "{:.2f}"),
    ("client CPU cores", "client_cpu_cores", "{:.2f}"),
    ("other processes CPU cores", "other_cpu_cores", "{:.2f}"),
    ("latency p50 ms", "latency_p50_ms", "{:.1f}"),
    ("latency p99 ms", "latency_p99_ms", "{:.1f}"),
    ("latency max ms", "latency_max_ms", "{:.1f}"),
    ("longest gap ms", "longest_gap_ms", "{:.1f}"),
    ("peak RSS MB (sampled)", "peak_rss_mb", "{:.0f}"),
    ("VmHWM MB", "vmhwm_mb", "{:.0f}"),
    ("WAL empty after s", "settle_s", "{:.1f}"),
    ("peak RSS MB settling", "settle_peak_rss_mb", "{:.0f}"),
    ("disk MB (data+wal)", "disk_bytes", "{:.1f}", 1e-6),
    ("disk MB allocated", "disk_alloc_bytes", "{:.1f}", 1e-6),
    (".tsm files", "tsm_files", "{}"),
    (".tsm MB", "tsm_bytes", "{:.1f}", 1e-6),
    (".tsm bytes/value", "tsm_bytes_per_value", "{:.2f}"),
    ("compactions quiet after s", "compacted_s", "{:.1f}"),
    ("disk MB once quiet", "compacted_disk_bytes", "{:.1f}", 1e-6),
    ("disk MB allocated, quiet", "compacted_disk_alloc_bytes", "{:.1f}", 1e-6),
    (".tsm files once quiet", "compacted_tsm_files", "{}"),
    ("count(usage_user)", "count", "{}"),
    ("restart to /ping s", "restart_ping_s", "{:.2f}"),
    ("restart to full count s", "restart_ready_s", "{:.2f}"),
    ("run s (without idle wait)", "run_s", "{:.0f}"),
]


def cell(result, row):
    value = result.get(row[1]) if result else None
    if value is None:
        return "-"
    if len(row) > 3:
        value *= row[3]
    return row[2].format(value)


def table(size, results):
    names = list(results)
    print(f"\n== {size['hosts']} hosts x {size['hours']:g} h: {size['lines']} points, {size['lines'] * 10} values, "
          f"{size['requests']} requests of {size['batch']} lines ==")
    header = f"{'':26}" + "".join(f"{n:>16}" for n in names)
    both = "influxd" in results and "sundiald" in results
    print(header + (f"{'sundiald/influxd':>18}" if both else ""))
    for row in ROWS:
        line = f"{row[0]:26}" + "".join(f"{cell(results[n], row):>16}" for n in names)
        if both:
            a, b = results["influxd"].get(row[1]), results["sundiald"].get(row[1])
            ratio = f"{b / a:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a and row[1] not in ("count", "requests_failed", "other_cpu_cores") else ""
            line += f"{ratio:>18}"
        print(line)
    for n in names:
        r = results[n]
        notes = []
        if (r.get("other_cpu_cores") or 0) > 0.2:
            notes.append(f"WARNING: other processes used {r['other_cpu_cores']:.2f} cores during the load (the machine was not idle)")
        if r.get("incomplete"):
            notes.append(f"load INCOMPLETE ({r.get('requests_abandoned')} requests not acknowledged)")
        if r.get("count") is not None and not r.get("count_ok"):
            notes.append(f"count {r['count']} != {r['points']} points written")
        if r.get("settled") is False:
            notes.append(f"WAL still {r.get('wal_bytes')} bytes after {r.get('settle_s', 0):.0f} s")
        if r.get("error"):
            notes.append(r["error"])
        if r.get("slowest"):
            notes.append("slowest requests: " + ", ".join(f"{s['ms']:.0f} ms at {s['at_s']:.1f} s" for s in r["slowest"]))
        print(f"  {n}: " + "; ".join(notes))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", default="100", help="hosts (series = hosts); a comma list runs each size in turn")
    ap.add_argument("--hours", type=float, default=24, help="hours of data, one point per host every 10 s (0.5 = 30 minutes)")
    ap.add_argument("--batch", type=int, default=5000, help="lines per write request")
    ap.add_argument("--protocol", choices=["line", "prom"], default="line", help="line protocol /write, or Prometheus remote write")
    ap.add_argument("--writers", type=int, default=4, help="concurrent writers (kept-alive connections)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ops-defaults", action="store_true",
                    help="both servers with 1.x's defaults for the monitor store, query log and access log (to a file) instead of off")
    ap.add_argument("--servers", default="influxd,sundiald")
    ap.add_argument("--influxd", default="/usr/bin/influxd")
    ap.add_argument("--sundiald", default=os.path.join(ROOT, ".build/release/sundiald"))
    ap.add_argument("--cold", default="10s", help="[data] cache-snapshot-write-cold-duration")
    ap.add_argument("--index-version", default="tsi1", choices=["tsi1", "inmem"],
                    help="[data] index-version for both servers (Sundial's default is tsi1, influxd's inmem)")
    ap.add_argument("--snapshot-size", type=int, metavar="BYTES",
                    help="[data] cache-snapshot-memory-size (small: snapshots and compactions all through the load)")
    ap.add_argument("--settle", type=float, default=300, help="at most this long to wait after the load for an empty WAL, then for compactions to stop (files unchanged for 15 s)")
    ap.add_argument("--restart-signal", choices=["kill", "term"], default="kill")
    ap.add_argument("--max-seconds", type=float, default=1800, help="abandon a load after this long (reported as incomplete)")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each load, wait up to this long for the machine to be idle (other processes under 0.2 cores)")
    ap.add_argument("--keep", action="store_true", help="keep each server's temporary directory")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--dry-run", type=int, metavar="STEPS", help="only generate the first STEPS time steps of each size and exit")
    args = ap.parse_args()
    global PROTOCOL
    PROTOCOL = args.protocol
    sizes = [int(h) for h in args.hosts.split(",") if h.strip()]
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    binaries = {"influxd": args.influxd, "sundiald": os.path.abspath(args.sundiald)}
    for s in servers:
        if s not in binaries:
            sys.exit(f"unknown server {s} (influxd, sundiald)")
        if args.dry_run is None and not os.access(binaries[s], os.X_OK):
            sys.exit(f"{binaries[s]} not found")
    if "sundiald" in servers and args.dry_run is None:
        check_fresh(binaries["sundiald"])
    report = {"args": vars(args), "sizes": []}
    try:
        for hosts in sizes:
            path, index = dataset(hosts, args.hours, args.batch, args.seed, args.dry_run)
            if args.dry_run is not None:
                with open(path, "rb") as f:
                    head = f.read(400).decode(errors="replace")
                print(f"dry run: {hosts} hosts, first {index['steps']} steps; request 0 starts:\n{head}")
                continue
            size = {"hosts": hosts, "hours": args.hours, "batch": args.batch, "lines": index["lines"], "requests": len(index["requests"]), "results": {}}
            report["sizes"].append(size)
            for name in servers:
                r = size["results"][name] = run_server(name, binaries[name], path, index, args)
                if r.get("tsm_bytes") and r.get("points"):
                    r["tsm_bytes_per_value"] = r["tsm_bytes"] / (r["points"] * 10)
            table(size, size["results"])
    finally:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=1)
    if len(report["sizes"]) > 1:
        print(f"\n== points/s by number of series ({args.hours:g} h each) ==")
        both = "influxd" in servers and "sundiald" in servers
        print(f"{'hosts':>8} {'points':>12}" + "".join(f"{n:>14}" for n in servers) + (f"{'sundiald/influxd':>18}" if both else ""))
        for size in report["sizes"]:
            rates = {n: size["results"][n].get("points_per_s") for n in servers}
            line = f"{size['hosts']:>8} {size['lines']:>12}" + "".join(f"{rates[n]:>14,.0f}" if rates[n] else f"{'-':>14}" for n in servers)
            if both and rates["influxd"] and rates["sundiald"]:
                line += f"{rates['sundiald'] / rates['influxd']:>18.2f}"
            print(line)


if __name__ == "__main__":
    main()
