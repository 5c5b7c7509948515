#!/usr/bin/env python3
"""Records what InfluxDB 1.6.7's self-monitoring produces (Monitor goldens).

    python3 tools/golden/record-monitor.py [--influxd PATH] [--out DIR]

Starts one influxd on loopback (HTTP 127.0.0.1:28186, RPC 127.0.0.1:28188, graphite tcp 28003,
collectd udp 28025, opentsdb tcp 28242, udp 28089) with every service that registers statistics
enabled ([monitor] store-interval = "1s"), drives some traffic through each of them, waits a few
store intervals and writes into Tests/Golden/monitor/:

    internal-1.6.7.json          _internal: retention policies; per measurement tag keys, field
                                 keys + types and its series
    show-stats-1.6.7.json        raw /query answers of SHOW STATS [FOR '...']
    show-diagnostics-1.6.7.json  raw /query answers of SHOW DIAGNOSTICS [FOR '...']
    debug-vars-1.6.7.json        GET /debug/vars reduced to names / tag keys / value keys
    debug-routes-1.6.7.json      /debug/requests, /debug/pprof/ (status, Content-Type, 300 bytes)
    access-log-1.6.7.txt         five access-log lines (write, query, ping, 404, basic-auth user)

The temp directory is written as {{dir}} and the host name as {{hostname}}; everything else
(numbers, times, request ids) is kept as influxd answered.
"""
import argparse, base64, http.client, json, os, re, shutil, signal, socket, struct, subprocess, sys, tempfile, threading, time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HTTP_PORT, RPC_PORT = 28186, 28188
GRAPHITE_PORT, COLLECTD_PORT, OPENTSDB_PORT, UDP_PORT = 28003, 28025, 28242, 28089
SUBSCRIBER_PORT = 28999  # nothing listens there
TYPES_DB = "/usr/share/collectd/types.db"
VERSION = "1.6.7"


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


