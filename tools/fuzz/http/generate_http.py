"""Whole /write and /query requests: the body or query from generate_lp / generate_ql, wrapped in
mutated HTTP parameters (db, rp, precision, epoch, chunked, chunk_size, pretty, bound params,
Accept, GET vs POST form vs multipart) and, on the auth profile, credentials of every kind.

`request(seed, index, profile)` is a pure function of its arguments: any request of a run can be
made again from (seed, index) alone.
"""
import base64
import random
import urllib.parse

import generate_lp
import generate_ql
from httpreq import Request

DBS = ["fuzz"] * 24 + ["fuzz2", "fuzz2", "ünï db", "scratch_db", "nosuch_db", "", "_internal", "fuzz\x00", "a" * 300]
RPS = ["autogen", "hourly", "tiny", "rp.dot", "scratch_rp", "nosuch_rp", ""]
EPOCHS = ["ns", "n", "u", "µ", "us", "ms", "s", "m", "h", "", "H", "x", "rfc3339"]
ACCEPTS = ["application/json", "application/csv", "text/csv", "application/x-msgpack", "*/*", "text/plain",
           "application/json;q=0.5, application/csv", "application/x-msgpack;q=1, application/json;q=0.9",
           "garbage/garbage", "", "application/csv; charset=utf-8"]
CHUNK_SIZES = ["1", "2", "10", "10000", "0", "-1", "9223372036854775807", "9223372036854775808", "abc", "1.5", ""]
BOOLEANS = ["true", "false", "1", "0", "TRUE", "t", "yes", "", "garbage"]
CONSISTENCIES = ["one", "any", "quorum", "all", "", "garbage"]


def bound_params(rng, names, features):
    """The `params` form value: JSON for the names the query refers to (values of every JSON type,
    huge numbers, deep nesting), or not JSON at all."""
    r = rng.random()
    if r < 0.08:
        features.add("params:invalid")
        return rng.choice(["{", "[]", "null", "1", '"x"', "{\"x\":}", "{'x': 1}", "\xff", ""])
    if r < 0.12:
        n = rng.choice([100, 10000, 100000])
        features.add(f"params:deep-{n}")
        return '{"x":' + "[" * n + "]" * n + "}"
    values = ["1", "-1", "0", "1.5", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
              "1e400", "-1e400", '"a"', '"b c"', '"2024-01-01T00:00:00Z"', '"1h"', '""', "true", "null", "[]",
              "{}", '{"x":1}', '"\\u0000"', '"/regex/"', '"' + "x" * 1000 + '"']
    keys = list(names) + (["extra"] if rng.random() < 0.2 else [])
    parts = []
    for k in keys:
        v = rng.choice(values)
        if v in ("9223372036854775808", "-9223372036854775809", "1e400", "-1e400"):
            features.add("params:huge-number")
        parts.append(f'"{k}":{v}')
    return "{" + ",".join(parts) + "}"


def credentials(rng, profile, features):
    """(query parameters, headers) for the profile's users, or broken credentials."""
    if profile.auth:
        user, password = profile.admin
        r = rng.random()
    else:
        user, password = profile.admin
        r = 0.99 if rng.random() < 0.95 else rng.random()
    if r < 0.4:
        return [("u", user), ("p", password)], []
    if r < 0.7:
        return [], [("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())]
    if r < 0.75:
        features.add("auth:token")
        return [], [("Authorization", f"Token {user}:{password}")]
    if r < 0.82:
        features.add("auth:reader")
        return [("u", profile.reader[0]), ("p", profile.reader[1])], []
    if r < 0.86:
        features.add("auth:wrong-password")
        return [("u", user), ("p", "wrong")], []
    if r < 0.9:
        features.add("auth:malformed")
        return [], [("Authorization", rng.choice(["Basic !!!", "Basic", "Basic " + base64.b64encode(b"nocolon").decode(),
                                                   "Basic " + base64.b64encode(b":").decode(), "Token", "Token :",
                                                   "Digest x", "Basic " + "A" * 10000]))]
    if r < 0.94:
        features.add("auth:bearer")
        return [], [("Authorization", rng.choice(["Bearer x.y.z", "Bearer ", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
                                                   "Bearer " + "a" * 5000]))]
    if r < 0.97 and profile.auth:
        features.add("auth:none")
        return [], []
    return [], []


def encode(params):
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v)}" for k, v in params)


