"""Line-protocol bodies for /write: valid lines from a small grammar, then byte-level mutations,
extreme values, long names, and gzip (valid, corrupt, bombs past max-body-size).

Every function takes a `random.Random` and appends short strings to `features` (what the body
holds, for triage: which features the crashing requests share).
"""
import gzip
import struct
import zlib

INT_MAX = 9223372036854775807
INT_MIN = -9223372036854775808
UINT_MAX = 18446744073709551615

MEASUREMENTS = ["cpu", "h2o", "mem", "strings", "mixed", "edge", "weird measurement, name=1", "ünï côdé", "scratch_m"]
TAG_KEYS = ["host", "region", "t", "tag with space", "k=eq", "k,comma", "ключ"]
BAD_TAG_KEYS = ["time", "_field", "_measurement", ""]
TAG_VALUES = ["a", "b c", "d,e", "f=g", "ünï", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "x\\y", "\"quoted\"", "0", "-1", "true", "🙂"]
FIELD_KEYS = ["usage", "count", "ok", "msg", "big", "v", "value", "field with space", "f=eq", "f,comma", "ünï"] * 5 + ["time", "_field", ""]

FLOATS = ["0", "-0", "1", "1.5", "-1.5", ".5", "5.", "1e10", "-1e-10", "1.7976931348623157e308", "4.9e-324",
          "1e309", "-1e309", "NaN", "nan", "Inf", "-Inf", "+Inf", "1e", "1.2.3", "0x10", "1_000", "+1", "--1",
          "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
          "1" + "0" * 400, "0." + "0" * 400 + "1"]
INTS = ["0i", "-0i", "1i", "-1i", f"{INT_MAX}i", f"{INT_MIN}i", f"{INT_MAX + 1}i", f"{INT_MIN - 1}i",
        f"{UINT_MAX}i", "1" + "0" * 30 + "i", "i", "-i", "+1i", "1.0i", "1e3i", "0x1i"]
UINTS = ["0u", "1u", f"{INT_MAX}u", f"{UINT_MAX}u", f"{UINT_MAX + 1}u", "-1u", "u"]
BOOLS = ["t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE", "tru", "yes", "tRUE"]
STRINGS = ['""', '"x"', '"with space"', '"comma,equals=quote\\"q"', '"back\\\\slash"', '"ends with backslash\\\\"',
           '"new\nline"', '"ünï 🙂"', '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"', '"\\t\\n"', '"unterminated', '"\\"',
           '"' + "x" * 1000 + '"']
TIMES = ["", "0", "1", "-1", "1703030400000000000", "1704067200000000000", str(INT_MAX), str(INT_MIN),
         str(INT_MAX - 1), str(INT_MIN + 1), str(INT_MIN + 2), str(INT_MAX + 1), "-9223372036854775806",
         "1e18", "1.5", "0x10", "99999999999999999999999", "-0", "+1", "1703030400", "1703030400000"]
ODD_VALUES = {"float": FLOATS, "int": INTS, "uint": UINTS, "bool": BOOLS, "string": STRINGS}
PRECISIONS = ["", "n", "ns", "u", "us", "µ", "µs", "ms", "s", "m", "h", "H", "x", "nanoseconds", "ns ", "0"]

INTERESTING_CHUNKS = [b" ", b",", b"=", b"\\", b'"', b"\n", b"\r\n", b"\t", b"\x00", b"\xff", b"\xc3", b"#",
                      b"i", b"u", b"e", b".", b"-", b"9223372036854775807", b"9223372036854775808", b"1e309",
                      b"NaN", b"\\ ", b"\\,", b"\\=", b'\\"', b"\\\\", b"\xe2\x80\xa8", b"\xef\xbb\xbf"]

BASE_NS = 1_703_030_400_000_000_000  # 2023-12-20T00:00:00Z, the seed data's start


def escape_measurement(s):
    return s.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ")


