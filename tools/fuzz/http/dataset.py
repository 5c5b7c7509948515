"""The seed dataset: databases and retention policies the grammar names, and points of every field
type, tags with spaces, commas, equals signs, unicode and missing (empty) values, extreme values
and times, spread over many shards. `setup` is idempotent: the run repeats it now and then to
undo what the fuzzed DROP / DELETE / ALTER statements did."""
import base64
import urllib.parse

from generate_lp import BASE_NS, escape_key, escape_measurement, string_field
from httpreq import Request, send

HOUR = 3600 * 10**9
INT_MAX = 9223372036854775807

STATEMENTS = [
    "CREATE DATABASE fuzz",
    "CREATE RETENTION POLICY hourly ON fuzz DURATION INF REPLICATION 1 SHARD DURATION 1h",
    "ALTER RETENTION POLICY hourly ON fuzz DURATION INF SHARD DURATION 1h",
    "CREATE RETENTION POLICY tiny ON fuzz DURATION 1h REPLICATION 1",
    'CREATE RETENTION POLICY "rp.dot" ON fuzz DURATION INF REPLICATION 1 SHARD DURATION 30d',
    "ALTER RETENTION POLICY autogen ON fuzz DURATION INF SHARD DURATION 7d DEFAULT",
    "CREATE DATABASE fuzz2",
    'CREATE DATABASE "ünï db"',
    "DROP DATABASE scratch_db",
    "CREATE DATABASE scratch_db",
    "CREATE USER fuzzreader WITH PASSWORD 'fuzz-reader-pw'",
    "SET PASSWORD FOR fuzzreader = 'fuzz-reader-pw'",
    "GRANT READ ON fuzz TO fuzzreader",
    "GRANT WRITE ON fuzz2 TO fuzzreader",
]

