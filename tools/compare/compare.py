#!/usr/bin/env python3
"""Differential tester: the same generated data and queries against the real influxd 1.6.7 and
Sundial, answers compared byte for byte (status, Content-Type, body).

    python3 tools/compare/compare.py [--seed N] [--cases N] [--quick] [--sundiald PATH]
                                     [--influxd PATH] [--goldens FILE] [--min-agreement P]

Each failing case is shrunk to a minimal one (parts removed while the answers still differ) and
failures are grouped by what the shrunk query uses. Answers that differ only in a float's last
digits (12 significant digits agree: a sum taken in another order) pass, and are counted and
shown apart. A case on which influxd itself answers
differently when asked twice (sample(), ties broken by map order) is counted apart as
"unstable" and not compared. Prints `N passed, N failed`; exits 1 when agreement is below
--min-agreement (default: every case must agree), 2 when Sundial stopped answering. `--quick` is the CI mode: seed 7, 400 cases.
`--goldens FILE` writes the data and the shrunk failures as a golden case file
(Spec/golden-cases.md), to be recorded with tools/golden/record.py.
"""
import argparse, collections, json, os, random, re, sys, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datagen, querygen, servers, shrink  # noqa: E402


def load(steps, pair):
    for step in steps:
        answers = []
        for s in pair:
            if step[0] == "write":
                answers.append(s.request("POST", "/write", step[1], step[2])[:1])
            else:
                answers.append(servers.query(s, step[1])[::2])
        if answers[0] != answers[1]:
            print(f"setup step differs: {step[:2]}\n  influxd: {answers[0]}\n  sundial: {answers[1]}", file=sys.stderr)


def ask(server, case):
    method, path, query, body, headers, _ = querygen.render(case)
    return server.request(method, path, query, body, headers)


def documents(body):
    """The JSON documents of an answer: one per line (chunked), or one spread over lines (pretty)."""
    try:
        return [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError):
        pass
    try:
        return [json.loads(body.decode())]
    except (UnicodeDecodeError, ValueError):
        return None


