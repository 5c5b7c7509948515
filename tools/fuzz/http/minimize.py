"""Shrinks a finding's request while it still reproduces (same kind: crash or hang): drops query
parameters and headers, then delta-debugs the query's tokens (or the write body's lines, then
bytes). Each try that crashes costs a daemon restart; each that hangs costs the full timeout."""
import gzip
import math
import time
import urllib.parse

import generate_ql
from httpreq import Request


def split_target(target):
    path, _, query = target.partition("?")
    return path, urllib.parse.parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="surrogateescape")


def encode_pairs(pairs):
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v.encode('utf-8', 'surrogateescape'))}" for k, v in pairs)


def is_form(req):
    return req.method == "POST" and req.target == "/query" and req.body


def params_of(req):
    """(path, [(key, value)]) of a /query or /write request: URL parameters, or the form body's."""
    path, pairs = split_target(req.target)
    if is_form(req):
        pairs = urllib.parse.parse_qsl(req.body.decode("utf-8", "surrogateescape"), keep_blank_values=True,
                                       encoding="utf-8", errors="surrogateescape")
    return path, pairs


def with_params(req, pairs, headers=None):
    new = Request(req.method, req.target, req.headers if headers is None else headers, req.body, req.kind, req.features,
                  req.index, req.profile)
    if is_form(req):
        new.body = encode_pairs(pairs).encode()
    else:
        path, _ = split_target(req.target)
        new.target = path + ("?" + encode_pairs(pairs) if pairs else "")
    return new


def ddmin(items, test, deadline, log):
    """Classic delta debugging on a list: the smallest sublist (1-minimal, time permitting) for
    which `test` still holds."""
    n = 2
    while len(items) >= 2 and time.time() < deadline:
        chunk = math.ceil(len(items) / n)
        for start in range(0, len(items), chunk):
            candidate = items[:start] + items[start + chunk:]
            if test(candidate):
                items = candidate
                n = max(n - 1, 2)
                log(f"  {len(items)} left")
                break
        else:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def minimize(req, reproduces, budget_seconds, log=print):
    deadline = time.time() + budget_seconds
    tries = [0]

    def test(candidate):
        tries[0] += 1
        return reproduces(candidate)

    # 1. Headers and parameters other than the query itself.
    headers = list(req.headers)
    for h in list(headers):
        trial = [x for x in headers if x != h]
        if time.time() < deadline and test(with_params(req, params_of(req)[1], trial)):
            headers = trial
    req = with_params(req, params_of(req)[1], headers)
    _, pairs = params_of(req)
    for p in list(pairs):
        if p[0] == "q":
            continue
        trial = [x for x in pairs if x != p]
        if time.time() < deadline and test(with_params(req, trial)):
            pairs = trial
    # Long values (bound-parameter JSON, say): keep both ends, cut the middle, while it reproduces.
    for k in range(len(pairs)):
        while pairs[k][0] != "q" and len(pairs[k][1]) > 64 and time.time() < deadline:
            v = pairs[k][1]
            trial = pairs[:k] + [(pairs[k][0], v[:len(v) // 4] + v[-(len(v) // 4):])] + pairs[k + 1:]
            if not test(with_params(req, trial)):
                break
            pairs = trial
    req = with_params(req, pairs)

    # 2. The query's tokens, or the write body.
    if req.kind == "query":
        qs = [v for k, v in pairs if k == "q"]
        if qs:
            toks = generate_ql.tokens(qs[0])

            def with_q(tokens):
                return with_params(req, [(k, "".join(tokens) if k == "q" else v) for k, v in pairs])

            toks = ddmin(toks, lambda t: test(with_q(t)), deadline, log)
            # Long tokens (100k literals, runs) get halved while that still reproduces.
            for i in range(len(toks)):
                while len(toks[i]) > 8 and time.time() < deadline:
                    shorter = toks[:i] + [toks[i][:len(toks[i]) // 2] + toks[i][-1:]] + toks[i + 1:]
                    if not test(with_q(shorter)):
                        break
                    toks = shorter
            req = with_q(toks)
    else:
        body = req.body
        if any(k.lower() == "content-encoding" for k, _ in req.headers):
            try:
                plain = Request(req.method, req.target, [h for h in req.headers if h[0].lower() != "content-encoding"],
                                gzip.decompress(body), req.kind, req.features, req.index, req.profile)
                if len(plain.body) < 1 << 20 and test(plain):
                    req, body = plain, plain.body
            except (OSError, EOFError, gzip.BadGzipFile):
                pass

        def with_body(b):
            return Request(req.method, req.target, req.headers, b, req.kind, req.features, req.index, req.profile)

        lines = body.split(b"\n")
        lines = ddmin(lines, lambda ls: test(with_body(b"\n".join(ls))), deadline, log)
        body = b"\n".join(lines)
        if len(body) <= 4096:
            chars = [bytes([c]) for c in body]
            chars = ddmin(chars, lambda cs: test(with_body(b"".join(cs))), deadline, log)
            body = b"".join(chars)
        req = with_body(body)
    log(f"minimized in {tries[0]} tries")
    return req