def query_request(rng, profile, features):
    q, names = generate_ql.statement(rng, features)
    params = []
    if rng.random() < 0.9:
        params.append(("db", rng.choice(DBS)))
    if rng.random() < 0.1:
        params.append(("rp", rng.choice(RPS)))
    if rng.random() < 0.25:
        params.append(("epoch", rng.choice(EPOCHS)))
        features.add("http:epoch")
    if rng.random() < 0.2:
        params.append(("chunked", rng.choice(BOOLEANS)))
        features.add("http:chunked")
        if rng.random() < 0.6:
            size = rng.choice(CHUNK_SIZES)
            params.append(("chunk_size", size))
            features.add(f"http:chunk_size={generate_ql.number_class(size)}")
    if rng.random() < 0.1:
        params.append(("pretty", rng.choice(BOOLEANS)))
    if names or rng.random() < 0.05:
        params.append(("params", bound_params(rng, names, features)))
    if rng.random() < 0.03:
        features.add("http:duplicate-param")
        params.append(rng.choice([("q", "SHOW DATABASES"), ("db", "fuzz2"), ("epoch", "s")]))
    creds, headers = credentials(rng, profile, features)
    params += creds
    if rng.random() < 0.4:
        accept = rng.choice(ACCEPTS)
        headers.append(("Accept", accept))
        features.add(f"http:accept={accept.split(';')[0].split(',')[0]}")
    if rng.random() < 0.1:
        headers.append(("Accept-Encoding", rng.choice(["gzip", "gzip, deflate", "identity", "br"])))
    if rng.random() < 0.02:
        headers.append(("User-Agent", rng.choice(["", "\x7f", "x" * 10000])))

    q_param = [("q", q.decode("utf-8", "surrogateescape"))]
    qenc = "q=" + urllib.parse.quote_plus(q)
    r = rng.random()
    long_query = len(q) > 8000
    if r < (0.1 if long_query else 0.45):
        features.add("http:get")
        return Request("GET", "/query?" + "&".join([qenc, encode(params)]).strip("&"), headers, b"", "query", features)
    if r < 0.87:
        features.add("http:post-form")
        headers.append(("Content-Type", rng.choice(["application/x-www-form-urlencoded"] * 30 + [
            "application/x-www-form-urlencoded; charset=utf-8", "text/plain", ""])))
        body = "&".join([qenc, encode(params)]).strip("&").encode()
        return Request("POST", "/query", headers, body, "query", features)
    if r < 0.93:
        features.add("http:post-url")
        return Request("POST", "/query?" + "&".join([qenc, encode(params)]).strip("&"), headers, b"", "query", features)
    if r < 0.97:
        features.add("http:multipart")
        boundary = "fuzzboundary" + str(rng.randrange(1000))
        parts = []
        disposition = rng.choice(['form-data; name="q"', 'form-data; name="q"; filename="q.txt"'])
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + q + b"\r\n")
        body = b"".join(parts) + (f"--{boundary}--\r\n".encode() if rng.random() < 0.9 else b"")
        headers.append(("Content-Type", f"multipart/form-data; boundary={boundary}"))
        return Request("POST", "/query?" + encode(params), headers, body, "query", features)
    method = rng.choice(["PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"])
    features.add(f"http:method={method}")
    return Request(method, "/query?" + "&".join([qenc, encode(params)]).strip("&"), headers, b"", "query", features)


def write_request(rng, profile, features):
    params = []
    if rng.random() < 0.95:
        params.append(("db", rng.choice(DBS)))
    if rng.random() < 0.15:
        params.append(("rp", rng.choice(RPS)))
    precision = ""
    if rng.random() < 0.3:
        precision = rng.choice(generate_lp.PRECISIONS if rng.random() < 0.3 else ["n", "ns", "u", "ms", "s", "m", "h"])
        params.append(("precision", precision))
        features.add(f"http:precision={precision}")
    if rng.random() < 0.1:
        params.append(("consistency", rng.choice(CONSISTENCIES)))
    body, encoding = generate_lp.write_body(rng, features, profile.max_body_size, precision)
    creds, headers = credentials(rng, profile, features)
    params += creds
    if encoding:
        headers.append(("Content-Encoding", encoding))
    if rng.random() < 0.2:
        headers.append(("Content-Type", rng.choice(["text/plain; charset=utf-8", "application/octet-stream", ""])))
    method = "POST" if rng.random() < 0.98 else rng.choice(["GET", "PUT"])
    if method != "POST":
        features.add(f"http:method={method}")
    return Request(method, "/write?" + encode(params), headers, body, "write", features)


def request(seed, index, profile):
    rng = random.Random(f"{seed}/{profile.name}/{index}")
    features = set()
    if rng.random() < 0.35:
        req = write_request(rng, profile, features)
    else:
        req = query_request(rng, profile, features)
    req.index = index
    req.profile = profile.name
    return req