def escape_key(s):
    return s.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def string_field(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------------------------
# Valid-ish lines.

# The seed data's type of each field key (most writes keep to it: a type conflict fails the write).
FIELD_TYPES = {"usage": "float", "count": "int", "ok": "bool", "msg": "string", "big": "int", "v": "float",
               "level": "float", "field with space": "float"}


def field_value(rng, features, key=None, extreme=0.05):
    kind = FIELD_TYPES.get(key) if rng.random() < 0.9 else None
    # Unsigned (`12u`) only now and then: stock 1.x builds reject it (`invalid number`).
    kind = kind or rng.choice(["float", "int", "bool", "string"] * 5 + ["uint"])
    if rng.random() < extreme:
        features.add(f"lp:{kind}-odd")
        return rng.choice(ODD_VALUES[kind])
    if kind == "float":
        return repr(rng.uniform(-1000, 1000))
    if kind == "int":
        return f"{rng.randint(-1000, 1000)}i"
    if kind == "uint":
        return f"{rng.randint(0, 1000)}u"
    if kind == "bool":
        return rng.choice(["t", "f", "true", "false"])
    return string_field(rng.choice(["", "x", "a b", "ünï", "q\"uote", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"]))


def timestamp(rng, features, precision):
    r = rng.random()
    if r < 0.2:
        return ""
    if r < 0.27:
        features.add("lp:time-odd")
        return rng.choice(TIMES)
    ns = BASE_NS + rng.randrange(0, 60 * 86400) * 1_000_000_000
    div = {"u": 1_000, "us": 1_000, "µ": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
           "h": 3_600_000_000_000}.get(precision, 1)
    return str(ns // div)


def line(rng, features, precision=""):
    if rng.random() < 0.01:
        name = long_name(rng, features)
    else:
        name = escape_measurement(rng.choice(MEASUREMENTS))
    keys = rng.sample(TAG_KEYS, rng.choice([0, 0, 1, 1, 2, 3, 7]))
    if rng.random() < 0.03:
        features.add("lp:odd-tag-key")
        keys.append(rng.choice(BAD_TAG_KEYS + TAG_KEYS))
    tags = [escape_key(k) + "=" + escape_key(rng.choice(TAG_VALUES)) for k in keys]
    if rng.random() < 0.01:
        features.add("lp:many-tags")
        tags = [f"t{i}=v{i}" for i in range(rng.choice([200, 1000, 5000]))]
    nfields = rng.choice([1, 1, 2, 3, 5])
    if rng.random() < 0.01:
        features.add("lp:many-fields")
        nfields = rng.choice([500, 5000])
    fields = []
    for i in range(nfields):
        key = rng.choice(FIELD_KEYS) if nfields < 5 else f"f{i}"
        fields.append(escape_key(key) + "=" + field_value(rng, features, key))
    if rng.random() < 0.01:
        features.add("lp:long-string")
        fields[-1] = fields[-1].split("=")[0] + "=" + string_field("x" * rng.choice([65536, 70000, 1 << 20]))
    out = name + ("," + ",".join(tags) if tags else "") + " " + ",".join(fields)
    ts = timestamp(rng, features, precision)
    return out + (" " + ts if ts else "")


def long_name(rng, features):
    n = rng.choice([255, 4096, 65535, 65536, 70000, 200000])
    features.add(f"lp:long-name-{n}")
    return rng.choice(["m", "ü", "\\ ", "a,"])[0] * n


def valid_body(rng, features, precision=""):
    n = rng.choice([1, 1, 1, 2, 3, 5, 10, 20])
    if rng.random() < 0.005:
        n = rng.choice([1000, 10000])
        features.add(f"lp:lines-{n}")
    sep = "\r\n" if rng.random() < 0.05 else "\n"
    lines = [line(rng, features, precision) for _ in range(n)]
    if rng.random() < 0.1:
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(["", "# comment", "   ", "#", "\t"]))
    body = sep.join(lines)
    if rng.random() < 0.5:
        body += "\n"
    return body.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------------------------
# Byte mutations.

def mutate_bytes(rng, data, features, rounds=None):
    data = bytearray(data)
    for _ in range(rounds or rng.choice([1, 1, 2, 3, 8])):
        op = rng.randrange(8)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:  # bit flip
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
            features.add("mut:bitflip")
        elif op == 1:  # insert an interesting chunk
            data[pos:pos] = rng.choice(INTERESTING_CHUNKS)
            features.add("mut:insert")
        elif op == 2 and data:  # delete a chunk
            n = rng.randint(1, max(1, min(len(data), 16)))
            del data[pos:pos + n]
            features.add("mut:delete")
        elif op == 3 and data:  # duplicate a chunk
            start = rng.randrange(len(data))
            chunk = data[start:start + rng.randint(1, 64)]
            data[pos:pos] = chunk * rng.choice([1, 2, 10, 1000])
            features.add("mut:duplicate")
        elif op == 4:  # replace a number with an extreme one
            data[pos:pos] = rng.choice([b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
                                        b"1e309", b"-1e309", b"NaN", b"18446744073709551616u", b"-0"])
            features.add("mut:extreme-number")
        elif op == 5 and data:  # truncate
            del data[rng.randrange(len(data)):]
            features.add("mut:truncate")
        elif op == 6:  # random bytes
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            features.add("mut:random-bytes")
        else:  # odd escapes
            data[pos:pos] = rng.choice([b"\\", b"\\\\", b"\\\\\\", b"\\\n", b"\\\"", b"\\ \\,\\="])
            features.add("mut:escape")
    return bytes(data)


# ---------------------------------------------------------------------------------------------
# gzip.

_BOMBS = {}


def gzip_bomb(kind, size):
    """A gzip body that inflates to `size` bytes (cached: the same few sizes recur)."""
    key = (kind, size)
    if key not in _BOMBS:
        unit = b"\x00" * 65536 if kind == "zeros" else b"cpu,host=a usage=1 1703030400000000000\n" * 1024
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts, left = [], size
        while left > 0:
            chunk = unit[:left]
            parts.append(c.compress(chunk))
            left -= len(chunk)
        parts.append(c.flush())
        _BOMBS[key] = b"".join(parts)
    return _BOMBS[key]


def corrupt_gzip(rng, body, features):
    z = bytearray(gzip.compress(body, mtime=0))
    how = rng.randrange(6)
    if how == 0:
        features.add("gz:truncated")
        del z[rng.randrange(1, len(z)):]
    elif how == 1:
        features.add("gz:bad-magic")
        z[0] ^= 0xFF
    elif how == 2:
        features.add("gz:bad-crc")
        z[-8:-4] = struct.pack("<I", rng.randrange(1 << 32))
    elif how == 3:
        features.add("gz:bad-isize")
        z[-4:] = struct.pack("<I", rng.randrange(1 << 32))
    elif how == 4:
        features.add("gz:flipped-deflate")
        if len(z) > 19:
            i = rng.randrange(10, len(z) - 8)
            z[i] ^= 1 << rng.randrange(8)
    else:
        features.add("gz:trailing-garbage")
        z += rng.choice([b"\x00", b"garbage", gzip.compress(b"m v=1", mtime=0)[:5]])
    return bytes(z)


def write_body(rng, features, max_body_size, precision=""):
    """(body bytes, Content-Encoding header or None)."""
    r = rng.random()
    if r < 0.006:
        size = rng.choice([max_body_size + 1, 2 * max_body_size, 4 * max_body_size])
        kind = rng.choice(["zeros", "lines"])
        features.add(f"gz:bomb-{kind}")
        return gzip_bomb(kind, size), "gzip"
    if r < 0.010:
        features.add("lp:body-over-limit")
        return b"cpu v=1\n" * (max_body_size // 8 + 1), None
    body = valid_body(rng, features, precision)
    if rng.random() < 0.3:
        body = mutate_bytes(rng, body, features)
    r = rng.random()
    if r < 0.08:
        features.add("gz:valid")
        return gzip.compress(body, compresslevel=1, mtime=0), rng.choice(["gzip", "gzip", "GZIP", "x-gzip", "gzip, identity"])
    if r < 0.12:
        return corrupt_gzip(rng, body, features), "gzip"
    if r < 0.13:
        features.add("gz:multi-member")
        return gzip.compress(body, mtime=0) + gzip.compress(body, mtime=0), "gzip"
    if r < 0.15:
        features.add("gz:header-plain-body")
        return body, rng.choice(["gzip", "deflate", "br", "identity", "snappy", "garbage"])
    return body, None
