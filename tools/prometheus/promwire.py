"""Prometheus remote write/read messages by hand, for tests, goldens and benchmarks.

No dependencies: protobuf encoding of the few messages 1.x declares (Spec/prometheus-remote.md)
and the snappy block format (literals only when encoding; full decoding).
"""
import struct


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def label(name, value):
    return field(1, 2, name.encode() if isinstance(name, str) else name) + field(2, 2, value.encode() if isinstance(value, str) else value)


def sample(value, ts_ms):
    return field(1, 1, struct.pack("<d", value)) + field(2, 0, varint(ts_ms))


def timeseries(labels, samples):
    body = b"".join(field(1, 2, label(k, v)) for k, v in labels)
    return body + b"".join(field(2, 2, sample(v, t)) for v, t in samples)


def write_request(series):
    """series: [(labels [(name, value)], samples [(value, ts_ms)])]"""
    return b"".join(field(1, 2, timeseries(l, s)) for l, s in series)


MATCH = {"=": 0, "!=": 1, "=~": 2, "!~": 3}


def matcher(kind, name, value):
    t = MATCH[kind] if isinstance(kind, str) else kind
    return field(1, 0, varint(t)) + field(2, 2, name.encode()) + field(3, 2, value.encode())


def query(start_ms, end_ms, matchers):
    return field(1, 0, varint(start_ms)) + field(2, 0, varint(end_ms)) + b"".join(field(3, 2, matcher(*m)) for m in matchers)


def read_request(queries):
    return b"".join(field(1, 2, q) for q in queries)


def snappy_encode(data):
    """A valid snappy block of literals only."""
    out = bytearray(varint(len(data)))
    i = 0
    while i < len(data):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += chunk
        i += len(chunk)
    return bytes(out)


def read_varint(buf, i):
    """(value, next index) of the varint at i."""
    n, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, i


def snappy_decode(data):
    n, i = read_varint(data, 0)
    out = bytearray()
    while i < len(data):
        tag = data[i]
        i += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(data[i:i + extra], "little")
                i += extra
            length += 1
            out += data[i:i + length]
            i += length
            continue
        if kind == 1:
            length = 4 + ((tag >> 2) & 7)
            offset = ((tag >> 5) << 8) | data[i]
            i += 1
        elif kind == 2:
            length = 1 + (tag >> 2)
            offset = int.from_bytes(data[i:i + 2], "little")
            i += 2
        else:
            length = 1 + (tag >> 2)
            offset = int.from_bytes(data[i:i + 4], "little")
            i += 4
        for _ in range(length):
            out.append(out[-offset])
    assert len(out) == n
    return bytes(out)


def _fields(buf):
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = read_varint(buf, i)
            yield num, v
        elif wire == 1:
            yield num, buf[i:i + 8]
            i += 8
        elif wire == 2:
            length, i = read_varint(buf, i)
            yield num, buf[i:i + length]
            i += length
        else:
            raise ValueError("wire type %d" % wire)


def read_response(body):
    """[[ {labels: {..}, samples: [(ts_ms, value)]} ]] per query result, from a snappy body."""
    results = []
    for num, res in _fields(snappy_decode(body)):
        series = []
        for n2, ts in _fields(res):
            labels, samples = {}, []
            for n3, part in _fields(ts):
                if n3 == 1:
                    kv = dict(_fields(part))
                    labels[kv.get(1, b"").decode()] = kv.get(2, b"").decode()
                elif n3 == 2:
                    kv = dict(_fields(part))
                    t = kv.get(2, 0)
                    if t >= 1 << 63:
                        t -= 1 << 64
                    samples.append((t, struct.unpack("<d", kv[1])[0] if 1 in kv else 0.0))
            series.append({"labels": labels, "samples": samples})
        results.append(series)
    return results
