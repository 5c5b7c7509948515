"""Starting the two servers side by side and sending one request to each."""
import http.client, os, shutil, signal, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden"))
from record import ensure_influxd, free_port, write_config  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Both servers get the same overrides: a query may not run longer than this.
CONFIG = {"coordinator": {"query-timeout": "10s"}}


class Server:
    """One daemon on loopback ports with a throw-away data directory."""

    def __init__(self, name, argv0):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix=f"compare-{name}-")
        self.port = free_port()
        conf = write_config(self.tmp, self.port, free_port(), CONFIG)
        self.log = open(os.path.join(self.tmp, "log"), "wb")
        self.proc = subprocess.Popen([argv0, "run", "-config", conf], stdout=self.log, stderr=self.log)
        self.conn = None
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.request("GET", "/ping")[0] == 204:
                    return
            except OSError:
                self.conn = None
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer /ping; log in {self.tmp}/log")

    def request(self, method, path, query="", body=b"", headers=()):
        """(status, content type, body bytes) over one kept-alive connection."""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.putrequest(method, path + ("?" + query if query else ""), skip_accept_encoding=True)
                for k, v in headers:
                    self.conn.putheader(k, v)
                if body or method == "POST":
                    self.conn.putheader("Content-Length", str(len(body)))
                self.conn.endheaders(body or None)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, r.getheader("Content-Type", ""), data
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 1 or self.proc.poll() is not None:
                    raise
        raise AssertionError("unreachable")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, keep=False):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


def query(server, q, db="db", accept=None):
    headers = [("Content-Type", "application/x-www-form-urlencoded")] + ([("Accept", accept)] if accept else [])
    return server.request("POST", "/query", urllib.parse.urlencode({"db": db}),
                          urllib.parse.urlencode({"q": q}).encode(), headers)


def sundiald_path(given):
    if given:
        return given
    for config in ("release", "debug"):
        p = os.path.join(ROOT, ".build", config, "sundiald")
        if os.path.exists(p):
            return p
    sys.exit("sundiald not built: swift build -c release --product sundiald (or pass --sundiald)")


def influxd_path(given):
    return ensure_influxd(given or "influxd")
