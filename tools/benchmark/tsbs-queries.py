#!/usr/bin/env python3
"""TSBS devops queries, side by side: the real influxd 1.6.7 and sundiald on the same data.

    swift build -c release --product sundiald && swift build -c release --product size-bench
    python3 tools/benchmark/tsbs-queries.py [--hours 24] [--runs 15] [--seconds 3]

Data: 100 hosts x 10 integer fields every 10 s (size-bench's seeded generator; `--hours 24`
is TSBS's "100 hosts x 1 day"). Both servers get the same line protocol over /write, then
each query runs on the two servers in turn (after `--warmup` unmeasured runs each), at least
`--runs` times and for at least `--seconds`; the report gives p50 latency per query, the
ratio sundiald / influxd, the runs per server, and whether both answered byte-identical bodies.

Queries go over one kept-alive connection per server, as TSBS's query runner sends them
(its HTTP client reuses connections), through a plain-socket HTTP/1.1 client
(`RawConnection`); `--http-client` uses Python's http.client instead (which costs the client
more per query), `--new-connection` opens a connection per query.
"""
import argparse, http.client, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START = "2016-01-01T00:00:00Z"


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


def wait_ping(port):
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/ping")
            if c.getresponse().status == 204:
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"server on {port} did not start")


def config(tmp, http_port, rpc_port):
    path = f"{tmp}/influxdb.conf"
    with open(path, "w") as f:
        f.write(f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc_port}"\n[meta]\n  dir = "{tmp}/meta"\n'
                f'[data]\n  dir = "{tmp}/data"\n  wal-dir = "{tmp}/wal"\n  query-log-enabled = false\n'
                f'[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:{http_port}"\n  log-enabled = false\n'
                f'[logging]\n  level = "error"\n  suppress-logo = true\n')
    return path


