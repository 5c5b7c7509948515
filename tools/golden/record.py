#!/usr/bin/env python3
"""Records golden HTTP answers from the real InfluxDB 1.6.7 (format: Spec/golden-cases.md).

    python3 tools/golden/record.py [--influxd PATH] [CASEFILE ...]

With no case files, records every Tests/Golden/cases/*.json into Tests/Golden/http/. Installs
Debian's influxdb package when influxd is missing (as root). Each case file gets a fresh influxd
on loopback ports with a throw-away data directory.
"""
import argparse, base64, glob, gzip, http.client, json, os, shutil, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_influxd(path):
    if shutil.which(path):
        return shutil.which(path)
    if os.geteuid() != 0:
        sys.exit("influxd not found; install Debian's 'influxdb' package (apt-get install influxdb)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "influxdb"], check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return shutil.which(path)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


def write_config(tmp, http_port, rpc_port, overrides):
    sections = {"": {"reporting-disabled": True, "bind-address": f"127.0.0.1:{rpc_port}"},
                "meta": {"dir": f"{tmp}/meta"},
                "data": {"dir": f"{tmp}/data", "wal-dir": f"{tmp}/wal", "query-log-enabled": False},
                "monitor": {"store-enabled": False},
                "http": {"bind-address": f"127.0.0.1:{http_port}", "log-enabled": False},
                "logging": {"level": "error", "suppress-logo": True}}
    for section, keys in (overrides or {}).items():
        sections.setdefault(section, {}).update(keys)
    lines = [f"{k} = {toml_value(v)}" for k, v in sections.pop("").items()]
    for name, keys in sections.items():
        lines.append(f"[{name}]")
        lines += [f"  {k} = {toml_value(v)}" for k, v in keys.items()]
    path = f"{tmp}/influxdb.conf"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def request_body(case):
    if "bodyBase64" in case:
        body = base64.b64decode(case["bodyBase64"])
    elif "bodyRepeat" in case:
        body = (case["bodyRepeat"]["text"] * case["bodyRepeat"]["count"]).encode()
    else:
        body = case.get("body", "").encode()
    if case.get("gzip"):
        body = gzip.compress(body, mtime=0)
    return body


def send(port, case):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    target = case["path"] + ("?" + case["query"] if case.get("query") else "")
    conn.putrequest(case["method"], target, skip_accept_encoding=True)
    body = request_body(case)
    for name, value in case.get("headers", []):
        conn.putheader(name, value)
    if case.get("gzip"):
        conn.putheader("Content-Encoding", "gzip")
    if case.get("omitContentLength"):
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        if body:
            conn.send(b"%x\r\n%s\r\n" % (len(body), body))
        conn.send(b"0\r\n\r\n")
    else:
        if body or case["method"] in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body if body else None)
    resp = conn.getresponse()
    data = resp.read()
    headers = [[k, v] for k, v in resp.getheaders() if k.lower() != "date"]
    conn.close()
    out = {"status": resp.status, "headers": headers}
    try:
        out["body"] = data.decode("utf-8")
    except UnicodeDecodeError:
        out["bodyBase64"] = base64.b64encode(data).decode()
    return out


def record(influxd, case_path):
    with open(case_path) as f:
        spec = json.load(f)
    tmp = tempfile.mkdtemp(prefix="golden-")
    http_port, rpc_port = free_port(), free_port()
    conf = write_config(tmp, http_port, rpc_port, spec.get("config"))
    # GOMAXPROCS=2: 1.x's engine splits a shard's series into that many runs, which orders a
    # mean's partials; ./dev test runs the replays with the same value.
    proc = subprocess.Popen([influxd, "run", "-config", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, GOMAXPROCS="2"))
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=1)
                c.request("GET", "/ping")
                if c.getresponse().status == 204:
                    break
            except OSError:
                time.sleep(0.1)
        version = None
        for db in spec.get("setup", {}).get("databases", []):
            c = http.client.HTTPConnection("127.0.0.1", http_port)
            c.request("POST", "/query", body="q=" + "CREATE DATABASE " + json.dumps(db), headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse(); r.read()
        out_cases = []
        for case in spec["cases"]:
            # `pauseMs`: let the server act on its own first (e.g. snapshot its cache).
            if case.get("pauseMs"):
                time.sleep(case["pauseMs"] / 1000)
            recorded = dict(case)
            recorded["response"] = send(http_port, case)
            version = version or dict((k.lower(), v) for k, v in recorded["response"]["headers"]).get("x-influxdb-version")
            out_cases.append(recorded)
        result = {k: spec[k] for k in ("group", "description", "config", "setup") if k in spec}
        result["recordedWith"] = f"InfluxDB {version}"
        result["cases"] = out_cases
        # Groups whose answers Sundial cannot give yet (e.g. InfluxQL before the query engine)
        # are kept apart from the replayed HTTP goldens.
        out = os.path.join(ROOT, "Tests/Golden", spec.get("outputDir", "http"), os.path.basename(case_path))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump(result, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(f"{os.path.relpath(out, ROOT)}: {len(out_cases)} cases")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--influxd", default="influxd")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    influxd = ensure_influxd(args.influxd)
    files = args.files or sorted(glob.glob(os.path.join(ROOT, "Tests/Golden/cases/*.json")))
    for path in files:
        record(influxd, path)


if __name__ == "__main__":
    main()
