#!/usr/bin/env python3
"""Writes Tests/Golden/http-1.8/*.json: answers of behaviour InfluxDB 1.8 added, which the 1.6.7
reference cannot record. Written by hand from 1.8.10's services/httpd/handler.go (serveHealth,
servePing, serveWriteV1/V2, bucket2dbrp, parseCredentials, the flux route, the ping-auth
wrapper) and prometheus/converters.go (DroppedValuesError), with the headers 1.6.7 sends on the
same kind of answer. `{{version}}` stands for the server's X-Influxdb-Version.

    python3 tools/golden/make-18-goldens.py
"""
import base64, json, os, sys, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "prometheus"))
import promwire as pw

FORM = [["Content-Type", "application/x-www-form-urlencoded"]]
IDS = [["Request-Id", "*"], ["X-Influxdb-Build", "OSS"], ["X-Influxdb-Version", "*"], ["X-Request-Id", "*"]]


def headers(*extra, content_type="application/json", length=None):
    out = [["Content-Type", content_type]] + [list(h) for h in extra] + IDS
    out.sort(key=lambda h: h[0])
    if length is not None:
        out.append(["Content-Length", str(length)])
    return out


def length(body):
    """Content-Length; with the version in the body, `{{versionLength+N}}` (N: the other bytes)."""
    n = len(body.encode())
    if "{{version}}" in body:
        return "{{versionLength+%d}}" % (n - len("{{version}}"))
    return n


def ok(body, status=200, chunked=False):
    return {"status": status, "headers": headers(length=None if chunked else length(body)), "body": body}


def no_content():
    return {"status": 204, "headers": headers(), "body": ""}