def write_config(tmp):
    top = {"reporting-disabled": True, "bind-address": f"127.0.0.1:{RPC_PORT}"}
    tables = [
        ("meta", {"dir": f"{tmp}/meta"}),
        ("data", {"dir": f"{tmp}/data", "wal-dir": f"{tmp}/wal", "query-log-enabled": True}),
        ("monitor", {"store-enabled": True, "store-database": "_internal", "store-interval": "1s"}),
        ("http", {"enabled": True, "bind-address": f"127.0.0.1:{HTTP_PORT}", "log-enabled": True,
                  "pprof-enabled": True}),
        ("continuous_queries", {"enabled": True, "log-enabled": True, "query-stats-enabled": True,
                                "run-interval": "1s"}),
        ("subscriber", {"enabled": True}),
        ("retention", {"enabled": True, "check-interval": "30m"}),
        ("shard-precreation", {"enabled": True, "check-interval": "10m", "advance-period": "30m"}),
        ("logging", {"level": "info", "suppress-logo": True}),
    ]
    arrays = [
        ("graphite", {"enabled": True, "bind-address": f"127.0.0.1:{GRAPHITE_PORT}", "protocol": "tcp",
                      "database": "graphite", "batch-timeout": "100ms"}),
        ("opentsdb", {"enabled": True, "bind-address": f"127.0.0.1:{OPENTSDB_PORT}", "database": "opentsdb",
                      "batch-timeout": "100ms"}),
        ("udp", {"enabled": True, "bind-address": f"127.0.0.1:{UDP_PORT}", "database": "udp",
                 "batch-timeout": "100ms"}),
    ]
    if os.path.exists(TYPES_DB):
        arrays.append(("collectd", {"enabled": True, "bind-address": f"127.0.0.1:{COLLECTD_PORT}",
                                    "database": "collectd", "typesdb": TYPES_DB, "batch-timeout": "100ms"}))
    else:
        print(f"warning: {TYPES_DB} missing (install collectd-core); [[collectd]] left out", file=sys.stderr)
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items()]
    for name, keys in tables:
        lines.append(f"[{name}]")
        lines += [f"  {k} = {toml_value(v)}" for k, v in keys.items()]
    for name, keys in arrays:
        lines.append(f"[[{name}]]")
        lines += [f"  {k} = {toml_value(v)}" for k, v in keys.items()]
    path = f"{tmp}/influxdb.conf"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def request(method, path, params=None, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=timeout)
    target = path + ("?" + urllib.parse.urlencode(params) if params else "")
    conn.request(method, target, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    hdrs = resp.getheaders()
    conn.close()
    return resp.status, hdrs, data


def query(q, db=None, **extra):
    params = {"q": q}
    if db:
        params["db"] = db
    params.update(extra)
    status, hdrs, data = request("POST", "/query", body=urllib.parse.urlencode(params),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    return status, hdrs, data.decode()


def query_ok(q, db=None):
    status, _, text = query(q, db)
    out = json.loads(text)
    for res in out.get("results", []):
        if "error" in res:
            raise RuntimeError(f"{q}: {res['error']}")
    if status != 200:
        raise RuntimeError(f"{q}: HTTP {status} {text}")
    return out


def write(db, lines, **params):
    status, _, data = request("POST", "/write", dict(db=db, **params), body="\n".join(lines).encode())
    if status != 204:
        raise RuntimeError(f"write {db}: {status} {data!r}")


class Scrub:
    """Replaces the temp directory and host name by placeholders."""

    def __init__(self, tmp):
        self.pairs = [(tmp, "{{dir}}"), (os.path.realpath(tmp), "{{dir}}")]
        host = socket.gethostname()
        # The host name only as a whole token (it may be as short as "vm").
        self.host = re.compile(r"(?<![\w.-])" + re.escape(host) + r"(?![\w.-])") if host else None

    def text(self, s):
        for old, new in self.pairs:
            s = s.replace(old, new)
        if self.host:
            s = self.host.sub("{{hostname}}", s)
        return s

    def json(self, text):
        return json.loads(self.text(text))


def collectd_packet(now):
    def part_str(t, s):
        b = s.encode() + b"\0"
        return struct.pack(">HH", t, 4 + len(b)) + b

    def part_num(t, n):
        return struct.pack(">HHQ", t, 12, n)

    values = struct.pack(">H", 3) + bytes([1, 1, 1]) + struct.pack("<ddd", 0.5, 0.25, 0.125)  # 3 gauges
    return (part_str(0x0000, "golden-host") + part_num(0x0001, int(now)) + part_num(0x0007, 10)
            + part_str(0x0002, "load") + part_str(0x0004, "load")
            + struct.pack(">HH", 0x0006, 4 + len(values)) + values)


def send_line_services(now):
    with socket.create_connection(("127.0.0.1", GRAPHITE_PORT), timeout=5) as s:
        s.sendall(f"servers.golden.cpu_load 42.5 {now}\n".encode())
    with socket.create_connection(("127.0.0.1", OPENTSDB_PORT), timeout=5) as s:
        s.sendall(f"put sys.cpu.user {now} 42.5 host=golden cpu=0\n".encode())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(f"udp_cpu,host=golden value=1 {now}000000000\n".encode(), ("127.0.0.1", UDP_PORT))
        if os.path.exists(TYPES_DB):
            s.sendto(collectd_packet(now), ("127.0.0.1", COLLECTD_PORT))


def wait_ready(proc):
    for _ in range(200):
        if proc.poll() is not None:
            sys.exit(f"influxd exited with {proc.returncode}")
        try:
            if request("GET", "/ping", timeout=1)[0] == 204:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("influxd did not answer /ping")


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"{os.path.relpath(path, ROOT)}")


def values(res):
    """The rows of a single-statement /query answer, or []."""
    out = []
    for series in res["results"][0].get("series", []):
        out += series.get("values", [])
    return out


def record_internal(scrub):
    rps = query_ok('SHOW RETENTION POLICIES ON "_internal"')
    measurements = [row[0] for row in values(query_ok('SHOW MEASUREMENTS ON "_internal"'))]
    per = {}
    for m in measurements:
        ident = '"' + m.replace('"', '\\"') + '"'
        tag_keys = [row[0] for row in values(query_ok(f"SHOW TAG KEYS ON \"_internal\" FROM {ident}"))]
        field_keys = values(query_ok(f"SHOW FIELD KEYS ON \"_internal\" FROM {ident}"))
        series = [scrub.text(row[0]) for row in values(query_ok(f"SHOW SERIES ON \"_internal\" FROM {ident}"))]
        # One example per distinct set of tag keys (series keys are "name,k1=v1,k2=v2").
        examples, seen = [], set()
        for key in series:
            keyset = tuple(kv.split("=", 1)[0] for kv in split_series_key(key)[1:])
            if keyset not in seen:
                seen.add(keyset)
                examples.append(key)
        per[m] = {"tagKeys": tag_keys, "fieldKeys": field_keys, "seriesCount": len(series),
                  "exampleSeries": examples, "series": series}
    return {"recordedWith": f"InfluxDB {VERSION}",
            "placeholders": {"{{dir}}": "temp data directory", "{{hostname}}": "os.Hostname() of the recording host"},
            "config": {"monitor": {"store-enabled": True, "store-database": "_internal", "store-interval": "1s"},
                       "continuous_queries": {"query-stats-enabled": True}},
            "retentionPolicies": rps["results"][0]["series"][0],
            "measurements": per}


def split_series_key(key):
    """Splits a series key on unescaped commas."""
    parts, cur, esc = [], "", False
    for ch in key:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\":
            cur += ch
            esc = True
        elif ch == ",":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def raw_queries(scrub, statements):
    out = []
    for q in statements:
        status, hdrs, text = query(q)
        out.append({"query": q, "status": status,
                    "contentType": dict((k.lower(), v) for k, v in hdrs).get("content-type"),
                    "body": scrub.json(text)})
    return out


def record_debug_vars(scrub):
    status, hdrs, data = request("GET", "/debug/vars")
    text = scrub.text(data.decode())
    parsed = json.loads(text)
    entries = []
    for key, val in parsed.items():
        if key in ("cmdline", "memstats"):
            entry = {"key": key, "type": type(val).__name__}
            entry["keys" if isinstance(val, dict) else "value"] = list(val) if isinstance(val, dict) else val
        elif key == "system":
            entry = {"key": key, "keys": list(val), "example": val}
        else:
            entry = {"key": key, "name": val.get("name"), "tagKeys": list(val.get("tags") or {}),
                     "tags": val.get("tags"), "valueKeys": list(val.get("values") or {}),
                     "members": list(val)}
        entries.append(entry)
    lines = text.split("\n")
    return {"recordedWith": f"InfluxDB {VERSION}", "status": status,
            "headers": [[k, v] for k, v in hdrs if k.lower() != "date"],
            "topLevelKeys": list(parsed), "entries": entries,
            # Layout of the hand-written JSON: first lines and the line structure around entries.
            "rawFirstLines": [l[:160] for l in lines[:4]], "rawLastLines": [l[:160] for l in lines[-3:]],
            "rawLineCount": len(lines)}


def route_answer(scrub, method, path, params=None, during=None, headers=None):
    result = {}

    def go():
        status, hdrs, data = request(method, path, params, headers=headers, timeout=60)
        result.update(status=status, headers=hdrs, data=data)

    t0 = time.time()
    th = threading.Thread(target=go)
    th.start()
    if during:
        time.sleep(0.3)
        during()
    th.join()
    elapsed = time.time() - t0
    data = result["data"]
    try:
        head = scrub.text(data[:300].decode("utf-8"))
        body = {"first300": head}
    except UnicodeDecodeError:
        body = {"first300Base64": base64.b64encode(data[:300]).decode()}
    target = path + ("?" + urllib.parse.urlencode(params) if params else "")
    return dict({"method": method, "target": target, "status": result["status"],
                 "headers": [[k, v] for k, v in result["headers"] if k.lower() not in ("date",)],
                 "contentType": dict((k.lower(), v) for k, v in result["headers"]).get("content-type"),
                 "length": len(data), "elapsedSeconds": round(elapsed, 1)}, **body)


def traffic():
    """Some writes and queries while /debug/requests listens."""
    write("db1", ["cpu,host=a value=1"])
    write("db2", ["mem,host=b used=2i"])
    query("SELECT * FROM cpu", db="db1")
    request("GET", "/query", {"q": "SHOW DATABASES"}, headers={
        "Authorization": "Basic " + base64.b64encode(b"alice:secret").decode()})


def record_debug_routes(scrub):
    routes = [
        route_answer(scrub, "GET", "/debug/requests", {"seconds": "1"}, during=traffic),
        route_answer(scrub, "GET", "/debug/requests", None, during=traffic),
        route_answer(scrub, "GET", "/debug/requests", {"seconds": "x"}),
        route_answer(scrub, "GET", "/debug/requests", {"seconds": "21601"}),
        route_answer(scrub, "GET", "/debug/pprof/"),
        route_answer(scrub, "GET", "/debug/pprof/cmdline"),
        route_answer(scrub, "GET", "/debug/pprof/goroutine", {"debug": "1"}),
        route_answer(scrub, "GET", "/debug/vars"),
    ]
    return {"recordedWith": f"InfluxDB {VERSION}", "config": {"http": {"pprof-enabled": True}}, "routes": routes}


def record_access_log(stderr_path):
    """Sends one request per kind; returns the access-log lines each one produced."""
    def new_lines(offset):
        time.sleep(0.4)
        with open(stderr_path, "rb") as f:
            f.seek(offset)
            return [l for l in f.read().decode("utf-8", "replace").splitlines() if l.startswith("[httpd]")]

    auth = "Basic " + base64.b64encode(b"alice:secret").decode()
    cases = [
        ("write", lambda: request("POST", "/write", {"db": "db1", "precision": "s"},
                                  body=b"cpu,host=log value=7 1500000000",
                                  headers={"User-Agent": "golden-recorder/1.0"})),
        ("query", lambda: request("GET", "/query", {"db": "db1", "q": "SELECT count(value) FROM cpu"},
                                  headers={"User-Agent": "golden-recorder/1.0", "Referer": "http://example.com/page"})),
        ("ping", lambda: request("GET", "/ping")),
        ("404", lambda: request("POST", "/write", {"db": "nosuchdb"}, body=b"cpu value=1")),
        ("basic-auth", lambda: request("GET", "/query", {"q": "SHOW DATABASES"},
                                       headers={"Authorization": auth, "X-Forwarded-For": "10.1.2.3"})),
        # Not among the five: does an unrouted path (mux 404) or /debug/vars log at all?
        ("unrouted-404", lambda: request("GET", "/nosuch")),
        ("debug-vars", lambda: request("GET", "/debug/vars")),
    ]
    found = {}
    for name, fn in cases:
        offset = os.path.getsize(stderr_path)
        fn()
        found[name] = new_lines(offset)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--influxd", default="influxd")
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests/Golden/monitor"))
    ap.add_argument("--keep", action="store_true", help="keep the temp directory (stderr log, data)")
    args = ap.parse_args()
    influxd = shutil.which(args.influxd) or sys.exit("influxd not found")
    tmp = tempfile.mkdtemp(prefix="golden-monitor-")
    scrub = Scrub(tmp)
    conf = write_config(tmp)
    stderr_path = f"{tmp}/influxd.stderr"
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen([influxd, "run", "-config", conf], stdout=err, stderr=err)
    try:
        wait_ready(proc)
        for db in ("db1", "db2", "graphite", "opentsdb", "udp", "collectd"):
            query_ok(f'CREATE DATABASE "{db}"')
        query_ok('CREATE CONTINUOUS QUERY "cq1" ON "db1" BEGIN SELECT mean("value") INTO "db1"."autogen"."cpu_1s" '
                 'FROM "db1"."autogen"."cpu" GROUP BY time(1s) END')
        query_ok(f'CREATE SUBSCRIPTION "sub0" ON "db1"."autogen" DESTINATIONS ALL \'udp://127.0.0.1:{SUBSCRIBER_PORT}\'')
        for i in range(4):
            now = int(time.time())
            write("db1", [f"cpu,host=server{j} value={i + j * 0.5}" for j in range(3)])
            write("db2", [f"mem,host=server0 used={i}i,free={100 - i}i {now}"], precision="s")
            send_line_services(now)
            query("SELECT mean(value) FROM cpu GROUP BY host", db="db1")
            query("SHOW MEASUREMENTS", db="db2")
            query("SELECT nosuchfunc(value) FROM cpu", db="db1")  # a failing query
            time.sleep(1)
        time.sleep(3.5)  # ~3 store intervals after the last traffic

        dump(os.path.join(args.out, f"internal-{VERSION}.json"), record_internal(scrub))
        dump(os.path.join(args.out, f"show-stats-{VERSION}.json"),
             {"recordedWith": f"InfluxDB {VERSION}", "placeholders": ["{{dir}}", "{{hostname}}"],
              "answers": raw_queries(scrub, ["SHOW STATS", "SHOW STATS FOR 'httpd'", "SHOW STATS FOR 'shard'",
                                             "SHOW STATS FOR 'runtime'", "SHOW STATS FOR 'nosuch'",
                                             "SHOW STATS FOR 'indexes'"])})
        dump(os.path.join(args.out, f"show-diagnostics-{VERSION}.json"),
             {"recordedWith": f"InfluxDB {VERSION}", "placeholders": ["{{dir}}", "{{hostname}}"],
              "answers": raw_queries(scrub, ["SHOW DIAGNOSTICS", "SHOW DIAGNOSTICS FOR 'build'",
                                             "SHOW DIAGNOSTICS FOR 'nosuch'"])})
        dump(os.path.join(args.out, f"debug-vars-{VERSION}.json"), record_debug_vars(scrub))
        dump(os.path.join(args.out, f"debug-routes-{VERSION}.json"), record_debug_routes(scrub))

        found = record_access_log(stderr_path)
        picks = []
        for name in ("write", "query", "ping", "404", "basic-auth"):
            if len(found[name]) != 1:
                print(f"warning: access log for {name}: {found[name]!r}", file=sys.stderr)
            picks += found[name][:1]
        path = os.path.join(args.out, f"access-log-{VERSION}.txt")
        with open(path, "w") as f:
            f.write("\n".join(scrub.text(l) for l in picks) + "\n")
        print(os.path.relpath(path, ROOT))
        for name in ("unrouted-404", "debug-vars"):
            print(f"access log for {name}: {len(found[name])} line(s) {found[name]!r}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