def near(x, y):
    """Equal, with floats equal to 12 significant digits (a sum taken in another order)."""
    if isinstance(x, float) or isinstance(y, float):
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool) and not isinstance(y, bool):
            return x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y))
        return False
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(near(a, b) for a, b in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(near(x[k], y[k]) for k in x)
    return x == y and type(x) is type(y)


def rounding_only(a, b):
    """The two answers differ only in the last digits of some floats."""
    if a[:2] != b[:2]:
        return False
    if "text/csv" in (a[1] or ""):
        return csv_near(a[2], b[2])
    x, y = documents(a[2]), documents(b[2])
    return x is not None and y is not None and near(x, y)


def csv_near(a, b):
    """CSV answers equal with the floats (fields written with a point or an exponent) equal
    to 12 significant digits, as `near` takes JSON's."""
    def number(f):
        try:
            return float(f) if any(c in f for c in ".eE") else None
        except ValueError:
            return None
    la, lb = a.split(b"\n"), b.split(b"\n")
    if len(la) != len(lb):
        return False
    for x, y in zip(la, lb):
        fx, fy = x.split(b","), y.split(b",")
        if len(fx) != len(fy):
            return False
        for u, v in zip(fx, fy):
            if u == v:
                continue
            m, n = number(u.decode("utf-8", "replace")), number(v.decode("utf-8", "replace"))
            if m is None or n is None or not near(m, n):
                return False
    return True


def signature(case):
    """What a shrunk case uses, as a short label: failures with one label are one class."""
    text = querygen.render(case)[5]
    q = case["query"]
    labels = sorted(set(re.findall(r"\b([a-z_0-9]+)\(", text)) - {"time"})
    if q["kind"] == "show":
        labels.insert(0, q["head"])
    else:
        labels.insert(0, "SELECT" if isinstance(q["source"], str) else "SELECT subquery")
        if any(c.startswith("time") for c in q["where"]):
            labels.append("where-time")
        if any(not c.startswith("time") for c in q["where"]):
            labels.append("where")
        if any(g.startswith("time(") for g in q["group"]):
            labels.append("group-time")
        if any(not g.startswith("time(") for g in q["group"]):
            labels.append("group-tags")
        for key in ("fill", "order", "limit", "offset", "slimit", "soffset", "tz"):
            if q[key] is not None:
                labels.append(key if key != "fill" else f"fill({q['fill']})")
    for key, default in shrink.PARAM_DEFAULTS.items():
        if case["params"][key] != default:
            labels.append(f"{key}={case['params'][key]}")
    return " ".join(labels)


def clip(data, other, n=400):
    """The answer around where it first differs from the other one."""
    text, alt = data.decode("utf-8", "replace"), other.decode("utf-8", "replace")
    if len(text) <= n:
        return text
    at = next((i for i, (x, y) in enumerate(zip(text, alt)) if x != y), min(len(text), len(alt)))
    start = max(0, at - n // 2)
    return ("…" if start else "") + text[start:start + n] + f"… ({len(text)} chars, differs at {at})"


def golden_file(path, steps, failures, seed):
    cases = []
    form = [["Content-Type", "application/x-www-form-urlencoded"]]
    for i, step in enumerate(steps):
        if step[0] == "write":
            cases.append({"name": f"setup-{i:02d}", "method": "POST", "path": "/write", "query": step[1],
                          "body": step[2].decode()})
        else:
            cases.append({"name": f"setup-{i:02d}", "method": "POST", "path": "/query", "headers": form,
                          "body": urllib.parse.urlencode({"q": step[1]})})
    for i, f in enumerate(failures):
        method, p, query, body, headers, _ = querygen.render(f["shrunk"])
        case = {"name": f"c{i:03d}", "method": method, "path": p, "query": query}
        if headers:
            case["headers"] = [list(h) for h in headers]
        if body:
            case["body"] = body.decode()
        cases.append(case)
    group = os.path.splitext(os.path.basename(path))[0]
    with open(path, "w") as out:
        json.dump({"group": group, "description": f"tools/compare seed {seed}: shrunk disagreements",
                   "outputDir": "select", "setup": {"databases": []}, "cases": cases}, out, indent=2, ensure_ascii=False)
        out.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="CI mode: seed 7, 400 cases")
    ap.add_argument("--sundiald")
    ap.add_argument("--influxd")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--examples", type=int, default=3, help="examples printed per class")
    ap.add_argument("--goldens", help="write the shrunk failures as a golden case file")
    ap.add_argument("--min-agreement", type=float, default=100.0, help="percent; exit 1 below it")
    ap.add_argument("--keep", action="store_true", help="keep the servers' directories")
    ap.add_argument("--index-version", choices=["inmem", "tsi1"], default="inmem",
                    help="[data] index-version for both servers (default inmem, 1.x's default; Sundial's own default is tsi1): "
                         "the indexes differ in what the metadata statements see, so both servers use the same one")
    ap.add_argument("--accept", help="with --ask: the Accept header (application/x-msgpack answers are shown in hex)")
    ap.add_argument("--ask", metavar="FILE", help="over the seed's data, print both answers to each query in FILE (one per line)")
    args = ap.parse_args()
    if args.quick:
        args.seed, args.cases = 7, 400

    rng = random.Random(args.seed)
    steps, schema = datagen.generate(rng)
    gen = querygen.Gen(rng, schema)
    started = time.time()
    servers.CONFIG["data"] = {"index-version": args.index_version}
    influxd = servers.Server("influxd", servers.influxd_path(args.influxd))
    sundial = servers.Server("sundial", servers.sundiald_path(args.sundiald))
    pair = (influxd, sundial)
    passed, unstable, failures, rounding = 0, [], [], []
    try:
        load(steps, pair)
        if args.ask:
            with open(args.ask) as f:
                for q in filter(None, (line.strip() for line in f)):
                    a, b = servers.query(influxd, q, accept=args.accept), servers.query(sundial, q, accept=args.accept)
                    show = (lambda body: body.hex(" ")) if args.accept == "application/x-msgpack" else (lambda body: body.decode())
                    print(f"{'same' if a == b else 'DIFF'}  {q}\n  influxd: {show(a[2])}\n  sundial: {show(b[2])}")
            return
        for n in range(args.cases):
            case = gen.case()
            a, b = ask(influxd, case), ask(sundial, case)
            if a == b:
                passed += 1
                continue
            if ask(influxd, case) != a:
                unstable.append(case)
                continue
            if not sundial.alive():
                failures.append({"case": case, "shrunk": case, "influxd": a, "sundial": (0, "", b"<crashed>")})
                print(f"sundiald exited after case {n}: {querygen.render(case)[5]}", file=sys.stderr)
                break
            if rounding_only(a, b):
                rounding.append(case)
                continue
            failures.append({"case": case, "influxd": a, "sundial": b})
        for f in failures:
            if "shrunk" in f:
                continue
            if args.no_shrink:
                f["shrunk"] = f["case"]
                continue

            def still_fails(c):
                x, y = ask(influxd, c), ask(sundial, c)
                return x != y and not rounding_only(x, y) and ask(influxd, c) == x

            f["shrunk"] = shrink.shrink(f["case"], still_fails)
            f["influxd"], f["sundial"] = ask(influxd, f["shrunk"]), ask(sundial, f["shrunk"])
    finally:
        influxd.stop(args.keep)
        sundial.stop(args.keep)

    classes = collections.defaultdict(list)
    for f in failures:
        classes[signature(f["shrunk"])].append(f)
    for label, fs in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        print(f"\n[{len(fs)}] {label}")
        seen = set()
        for f in fs:
            text = querygen.render(f["shrunk"])
            key = (text[0], text[2], text[5])
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > args.examples:
                break
            print(f"  {text[0]} ?{text[2]}  {text[5]}")
            print(f"    influxd {f['influxd'][0]} {f['influxd'][1]}: {clip(f['influxd'][2], f['sundial'][2])}")
            print(f"    sundial {f['sundial'][0]} {f['sundial'][1]}: {clip(f['sundial'][2], f['influxd'][2])}")
    if args.goldens:
        golden_file(args.goldens, steps, failures, args.seed)
    compared = passed + len(rounding) + len(failures)
    agreement = 100.0 * (passed + len(rounding)) / compared if compared else 100.0
    exact = 100.0 * passed / compared if compared else 100.0
    for case in rounding[:args.examples]:
        print(f"\nrounding only: {querygen.render(case)[5]}")
    print(f"\nseed {args.seed}: {passed + len(rounding)} passed, {len(failures)} failed "
          f"({agreement:.2f}% agreement; {len(rounding)} of the passes differ only in a float's last digits, "
          f"{exact:.2f}% byte-identical), {len(unstable)} unstable on influxd, {time.time() - started:.0f} s")
    crashed = any(f["sundial"][2] == b"<crashed>" for f in failures)
    sys.exit(2 if crashed else 0 if agreement >= args.min_agreement else 1)


if __name__ == "__main__":
    main()