def post(port, path, body, form=False):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
    c.request("POST", path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    return r.status, data


def query(port, q):
    return post(port, "/query?db=benchmark", urllib.parse.urlencode({"q": q}), form=True)


class KeptAlive:
    """One HTTP/1.1 connection reused for every query (reopened only if the server closed it)."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def query(self, q):
        body = urllib.parse.urlencode({"q": q})
        for attempt in (0, 1):
            try:
                self.conn.request("POST", "/query?db=benchmark", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise


class RawConnection:
    """One kept-alive HTTP/1.1 connection driven over a plain socket: the request bytes are
    built once per query and the response is read with no more parsing than its framing needs,
    so that the client's own cost per query (a fraction of http.client's) weighs little in a
    sub-millisecond p50. TSBS's query runner is a compiled Go client; this is closer to it."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        self.buf = bytearray()
        self.requests = {}

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=600)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def _fill(self):
        data = self.sock.recv(1 << 20)
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

    def query(self, q):
        request = self.requests.get(q)
        if request is None:
            body = urllib.parse.urlencode({"q": q}).encode()
            request = (b"POST /query?db=benchmark HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
            self.requests[q] = request
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                self.sock.sendall(request)
                status = int(self._line().split()[1])
                length, chunked = None, False
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
                if not chunked:
                    return status, self._take(length or 0)
                parts = []
                while True:
                    size = int(self._line().split(b";")[0], 16)
                    if size == 0:
                        while self._line():  # trailers, then the blank line
                            pass
                        return status, b"".join(parts)
                    parts.append(self._take(size))
                    self._take(2)
            except (OSError, ValueError, IndexError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt:
                    raise


def queries():
    h = lambda n: f"'2016-01-01T{n:02d}:00:00Z'"
    hosts8 = " or ".join(f"hostname = 'host_{i}'" for i in (1, 7, 13, 21, 34, 55, 61, 89))
    all10 = ", ".join(f"max({f})" for f in ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
                                              "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"])
    return [
        ("single-groupby-1-1-1", f"SELECT max(usage_user) FROM cpu WHERE hostname = 'host_9' AND time >= {h(5)} AND time < {h(6)} GROUP BY time(1m)"),
        ("single-groupby-5-1-12", f"SELECT max(usage_user), max(usage_system), max(usage_idle), max(usage_nice), max(usage_iowait) FROM cpu "
                                  f"WHERE hostname = 'host_9' AND time >= {h(3)} AND time < {h(15)} GROUP BY time(1m)"),
        ("cpu-max-all-8", f"SELECT {all10} FROM cpu WHERE ({hosts8}) AND time >= {h(4)} AND time < {h(12)} GROUP BY time(1h)"),
        ("double-groupby-1", f"SELECT mean(usage_user) FROM cpu WHERE time >= {h(6)} AND time < {h(18)} GROUP BY time(1h), hostname"),
        ("groupby-orderby-limit", f"SELECT max(usage_user) FROM cpu WHERE time < {h(20)} AND time >= {h(0)} GROUP BY time(1m) ORDER BY time DESC LIMIT 5"),
        ("high-cpu-1", f"SELECT * FROM cpu WHERE usage_user > 90 AND hostname = 'host_9' AND time >= {h(2)} AND time < {h(14)}"),
        ("lastpoint", "SELECT last(*) FROM cpu GROUP BY hostname"),
        ("count-all", "SELECT count(*) FROM cpu"),
    ]


def data_lines(hours):
    """size-bench's line protocol for `hours` (generated once into /tmp), split into lines."""
    lp = f"/tmp/tsbs-{hours}h.lp"
    if not os.path.exists(lp):
        subprocess.run([os.path.join(ROOT, ".build/release/size-bench"), str(hours), lp], check=True, stdout=subprocess.DEVNULL)
    return open(lp, "rb").read().split(b"\n")


def start_loaded(name, binary, lines):
    """Starts a server on a fresh data directory and writes `lines` into database `benchmark`
    in batches of 5000; returns (process, directory, port, load seconds)."""
    tmp = tempfile.mkdtemp(prefix=f"bench-{name}-")
    port = free_port()
    conf = config(tmp, port, free_port())
    proc = subprocess.Popen([binary, "run", "-config", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ping(port)
        query(port, "CREATE DATABASE benchmark")
        began = time.time()
        for i in range(0, len(lines), 5000):
            chunk = b"\n".join(lines[i:i + 5000])
            if chunk.strip():
                status, body = post(port, "/write?db=benchmark", chunk)
                assert status == 204, body
        return proc, tmp, port, time.time() - began
    except BaseException:
        stop(proc, tmp)
        raise


def stop(proc, tmp):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def settle(pids, limit=180):
    """Waits until neither server uses CPU (snapshots, compactions after the load are done),
    so that one's background work does not slow the other's queries."""
    began = time.time()
    last = [cpu_ticks(p) for p in pids]
    while time.time() - began < limit:
        time.sleep(2)
        now = [cpu_ticks(p) for p in pids]
        if all(n - l <= 2 for n, l in zip(now, last)):
            break
        last = now
    print(f"servers idle after {time.time() - began:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--influxd", default="influxd")
    ap.add_argument("--sundiald", default=os.path.join(ROOT, ".build/release/sundiald"))
    ap.add_argument("--new-connection", action="store_true", help="a new TCP connection per query (http.client)")
    ap.add_argument("--http-client", action="store_true", help="Python's http.client over one kept-alive connection instead of the plain-socket client")
    ap.add_argument("--seconds", type=float, default=3, help="keep running a query (both servers in turn) at least this long")
    ap.add_argument("--warmup", type=int, default=3, help="unmeasured runs per query and server")
    args = ap.parse_args()
    check_fresh(os.path.abspath(args.sundiald))
    if shutil.which(args.influxd) is None:
        # The reference comes from Debian, installed as the golden recorder does.
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "influxdb"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    lines = data_lines(args.hours)
    servers = {}
    procs = []
    try:
        for name, binary in (("influxd", args.influxd), ("sundiald", args.sundiald)):
            proc, tmp, port, seconds = start_loaded(name, binary, lines)
            procs.append((proc, tmp))
            servers[name] = port
            print(f"{name}: loaded {len(lines) - 1} lines in {seconds:.1f} s", flush=True)
        settle([proc.pid for proc, _ in procs])
        print(f"\n{'query':24} {'influxd p50 ms':>15} {'sundiald p50 ms':>16} {'ratio':>7}  {'runs':>5}  same answer")
        for name, q in queries():
            bodies = {}
            senders = {}
            times = {}
            for server, port in servers.items():
                if args.new_connection:
                    senders[server] = lambda q, port=port: query(port, q)
                elif args.http_client:
                    senders[server] = KeptAlive(port).query
                else:
                    senders[server] = RawConnection(port).query
                status, bodies[server] = senders[server](q)
                for _ in range(args.warmup):
                    senders[server](q)
                times[server] = []
            # The servers take turns, so that a pause of the machine falls on both alike; cheap
            # queries run for at least --seconds, so that their p50 rests on many samples.
            began = time.perf_counter()
            while min(len(t) for t in times.values()) < args.runs or (time.perf_counter() - began < args.seconds and len(times["sundiald"]) < 5000):
                for server, send in senders.items():
                    t0 = time.perf_counter()
                    send(q)
                    times[server].append((time.perf_counter() - t0) * 1000)
            p50 = {server: statistics.median(t) for server, t in times.items()}
            same = bodies["influxd"] == bodies["sundiald"]
            print(f"{name:24} {p50['influxd']:15.2f} {p50['sundiald']:16.2f} {p50['sundiald'] / p50['influxd']:7.2f}  {len(times['sundiald']):5}  {'yes' if same else 'NO'}", flush=True)
            if not same:
                print("   influxd :", bodies["influxd"][:200])
                print("   sundiald:", bodies["sundiald"][:200])
    finally:
        for proc, tmp in procs:
            stop(proc, tmp)


if __name__ == "__main__":
    main()