def error(status, message):
    body = json.dumps({"error": message}, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e") + "\n"
    extra = [["Www-Authenticate", 'Basic realm="InfluxDB"']] if status == 401 else [["X-Influxdb-Error", message]]
    return {"status": status, "headers": headers(*extra, length=len(body.encode())), "body": body}


def case(name, method, path, response, query="", body="", hdrs=None, **kw):
    c = {"name": name, "method": method, "path": path, "query": query, "body": body, "response": response}
    if hdrs:
        c["headers"] = hdrs
    c.update(kw)
    return c


def select(name, q, expected):
    return case(name, "POST", "/query", ok(expected, chunked=True), query="db=db0", body="q=" + urllib.parse.quote(q), hdrs=FORM)


HEALTH = '{"checks":[],"message":"ready for queries and writes","name":"influxdb","status":"pass","version":"{{version}}"}'
FLUX = "Flux query service disabled. Verify flux-enabled=true in the [http] section of the InfluxDB config.\n"

endpoints = [
    case("health", "GET", "/health", ok(HEALTH)),
    case("ping-verbose-true", "GET", "/ping", ok('{"version":"{{version}}"}'), query="verbose=true"),
    case("ping-verbose-1", "GET", "/ping", ok('{"version":"{{version}}"}'), query="verbose=1"),
    case("ping-verbose-false", "GET", "/ping", no_content(), query="verbose=false"),
    case("ping-verbose-0", "GET", "/ping", no_content(), query="verbose=0"),
    case("ping-verbose-empty", "GET", "/ping", no_content(), query="verbose="),
    case("ping-head-verbose", "HEAD", "/ping", {"status": 200, "headers": headers(length=length('{"version":"{{version}}"}')), "body": ""}, query="verbose=true"),
    case("flux-disabled", "POST", "/api/v2/query", {"status": 403, "headers": [["Content-Type", "text/plain; charset=utf-8"], ["Request-Id", "*"], ["X-Content-Type-Options", "nosniff"],
                                                                                 ["X-Influxdb-Build", "OSS"], ["X-Influxdb-Version", "*"], ["X-Request-Id", "*"], ["Content-Length", str(len(FLUX))]], "body": FLUX},
         body='from(bucket:"db0") |> range(start:-1h)', hdrs=[["Content-Type", "application/vnd.flux"]]),
    case("v2-write-s", "POST", "/api/v2/write", no_content(), query="bucket=db0&org=ignored&precision=s", body="m,h=a v=1 1700000000"),
    case("v2-write-ms-rp", "POST", "/api/v2/write", no_content(), query="bucket=db0/autogen&precision=ms", body="m,h=b v=2 1700000000001"),
    case("v2-write-us", "POST", "/api/v2/write", no_content(), query="bucket=db0&precision=us", body="m,h=c v=3 1700000000000002"),
    case("v2-write-ns", "POST", "/api/v2/write", no_content(), query="bucket=db0&precision=ns", body="m,h=d v=4 1700000000000000003"),
    case("v2-write-default-ns", "POST", "/api/v2/write", no_content(), query="bucket=db0", body="m,h=e v=5 1700000000000000004"),
    case("v2-write-gzip", "POST", "/api/v2/write", no_content(), query="bucket=db0", body="m,h=f v=6 1700000000000000005", gzip=True),
    case("v2-write-bad-precision", "POST", "/api/v2/write", error(400, 'invalid precision "h" (use ns, us, ms or s)'), query="bucket=db0&precision=h", body="m v=9 1"),
    case("v2-write-n-precision", "POST", "/api/v2/write", error(400, 'invalid precision "n" (use ns, us, ms or s)'), query="bucket=db0&precision=n", body="m v=9 1"),
    case("v2-write-no-bucket", "POST", "/api/v2/write", error(404, 'bucket name "" is missing a slash; not in "database/retention-policy" format'), body="m v=9 1"),
    case("v2-write-empty-db", "POST", "/api/v2/write", error(404, 'bucket name "/autogen" is in db/rp form but has an empty database'), query="bucket=/autogen", body="m v=9 1"),
    case("v2-write-db-not-found", "POST", "/api/v2/write", error(404, 'database not found: "nope"'), query="bucket=nope", body="m v=9 1"),
    case("v2-write-rp-not-found", "POST", "/api/v2/write", error(500, "retention policy not found: nope"), query="bucket=db0/nope", body="m v=9 1"),
    case("v2-write-parse-error", "POST", "/api/v2/write", error(400, "unable to parse 'm': missing fields"), query="bucket=db0", body="m"),
    case("v1-write-bad-precision", "POST", "/write", error(400, 'invalid precision "bogus" (use n, u, ms, s, m or h)'), query="db=db0&precision=bogus", body="m v=9 1"),
    case("v1-write-us-spelling", "POST", "/write", error(400, 'invalid precision "us" (use n, u, ms, s, m or h)'), query="db=db0&precision=us", body="m v=9 1"),
    case("v1-write-ns", "POST", "/write", no_content(), query="db=db0&precision=ns", body="m,h=g v=7 1700000000000000006"),
    select("stored", "SELECT * FROM m",
           '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","h","v"],"values":['
           '["2023-11-14T22:13:20Z","a",1],["2023-11-14T22:13:20.000000003Z","d",4],["2023-11-14T22:13:20.000000004Z","e",5],'
           '["2023-11-14T22:13:20.000000005Z","f",6],["2023-11-14T22:13:20.000000006Z","g",7],["2023-11-14T22:13:20.000002Z","c",3],'
           '["2023-11-14T22:13:20.001Z","b",2]]}]}]}\n'),
]

T0 = 1700000000000
prom = [
    case("unsupported-values-dropped", "POST", "/api/v1/prom/write", no_content(), query="db=db0",
         bodyBase64=base64.b64encode(pw.snappy_encode(pw.write_request([
             ([("__name__", "g"), ("job", "x")], [(1.0, T0), (float("inf"), T0 + 1), (float("-inf"), T0 + 2), (float("nan"), T0 + 3), (2.0, T0 + 4)]),
             ([("__name__", "g"), ("job", "y")], [(float("inf"), T0)]),
         ]))).decode()),
    select("finite-values-stored", "SELECT * FROM g",
           '{"results":[{"statement_id":0,"series":[{"name":"g","columns":["time","__name__","job","value"],"values":['
           '["2023-11-14T22:13:20Z","g","x",1],["2023-11-14T22:13:20.004Z","g","x",2]]}]}]}\n'),
]

auth = [
    case("create-admin", "POST", "/query", ok('{"results":[{"statement_id":0}]}\n', chunked=True), body="q=" + urllib.parse.quote("CREATE USER admin WITH PASSWORD 'secret' WITH ALL PRIVILEGES"), hdrs=FORM),
    case("create-db", "POST", "/query", ok('{"results":[{"statement_id":0}]}\n', chunked=True), query="u=admin&p=secret", body="q=CREATE%20DATABASE%20db0", hdrs=FORM),
    case("ping-needs-auth", "GET", "/ping", error(401, "unable to parse authentication credentials")),
    case("health-needs-auth", "GET", "/health", error(401, "unable to parse authentication credentials")),
    case("status-needs-auth", "GET", "/status", error(401, "unable to parse authentication credentials")),
    case("ping-token", "GET", "/ping", no_content(), hdrs=[["Authorization", "Token admin:secret"]]),
    case("health-basic", "GET", "/health", ok(HEALTH), hdrs=[["Authorization", "Basic " + base64.b64encode(b"admin:secret").decode()]]),
    case("v2-write-token", "POST", "/api/v2/write", no_content(), query="bucket=db0", body="t v=1 1", hdrs=[["Authorization", "Token admin:secret"]]),
    case("v2-write-token-wrong", "POST", "/api/v2/write", error(401, "authorization failed"), query="bucket=db0", body="t v=1 1", hdrs=[["Authorization", "Token admin:nope"]]),
    case("v2-write-token-no-colon", "POST", "/api/v2/write", error(401, "unable to parse authentication credentials"), query="bucket=db0", body="t v=1 1", hdrs=[["Authorization", "Token adminsecret"]]),
    case("query-token", "POST", "/query", ok('{"results":[{"statement_id":0,"series":[{"name":"t","columns":["time","v"],"values":[["1970-01-01T00:00:00.000000001Z",1]]}]}]}\n', chunked=True),
         query="db=db0", body="q=SELECT%20*%20FROM%20t", hdrs=FORM + [["Authorization", "Token admin:secret"]]),
]


def dump(group, description, cases, config=None, databases=("db0",)):
    doc = {"group": group, "description": description, "recordedWith": "hand-written from InfluxDB 1.8.10's source (tools/golden/make-18-goldens.py)",
           "setup": {"databases": list(databases)}, "cases": cases}
    if config:
        doc["config"] = config
    with open(os.path.join(ROOT, "Tests", "Golden", "http-1.8", group + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


dump("endpoints-18", "1.8's /health, /ping?verbose, /api/v2/write, /api/v2/query (Flux disabled) and /write's precision check", endpoints)
dump("prom-write-18", "1.8 drops NaN and ±Inf samples (DroppedValuesError) and writes the rest", prom)
dump("auth-18", "1.8's Token credentials and ping-auth-enabled", auth, {"http": {"auth-enabled": True, "ping-auth-enabled": True}}, databases=())
