"""Seeded data for a differential run: every field type, awkward tag values, several shards and
retention policies, a field whose type differs between shards, and some deletes.

`generate(rng)` returns (steps, schema). A step is ("write", query string, body) or
("query", statement); both servers get the same steps in the same order. The schema tells the
query generator what exists.
"""

DAY = 86400 * 10**9
# 2026-10-05T00:00:00Z, a Monday: the data spans several 7-day shard groups (1.x aligns them
# to Go's zero time, so they start on Mondays).
BASE = 1_791_158_400 * 10**9

TAG_VALUES = ["a", "b", "c d", "x,y", "k=v", "é", "日本", "Z", "10", "9", "A b=c"]
REGIONS = ["us", "eu", "ap"]
STRINGS = ["x", "y", "hello world", "quote\"d", "back\\slash", "é", "", "10", "true"]


def escape_tag(s):
    return s.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def escape_measurement(s):
    return s.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ")


def string_field(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def float_value(rng):
    kind = rng.random()
    if kind < 0.1:
        return rng.choice([0.0, -0.0 + 0.0, 1.0, -1.0, 0.5, 100.0])
    if kind < 0.2:
        return round(rng.uniform(-1e6, 1e6), 1)
    return round(rng.uniform(-50, 150), rng.choice([0, 1, 2, 3]))


def int_value(rng):
    kind = rng.random()
    if kind < 0.05:
        return rng.choice([0, -1, 9223372036854775807, -9223372036854775807, 2**53 + 1])
    return rng.randint(-20, 100)


def fmt_float(v):
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


def point_times(rng, n):
    """Mostly inside one busy day (so GROUP BY time windows hold several points), some spread
    over three weeks (so there are several shards), a few duplicates and sub-second times."""
    times = []
    for _ in range(n):
        r = rng.random()
        if r < 0.75:
            t = BASE + 2 * DAY + rng.randrange(0, 6 * 3600) * 10**9
        elif r < 0.95:
            t = BASE + rng.randrange(0, 21 * 86400) * 10**9
        else:
            t = BASE + 2 * DAY + rng.randrange(0, 3600 * 10**9)
        times.append(t)
    return sorted(set(times))


def series_tags(rng, keys):
    tags = {}
    for k, values in keys.items():
        if rng.random() < 0.85:
            tags[k] = rng.choice(values)
    return tags


def line(measurement, tags, fields, t):
    tag_text = "".join(f",{escape_tag(k)}={escape_tag(v)}" for k, v in sorted(tags.items()) if v != "")
    field_text = ",".join(f"{escape_tag(k)}={v}" for k, v in fields.items())
    return f"{escape_measurement(measurement)}{tag_text} {field_text} {t}"


def generate(rng):
    steps = [("query", "CREATE DATABASE db"),
             ("query", "CREATE RETENTION POLICY rp2 ON db DURATION 0s REPLICATION 1 SHARD DURATION 2d")]
    schema = {
        "measurements": {
            "cpu": {"fields": {"v": "float", "i": "integer", "b": "boolean", "s": "string", "tc": "float"},
                    "tags": {"host": TAG_VALUES, "region": REGIONS}},
            "mem": {"fields": {"v": "float", "used": "integer", "free": "integer"},
                    "tags": {"host": TAG_VALUES}},
            "weird m": {"fields": {"f v": "float", "n": "integer"},
                        "tags": {"t k": ["1", "2", "3 4"]}},
        },
        "rps": ["autogen", "rp2"],
        "start": BASE, "end": BASE + 21 * DAY,
        "busy": (BASE + 2 * DAY, BASE + 2 * DAY + 6 * 3600 * 10**9),
    }
    for rp in schema["rps"]:
        lines = []
        for m, spec in schema["measurements"].items():
            for _ in range(rng.randint(4, 9) if rp == "autogen" else 3):
                tags = series_tags(rng, spec["tags"])
                for t in point_times(rng, rng.randint(3, 40)):
                    fields = {}
                    for f, typ in spec["fields"].items():
                        if f != "v" and f != "f v" and rng.random() < 0.25:
                            continue
                        if f == "tc":
                            # float in the first week's shard, integer in later ones: a type
                            # conflict across shards (never within one).
                            fields[f] = fmt_float(float_value(rng)) if t < BASE + 7 * DAY else f"{int_value(rng)}i"
                        elif typ == "float":
                            fields[f] = fmt_float(float_value(rng))
                        elif typ == "integer":
                            fields[f] = f"{int_value(rng)}i"
                        elif typ == "boolean":
                            fields[f] = rng.choice(["true", "false", "t", "F"])
                        else:
                            fields[f] = string_field(rng.choice(STRINGS))
                    lines.append(line(m, tags, fields, t))
        rng.shuffle(lines)
        for i in range(0, len(lines), 500):
            steps.append(("write", f"db=db&rp={rp}", "\n".join(lines[i:i + 500]).encode()))
    # Deletes: a series dropped, a time range deleted, a series dropped by regex measurement.
    steps.append(("query", "DROP SERIES FROM cpu WHERE host = 'Z'"))
    steps.append(("query", f"DELETE FROM mem WHERE time < {BASE + DAY}"))
    steps.append(("query", "DROP SERIES FROM /^wei/ WHERE \"t k\" = '1'"))
    return steps, schema