HOSTS = ["a", "b c", "d,e", "f=g", "ünï", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", None]  # None: no host tag


def lines():
    """[(db, rp, precision, body)] of the seed writes."""
    out = []
    # cpu: 7 hosts (one without the tag) x 240 points every 6 h over 60 days: ~9 weekly shards.
    cpu = []
    for h, host in enumerate(HOSTS):
        for i in range(240):
            t = BASE_NS + i * 6 * HOUR + h * 10**9
            tags = (",host=" + escape_key(host) if host is not None else "") + ("" if i % 5 == 0 else f",region=" + escape_key('us-west' if i % 2 else 'eu ü'))
            fields = (f"usage={(i * 7 + h) % 100 + 0.5},count={i - 120}i,ok={'true' if i % 3 else 'false'},"
                      f"msg={string_field(f'm{i} ü, =' if i % 4 else '')},big={INT_MAX if i % 2 else -INT_MAX}i")
            cpu.append(f"cpu{tags} {fields} {t}")
    out.append(("fuzz", "", "", "\n".join(cpu)))
    # h2o: regular 6-minute series over 2 days for holt_winters, derivatives, moving averages.
    h2o = []
    for loc in ("santa_monica", "coyote_creek"):
        for i in range(480):
            level = 2 + (i % 50) * 0.1 + (1 if loc == "coyote_creek" else 0)
            h2o.append(f"h2o,location={loc} level={level:.3f},value={i}i {BASE_NS + i * 360 * 10**9}")
    out.append(("fuzz", "", "", "\n".join(h2o)))
    # strings: long, empty, unicode and regex-hostile string fields (and tag values).
    strings = []
    for i, s in enumerate(["", "x" * 10000, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "ünï 🙂", "q\"uote\\", "a" * 1000 + "b",
                           "line\nbreak", "tab\tand,comma=eq"]):
        tag = s[:100].replace("\n", " ").rstrip("\\") or "empty"
        strings.append(f"strings,host={escape_key(tag)} msg={string_field(s)},value={i}i {BASE_NS + i * HOUR}")
    out.append(("fuzz", "", "", "\n".join(strings)))
    # mixed: one field with a different type in each shard.
    mixed = [f"mixed,host=a value=1.5 {BASE_NS}", f"mixed,host=a value=2i {BASE_NS + 8 * 24 * HOUR}",
             f'mixed,host=a value="three" {BASE_NS + 16 * 24 * HOUR}', f"mixed,host=a value=true {BASE_NS + 24 * 24 * HOUR}"]
    out.append(("fuzz", "", "", "\n".join(mixed)))
    # edge: the extreme times and values.
    edge = []
    for i, t in enumerate([-INT_MAX + 1, -10**18, -1, 0, 1, 10**18, INT_MAX - 1]):
        edge.append(f"edge,host=h{i} value={[1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 0.0, -0.0, 1e-300, 123.0][i]!r},"
                    f"big={[INT_MAX, -INT_MAX, 0, 1, -1, 2**62, -(2**62)][i]}i {t}")
    out.append(("fuzz", "", "", "\n".join(edge)))
    # names that need escaping or quoting.
    weird = [f"{escape_measurement('weird measurement, name=1')},{escape_key('tag with space')}={escape_key('a=b,c d')} "
             f"{escape_key('field with space')}=1,usage=2 {BASE_NS + i * HOUR}" for i in range(20)]
    out.append(("fuzz", "", "", "\n".join(weird)))
    # hourly_m in the 1-hour-shard RP: 48 shards.
    hourly = [f"hourly_m,host={'ab'[i % 2]} value={i}.5,count={i}i {BASE_NS + i * 10 * 60 * 10**9}" for i in range(288)]
    out.append(("fuzz", "hourly", "", "\n".join(hourly)))
    # other databases and precisions.
    out.append(("fuzz2", "", "s", "\n".join(f"cpu,host=x usage={i}.0 {BASE_NS // 10**9 + i * 60}" for i in range(50))))
    out.append(("ünï db", "", "ms", "\n".join(f"m,t=ü v={i}i {BASE_NS // 10**6 + i * 1000}" for i in range(10))))
    return out


def measurement_of(line):
    """The unescaped measurement name a line-protocol line starts with."""
    out, i = [], 0
    while i < len(line) and line[i] not in ", ":
        if line[i] == "\\" and i + 1 < len(line):
            i += 1
        out.append(line[i])
        i += 1
    return "".join(out)


class Admin:
    """Sends set-up requests as the profile's admin (when auth is on)."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.profile = daemon.profile

    def auth_headers(self):
        if not self.profile.auth:
            return []
        user, password = self.profile.admin
        return [("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())]

    def query(self, q, db="", auth=True):
        body = urllib.parse.urlencode({"q": q, "db": db}).encode()
        headers = [("Content-Type", "application/x-www-form-urlencoded")] + (self.auth_headers() if auth else [])
        out = send(self.daemon.port, Request("POST", "/query", headers, body), 30)
        return out.status, out.head

    def write(self, db, rp, precision, body):
        params = {"db": db}
        if rp:
            params["rp"] = rp
        if precision:
            params["precision"] = precision
        out = send(self.daemon.port, Request("POST", "/write?" + urllib.parse.urlencode(params), self.auth_headers(), body.encode()), 30)
        return out.status, out.head


def setup(daemon, log=print):
    """Creates (again) the admin user, databases, retention policies and users, and writes the seed
    points (the same points each time, so a repeat changes nothing that was not changed)."""
    admin = Admin(daemon)
    if daemon.profile.auth:
        user, password = daemon.profile.admin
        # The first admin user may be created without credentials; if a fuzzed statement revoked or
        # dropped it, this brings it back (no admin left: the exemption applies again).
        admin.query(f"CREATE USER {user} WITH PASSWORD '{password}' WITH ALL PRIVILEGES", auth=False)
        admin.query(f"SET PASSWORD FOR {user} = '{password}'")
        admin.query(f"GRANT ALL PRIVILEGES TO {user}")
    problems = []
    for q in STATEMENTS:
        status, _ = admin.query(q)
        if status != 200:
            problems.append(f"{q}: {status}")
    for db, rp, precision, body in lines():
        status, head = admin.write(db, rp, precision, body)
        if status == 400 and b"field type conflict" in head:
            # A fuzzed DROP took the measurement and a fuzzed write brought it back with other
            # types: start it over.
            admin.query(f'DROP MEASUREMENT "{measurement_of(body)}"', db)
            status, head = admin.write(db, rp, precision, body)
        if status != 204:
            problems.append(f"write {db}/{rp or 'default'}: {status} {head[:200]!r}")
    if problems:
        log("seed set-up problems: " + "; ".join(problems))
    return problems
