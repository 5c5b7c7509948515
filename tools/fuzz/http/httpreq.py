"""One HTTP request as sent (method, target, headers, body), its reproducible file form, and
sending it over a fresh loopback connection with a total time budget."""
import base64
import http.client
import json
import socket
import struct
import time


class Request:
    def __init__(self, method, target, headers=(), body=b"", kind="query", features=(), index=None, profile="noauth"):
        self.method = method
        self.target = target            # path and query string, already percent-encoded
        self.headers = list(headers)    # [(name, value)], without Host / Content-Length / Connection
        self.body = body
        self.kind = kind                # "query" or "write"
        self.features = set(features)
        self.index = index              # position in the run (None outside a run)
        self.profile = profile          # which daemon profile it was sent to

    def raw(self, port=8086):
        """The exact bytes on the wire (Content-Length always right; a fresh connection each time)."""
        head = [f"{self.method} {self.target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + self.body

    def summary(self, limit=300):
        text = f"{self.method} {self.target}"
        if self.body:
            text += " body=" + repr(self.body[:limit])[2:-1] + (f"... ({len(self.body)} bytes)" if len(self.body) > limit else "")
        return text if len(text) <= 2 * limit else text[:2 * limit] + f"... ({len(text)} chars)"

    def to_json(self):
        return {"method": self.method, "target": self.target, "headers": self.headers,
                "body_base64": base64.b64encode(self.body).decode(), "kind": self.kind,
                "features": sorted(self.features), "index": self.index, "profile": self.profile}

    @classmethod
    def from_json(cls, d):
        return cls(d["method"], d["target"], [tuple(h) for h in d["headers"]], base64.b64decode(d["body_base64"]),
                   d.get("kind", "query"), d.get("features", ()), d.get("index"), d.get("profile", "noauth"))

    @classmethod
    def from_raw(cls, data):
        """Parses a saved .http file (as `raw` writes it)."""
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(": ")
            if k.lower() not in ("host", "connection", "content-length"):
                headers.append((k, v))
        return cls(method, target, headers, body, "write" if target.startswith("/write") else "query")


class Outcome:
    """What came back: `status` (an int), or `error` ("timeout", "refused", "reset: ...")."""

    def __init__(self, status=None, error=None, elapsed=0.0, size=0, head=b"", sent=True):
        self.status, self.error, self.elapsed, self.size, self.head, self.sent = status, error, elapsed, size, head, sent

    def label(self):
        return str(self.status) if self.status is not None else self.error.split(":")[0]


MAX_RESPONSE = 256 << 20


def send(port, req, budget):
    """Sends `req` to 127.0.0.1:`port` and reads the whole answer within `budget` seconds."""
    start = time.monotonic()
    deadline = start + budget

    def left():
        return max(0.001, deadline - time.monotonic())

    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=min(budget, 2.0))
    except socket.timeout:
        return Outcome(error="timeout: connect", elapsed=time.monotonic() - start, sent=False)
    except OSError as e:
        return Outcome(error=f"refused: {e.__class__.__name__}", elapsed=time.monotonic() - start, sent=False)
    # Reset rather than TIME_WAIT on close: tens of thousands of short connections otherwise use up
    # the ephemeral ports.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    try:
        send_error = None
        try:
            sock.settimeout(left())
            sock.sendall(req.raw(port))
        except socket.timeout:
            return Outcome(error="timeout: sending", elapsed=time.monotonic() - start)
        except OSError as e:
            # The server may answer (413, 400) and close before reading all of a large body.
            send_error = e
        resp = http.client.HTTPResponse(sock, method=req.method)
        try:
            sock.settimeout(left())
            resp.begin()
            head, size = b"", 0
            while True:
                sock.settimeout(left())
                chunk = resp.read(65536)
                if not chunk:
                    break
                if len(head) < 2048:
                    head += chunk[:2048 - len(head)]
                size += len(chunk)
                if size > MAX_RESPONSE:
                    break
                if time.monotonic() > deadline:
                    raise socket.timeout()
            return Outcome(status=resp.status, elapsed=time.monotonic() - start, size=size, head=head)
        except socket.timeout:
            return Outcome(error="timeout: reading", elapsed=time.monotonic() - start)
        except (OSError, http.client.HTTPException) as e:
            what = send_error or e
            return Outcome(error=f"reset: {what.__class__.__name__}", elapsed=time.monotonic() - start)
    finally:
        sock.close()


def save(path_base, req, port, extra):
    """Writes `<base>.json` (the request plus `extra`: what happened) and `<base>.http` (the raw
    bytes, for `nc 127.0.0.1 8086 < file`)."""
    with open(path_base + ".json", "w") as f:
        json.dump(dict(extra, request=req.to_json(), summary=req.summary()), f, indent=1, ensure_ascii=False)
    with open(path_base + ".http", "wb") as f:
        f.write(req.raw(port))
