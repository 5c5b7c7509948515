"""The daemon under test: config, start/stop/restart, liveness, RSS sampling, log tail.

Everything listens on 127.0.0.1 only (HTTP and the RPC bind-address; the other inputs stay off
as by default). One daemon runs at a time.
"""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "sundiald")
FALLBACK_BINARY = "/tmp/sundiald-rel"


def default_binary():
    """The release build in the repository, else the shared /tmp build when it exists."""
    if os.path.exists(DEFAULT_BINARY):
        return DEFAULT_BINARY
    if os.path.exists(FALLBACK_BINARY):
        return FALLBACK_BINARY
    return DEFAULT_BINARY


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent():
    """In the child before exec: SIGKILL when the harness dies, so no daemon outlives a killed run."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def signal_name(returncode):
    """`SIGSEGV (11)` for a process killed by a signal, `exit 3` otherwise."""
    if returncode is None:
        return "running"
    if returncode < 0:
        try:
            return f"{signal.Signals(-returncode).name} ({-returncode})"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit {returncode}"


class Profile:
    """One daemon configuration: `auth` turns on [http] auth-enabled (an admin user is created
    first, through the bootstrap exception for the first user)."""

    def __init__(self, name, auth=False, query_timeout=5.0, max_body_size=25_000_000, max_query_memory="1g"):
        self.name = name
        self.max_query_memory = max_query_memory
        self.auth = auth
        self.query_timeout = query_timeout
        self.max_body_size = max_body_size
        self.admin = ("fuzzadmin", "fuzz-admin-pw")
        self.reader = ("fuzzreader", "fuzz-reader-pw")

    def config_text(self, tmp, http_port, rpc_port):
        # max-select-point / max-select-series / max-select-buckets: left at their defaults (0).
        return (
            'reporting-disabled = true\n'
            f'bind-address = "127.0.0.1:{rpc_port}"\n'
            '[meta]\n'
            f'  dir = "{tmp}/meta"\n'
            '[data]\n'
            f'  dir = "{tmp}/data"\n'
            f'  wal-dir = "{tmp}/wal"\n'
            '  query-log-enabled = true\n'
            '[coordinator]\n'
            f'  query-timeout = "{int(self.query_timeout * 1000)}ms"\n'
            f'  max-query-memory = "{self.max_query_memory}"\n'
            '[monitor]\n'
            '  store-enabled = false\n'
            '[subscriber]\n'
            '  http-timeout = "1s"\n'
            '[http]\n'
            f'  bind-address = "127.0.0.1:{http_port}"\n'
            f'  auth-enabled = {"true" if self.auth else "false"}\n'
            '  log-enabled = true\n'
            '  pprof-enabled = false\n'
            f'  max-body-size = {self.max_body_size}\n'
            '[logging]\n'
            '  level = "info"\n'
            '  suppress-logo = true\n'
        )


class Daemon:
    """One sundiald process on a temporary directory that survives restarts (a restart after a
    crash starts on the same data, as an operator's would)."""

    def __init__(self, binary, profile, keep=False, rss_kill_kib=0):
        self.binary = binary
        # The machine is shared: a daemon whose VmRSS passes this is killed (SIGKILL) before it takes
        # the machine down; `killed_for_rss` then holds the VmRSS seen.
        self.rss_kill_kib = rss_kill_kib
        self.killed_for_rss = 0
        self.profile = profile
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix=f"sundial-httpfuzz-{profile.name}-")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.proc = None
        self.port = None
        self.starts = 0
        self.rss_peak_kib = 0
        self.rss_peak_pid = None
        self.window_kib = 0  # the largest VmRSS seen since the harness last reset it (per request)
        self._sampler = None
        self._stop_sampler = threading.Event()

    # -- process ---------------------------------------------------------------------------

    def start(self, limit=60):
        self.port = free_port()
        conf = os.path.join(self.tmp, "influxdb.conf")
        with open(conf, "w") as f:
            f.write(self.profile.config_text(self.tmp, self.port, free_port()))
        env = dict(os.environ, SWIFT_BACKTRACE="enable=no")
        log = open(self.log_path, "ab")
        log.write(f"---- harness: start #{self.starts + 1} on port {self.port}\n".encode())
        log.flush()
        self.proc = subprocess.Popen([self.binary, "run", "-config", conf], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, env=env, preexec_fn=die_with_parent)
        self.killed_for_rss = 0
        log.close()
        self.starts += 1
        self._start_sampler()
        deadline = time.time() + limit
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError(f"daemon exited at start-up with {signal_name(self.proc.returncode)}: {self.log_tail(5)}")
            if self.ping(0.5):
                return
            time.sleep(0.05)
        raise RuntimeError(f"daemon did not answer /ping within {limit} s")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_dead(self, seconds):
        """True when the process has exited (waiting up to `seconds` for it)."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def exit_status(self):
        return signal_name(self.proc.returncode if self.proc else None)

    def stop(self, grace=15.0):
        """SIGTERM, then SIGKILL after `grace` seconds (short after a hang: a hung query may hold up a
        graceful shutdown)."""
        self._stop_sampler.set()
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            if not self.wait_dead(grace):
                self.proc.kill()
                self.proc.wait()
        if self._sampler:
            self._sampler.join()
            self._sampler = None

    def restart(self):
        self.stop()
        self.start()

    def cleanup(self):
        self.stop()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- probes ----------------------------------------------------------------------------

    def ping(self, timeout=1.0):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            c.request("GET", "/ping")
            ok = c.getresponse().status == 204
            c.close()
            return ok
        except (OSError, http.client.HTTPException):
            return False

    def cpu_seconds(self):
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, AttributeError):
            return 0.0

    def log_tail(self, n=20, max_bytes=64 * 1024):
        """The last `n` log lines (each cut to 400 characters: a logged 100k-character query
        would drown the rest)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - max_bytes))
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            return []
        return [l if len(l) <= 400 else l[:400] + f"... ({len(l)} chars)" for l in lines[-n:]]

    # -- RSS sampling ----------------------------------------------------------------------

    def _start_sampler(self):
        self._stop_sampler = threading.Event()
        proc, stop = self.proc, self._stop_sampler

        def run():
            path = f"/proc/{proc.pid}/status"
            while not stop.is_set() and proc.poll() is None:
                kib = read_status_kib(path, "VmRSS")
                if kib and kib > self.rss_peak_kib:
                    self.rss_peak_kib = kib
                    self.rss_peak_pid = proc.pid
                if kib and kib > self.window_kib:
                    self.window_kib = kib
                if self.rss_kill_kib and kib > self.rss_kill_kib:
                    self.killed_for_rss = kib
                    proc.kill()
                    break
                # Every 100 ms; faster when the cap is near (memory can grow by GBs a second).
                stop.wait(0.02 if self.rss_kill_kib and kib > self.rss_kill_kib // 2 else 0.1)

        self._sampler = threading.Thread(target=run, name="rss-sampler", daemon=True)
        self._sampler.start()

    def rss_kib(self):
        return read_status_kib(f"/proc/{self.proc.pid}/status", "VmRSS") if self.alive() else 0

    def hwm_kib(self):
        return read_status_kib(f"/proc/{self.proc.pid}/status", "VmHWM") if self.alive() else 0


def read_status_kib(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
