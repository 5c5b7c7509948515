#!/usr/bin/env python3
"""Writes the /query administration and authentication case files (Spec/golden-cases.md):

    python3 tools/golden/make-query-cases.py

Tests/Golden/cases/query-admin.json and query-auth.json are generated here because the auth
matrix (statement kind x user role) and the signed JWTs are easier to state as code. Record
them with tools/golden/record.py afterwards.
"""
import base64, hashlib, hmac, json, os, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORM = [["Content-Type", "application/x-www-form-urlencoded"]]


def post(name, q, params=None, headers=None, **extra):
    query = dict(params or {})
    case = {"name": name, "method": "POST", "path": "/query",
            "headers": FORM + (headers or []), "body": urllib.parse.urlencode({"q": q})}
    if query:
        case["query"] = urllib.parse.urlencode(query)
    case.update(extra)
    return case


def get(name, q, params=None, headers=None):
    query = {"q": q}
    query.update(params or {})
    case = {"name": name, "method": "GET", "path": "/query", "query": urllib.parse.urlencode(query)}
    if headers:
        case["headers"] = headers
    return case


def admin_cases():
    c = []
    add = c.append
    # Databases.
    add(post("show-databases-none", "SHOW DATABASES"))
    add(post("create-database", "CREATE DATABASE db1"))
    add(post("create-database-again", "CREATE DATABASE db1"))
    add(post("create-database-quoted", 'CREATE DATABASE "my db"'))
    add(post("create-database-invalid-slash", 'CREATE DATABASE "a/b"'))
    add(post("create-database-invalid-dot", 'CREATE DATABASE "."'))
    add(post("create-database-invalid-dotdot", 'CREATE DATABASE ".."'))
    add(post("create-database-invalid-backslash", 'CREATE DATABASE "a\\\\b"'))
    add(post("create-database-with-duration", "CREATE DATABASE db2 WITH DURATION 3d REPLICATION 1 SHARD DURATION 1h NAME short"))
    add(post("create-database-with-same-again", "CREATE DATABASE db2 WITH DURATION 3d REPLICATION 1 SHARD DURATION 1h NAME short"))
    add(post("create-database-with-conflict", "CREATE DATABASE db2 WITH DURATION 4d"))
    add(post("create-database-with-other-name", "CREATE DATABASE db2 WITH NAME other"))
    add(post("create-database-with-duration-too-low", "CREATE DATABASE db3 WITH DURATION 30m"))
    add(post("create-database-with-shard-too-long", "CREATE DATABASE db3 WITH DURATION 1h SHARD DURATION 2h"))
    add(post("create-database-with-only-name", "CREATE DATABASE db4 WITH NAME only"))
    add(post("create-database-with-inf", "CREATE DATABASE db5 WITH DURATION INF"))
    add(post("create-database-with-invalid-rp-name", 'CREATE DATABASE db6 WITH NAME "x/y"'))
    add(post("show-databases", "SHOW DATABASES"))
    add(post("show-databases-csv", "SHOW DATABASES", headers=[["Accept", "application/csv"]]))
    add(post("show-databases-text-csv", "SHOW DATABASES", headers=[["Accept", "text/csv"]]))
    add(post("show-databases-msgpack", "SHOW DATABASES", headers=[["Accept", "application/x-msgpack"]]))
    add(post("show-databases-pretty", "SHOW DATABASES", params={"pretty": "true"}))
    add(get("show-databases-get", "SHOW DATABASES"))
    add(get("create-database-get-warning", "CREATE DATABASE db1"))
    add(get("drop-database-get-warning", "DROP DATABASE nothere"))
    add(get("create-database-get-warning-pretty", "CREATE DATABASE db1", params={"pretty": "true"}))
    add(get("create-database-get-warning-csv", "CREATE DATABASE db1", headers=[["Accept", "application/csv"]]))
    add(post("drop-database-missing", "DROP DATABASE nothere"))
    # Retention policies.
    add(post("show-rp", "SHOW RETENTION POLICIES ON db1"))
    add(post("show-rp-db-param", "SHOW RETENTION POLICIES", params={"db": "db2"}))
    add(post("show-rp-no-db", "SHOW RETENTION POLICIES"))
    add(post("show-rp-missing-db", "SHOW RETENTION POLICIES ON nothere"))
    add(post("create-rp", "CREATE RETENTION POLICY r1 ON db1 DURATION 2h REPLICATION 1"))
    add(post("create-rp-same", "CREATE RETENTION POLICY r1 ON db1 DURATION 2h REPLICATION 1"))
    add(post("create-rp-different", "CREATE RETENTION POLICY r1 ON db1 DURATION 3h REPLICATION 1"))
    add(post("create-rp-default", "CREATE RETENTION POLICY r2 ON db1 DURATION 30d REPLICATION 1 SHARD DURATION 2d DEFAULT"))
    add(post("create-rp-same-default-mismatch", "CREATE RETENTION POLICY r1 ON db1 DURATION 2h REPLICATION 1 DEFAULT"))
    add(post("create-rp-too-low", "CREATE RETENTION POLICY r3 ON db1 DURATION 59m REPLICATION 1"))
    add(post("create-rp-shard-longer", "CREATE RETENTION POLICY r3 ON db1 DURATION 2h REPLICATION 1 SHARD DURATION 3h"))
    add(post("create-rp-shard-short", "CREATE RETENTION POLICY r4 ON db1 DURATION 2h REPLICATION 1 SHARD DURATION 10m"))
    add(post("create-rp-missing-db", "CREATE RETENTION POLICY r1 ON nothere DURATION 2h REPLICATION 1"))
    add(post("create-rp-invalid-name", 'CREATE RETENTION POLICY "a/b" ON db1 DURATION 2h REPLICATION 1'))
    add(post("create-rp-inf", "CREATE RETENTION POLICY forever ON db1 DURATION INF REPLICATION 1"))
    add(post("create-rp-long", "CREATE RETENTION POLICY year ON db1 DURATION 365d REPLICATION 3"))
    add(post("show-rp-after-create", "SHOW RETENTION POLICIES ON db1"))
    add(post("alter-rp-duration", "ALTER RETENTION POLICY r1 ON db1 DURATION 4h"))
    add(post("alter-rp-shard", "ALTER RETENTION POLICY r1 ON db1 SHARD DURATION 2h"))
    add(post("alter-rp-shard-too-long", "ALTER RETENTION POLICY r1 ON db1 SHARD DURATION 5h"))
    add(post("alter-rp-duration-too-low", "ALTER RETENTION POLICY r1 ON db1 DURATION 10m"))
    add(post("alter-rp-replication", "ALTER RETENTION POLICY r1 ON db1 REPLICATION 2"))
    add(post("alter-rp-default", "ALTER RETENTION POLICY r1 ON db1 DEFAULT"))
    add(post("alter-rp-missing", "ALTER RETENTION POLICY nope ON db1 DURATION 4h"))
    add(post("alter-rp-missing-db", "ALTER RETENTION POLICY r1 ON nothere DURATION 4h"))
    add(get("alter-rp-get-warning", "ALTER RETENTION POLICY r1 ON db1 DURATION 4h"))
    add(post("show-rp-after-alter", "SHOW RETENTION POLICIES ON db1"))
    add(post("drop-rp", "DROP RETENTION POLICY r4 ON db1"))
    add(post("drop-rp-missing", "DROP RETENTION POLICY nope ON db1"))
    add(post("drop-rp-missing-db", "DROP RETENTION POLICY r1 ON nothere"))
    add(post("show-rp-after-drop", "SHOW RETENTION POLICIES ON db1"))
    # Users and privileges.
    add(post("show-users-none", "SHOW USERS"))
    add(post("create-user", "CREATE USER alice WITH PASSWORD 'secret'"))
    add(post("create-user-same", "CREATE USER alice WITH PASSWORD 'secret'"))
    add(post("create-user-other-password", "CREATE USER alice WITH PASSWORD 'other'"))
    add(post("create-user-admin", "CREATE USER root WITH PASSWORD 'pw' WITH ALL PRIVILEGES"))
    add(post("create-user-quoted", "CREATE USER \"bob smith\" WITH PASSWORD 'pw'"))
    add(get("create-user-get-warning", "CREATE USER carol WITH PASSWORD 'pw'"))
    add(post("show-users", "SHOW USERS"))
    add(post("grant-read", "GRANT READ ON db1 TO alice"))
    add(post("show-grants-read", "SHOW GRANTS FOR alice"))
    add(post("grant-write-upgrade", "GRANT WRITE ON db1 TO alice"))
    add(post("show-grants-write", "SHOW GRANTS FOR alice"))
    add(post("grant-all", "GRANT ALL ON db1 TO alice"))
    add(post("show-grants-all", "SHOW GRANTS FOR alice"))
    add(post("revoke-read-from-all", "REVOKE READ ON db1 FROM alice"))
    add(post("show-grants-after-revoke", "SHOW GRANTS FOR alice"))
    add(post("revoke-all", "REVOKE ALL PRIVILEGES ON db1 FROM alice"))
    add(post("show-grants-none-left", "SHOW GRANTS FOR alice"))
    add(post("grant-missing-user", "GRANT READ ON db1 TO nobody"))
    add(post("grant-missing-db", "GRANT READ ON nothere TO alice"))
    add(post("revoke-missing-user", "REVOKE READ ON db1 FROM nobody"))
    add(post("show-grants-missing-user", "SHOW GRANTS FOR nobody"))
    add(post("grant-admin", "GRANT ALL PRIVILEGES TO alice"))
    add(post("show-users-after-grant-admin", "SHOW USERS"))
    add(post("revoke-admin", "REVOKE ALL PRIVILEGES FROM alice"))
    add(post("grant-admin-missing", "GRANT ALL PRIVILEGES TO nobody"))
    add(post("set-password", "SET PASSWORD FOR alice = 'newpw'"))
    add(post("set-password-missing", "SET PASSWORD FOR nobody = 'x'"))
    add(get("set-password-get-warning", "SET PASSWORD FOR alice = 'newpw'"))
    add(post("drop-user", "DROP USER \"bob smith\""))
    add(post("drop-user-missing", "DROP USER nobody"))
    add(post("show-users-final", "SHOW USERS"))
    # Continuous queries and subscriptions.
    add(post("show-cqs-empty", "SHOW CONTINUOUS QUERIES"))
    add(post("create-cq", "CREATE CONTINUOUS QUERY cq1 ON db1 BEGIN SELECT mean(value) INTO cpu_1h FROM cpu GROUP BY time(1h) END"))
    add(post("create-cq-same", "CREATE CONTINUOUS QUERY cq1 ON db1 BEGIN SELECT mean(value) INTO cpu_1h FROM cpu GROUP BY time(1h) END"))
    add(post("create-cq-different", "CREATE CONTINUOUS QUERY cq1 ON db1 BEGIN SELECT max(value) INTO cpu_1h FROM cpu GROUP BY time(1h) END"))
    add(post("create-cq-resample", "CREATE CONTINUOUS QUERY cq2 ON db1 RESAMPLE EVERY 2h FOR 4h BEGIN SELECT count(value) INTO db1.r1.:MEASUREMENT FROM /.*/ GROUP BY time(1h), * END"))
    add(post("create-cq-missing-rp", "CREATE CONTINUOUS QUERY cq3 ON db1 BEGIN SELECT mean(value) INTO nope.x FROM cpu GROUP BY time(1h) END"))
    add(post("create-cq-missing-db", "CREATE CONTINUOUS QUERY cq3 ON nothere BEGIN SELECT mean(value) INTO x FROM cpu GROUP BY time(1h) END"))
    add(post("create-cq-source-db", "CREATE CONTINUOUS QUERY cq4 ON db1 BEGIN SELECT mean(value) INTO x FROM db2.short.cpu GROUP BY time(1h) END"))
    add(post("create-cq-db-param", "CREATE CONTINUOUS QUERY cq5 ON db1 BEGIN SELECT mean(value) INTO x FROM cpu GROUP BY time(1h) END", params={"db": "db2"}))
    add(post("create-cq-rp-param", "CREATE CONTINUOUS QUERY cq6 ON db1 BEGIN SELECT mean(value) INTO x FROM cpu GROUP BY time(1h) END", params={"rp": "r1"}))
    add(post("show-cqs", "SHOW CONTINUOUS QUERIES"))
    add(post("drop-cq", "DROP CONTINUOUS QUERY cq2 ON db1"))
    add(post("drop-cq-missing", "DROP CONTINUOUS QUERY nope ON db1"))
    add(post("drop-cq-missing-db", "DROP CONTINUOUS QUERY cq1 ON nothere"))
    add(post("show-subscriptions-empty", "SHOW SUBSCRIPTIONS"))
    add(post("create-subscription", "CREATE SUBSCRIPTION s1 ON db1.r1 DESTINATIONS ALL 'udp://h1:9090', 'http://h2:8086'"))
    add(post("create-subscription-again", "CREATE SUBSCRIPTION s1 ON db1.r1 DESTINATIONS ANY 'udp://h1:9090'"))
    add(post("create-subscription-bad-url", "CREATE SUBSCRIPTION s2 ON db1.r1 DESTINATIONS ALL 'udp://nohostport'"))
    add(post("create-subscription-bad-scheme", "CREATE SUBSCRIPTION s2 ON db1.r1 DESTINATIONS ALL 'ftp://h:1'"))
    add(post("create-subscription-missing-rp", "CREATE SUBSCRIPTION s2 ON db1.nope DESTINATIONS ALL 'udp://h:1'"))
    add(post("create-subscription-missing-db", "CREATE SUBSCRIPTION s2 ON nothere.r1 DESTINATIONS ALL 'udp://h:1'"))
    add(post("create-subscription-any", "CREATE SUBSCRIPTION s3 ON db2.short DESTINATIONS ANY 'https://h3:443'"))
    add(post("show-subscriptions", "SHOW SUBSCRIPTIONS"))
    add(post("drop-subscription", "DROP SUBSCRIPTION s3 ON db2.short"))
    add(post("drop-subscription-missing", "DROP SUBSCRIPTION nope ON db1.r1"))
    add(post("drop-subscription-missing-rp", "DROP SUBSCRIPTION s1 ON db1.nope"))
    add(post("show-subscriptions-after-drop", "SHOW SUBSCRIPTIONS"))
    # Shards and shard groups, on points with fixed timestamps.
    add(post("show-shards-empty", "SHOW SHARDS"))
    add(post("show-shard-groups-empty", "SHOW SHARD GROUPS"))
    add({"name": "write-for-shards", "method": "POST", "path": "/write", "query": "db=db1&rp=autogen&precision=s",
         "body": "cpu value=1 1000000000\ncpu value=2 1000700000\nmem value=3 1600000000\n"})
    add({"name": "write-for-shards-r1", "method": "POST", "path": "/write", "query": "db=db1&rp=year&precision=s",
         "body": "cpu value=1 4102444800\n"})
    add(post("show-shards", "SHOW SHARDS"))
    add(post("show-shard-groups", "SHOW SHARD GROUPS"))
    add(post("show-shards-csv", "SHOW SHARDS", headers=[["Accept", "application/csv"]]))
    add(post("drop-shard", "DROP SHARD 2"))
    add(post("drop-shard-missing", "DROP SHARD 99"))
    add(post("show-shards-after-drop", "SHOW SHARDS"))
    add(post("show-shard-groups-after-drop", "SHOW SHARD GROUPS"))
    # Several statements: results in order; an error stops the rest.
    add(post("multi-ok", "SHOW DATABASES; SHOW USERS; SHOW RETENTION POLICIES ON db2"))
    add(post("multi-error-first", "SHOW RETENTION POLICIES ON nothere; SHOW DATABASES; SHOW USERS"))
    add(post("multi-error-middle", "SHOW DATABASES; DROP USER nobody; SHOW USERS; SHOW USERS"))
    add(post("multi-error-last", "SHOW DATABASES; DROP USER nobody"))
    add(post("multi-error-csv", "SHOW DATABASES; DROP USER nobody; SHOW USERS", headers=[["Accept", "application/csv"]]))
    add(post("multi-error-msgpack", "SHOW USERS; DROP USER nobody", headers=[["Accept", "application/x-msgpack"]]))
    add(post("multi-csv-two-tables", "SHOW USERS; SHOW DATABASES", headers=[["Accept", "application/csv"]]))
    add(post("multi-empty-statements", "SHOW USERS;;; SHOW DATABASES;"))
    add(post("multi-parse-error", "SHOW DATABASES; SHOW NONSENSE"))
    add(post("max-row-limit-off", "SHOW USERS"))
    add(post("chunked-multi", "SHOW DATABASES; SHOW USERS; SHOW RETENTION POLICIES ON db2", params={"chunked": "true"}))
    add(post("chunked-error-middle", "SHOW DATABASES; DROP USER nobody; SHOW USERS; SHOW USERS", params={"chunked": "true"}))
    add(post("chunked-size", "SHOW DATABASES; SHOW USERS", params={"chunked": "true", "chunk_size": "1"}))
    add(post("chunked-csv", "SHOW DATABASES; SHOW USERS", params={"chunked": "true"}, headers=[["Accept", "application/csv"]]))
    add(post("chunked-pretty", "SHOW USERS", params={"chunked": "true", "pretty": "true"}))
    add(post("chunked-false", "SHOW USERS", params={"chunked": "false"}))
    # Bound parameters (the parser's side of issue 4).
    add(post("params-string", "SHOW RETENTION POLICIES ON $db", params={"params": json.dumps({"db": "db1"})}))
    add(post("params-bad-json", "SHOW DATABASES", params={"params": "{not json"}))
    add(post("params-not-object", "SHOW DATABASES", params={"params": "[1,2]"}))
    add(post("params-integer-ok", "DROP SHARD $id", params={"params": '{"id": 77}'}))
    add(post("params-integer-too-big", "DROP SHARD $id", params={"params": '{"id": 99999999999999999999}'}))
    add(post("params-missing", "DROP SHARD $id", params={"params": '{"other": 1}'}))
    add(post("params-null", "SHOW DATABASES", params={"params": "null"}))
    # Drop a database with data.
    add(post("drop-database-with-data", "DROP DATABASE db1"))
    add(post("show-databases-after-drop", "SHOW DATABASES"))
    add(post("show-shards-after-drop-db", "SHOW SHARDS"))
    add(post("show-users-after-drop-db", "SHOW USERS"))
    return c


def jwt(claims, secret="s3cret", alg="HS256"):
    def enc(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = enc(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = enc(json.dumps(claims, separators=(",", ":")).encode())
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg if alg in ("HS256", "HS512") else "HS256"]
    sig = enc(hmac.new(secret.encode(), f"{head}.{body}".encode(), digest).digest())
    return f"{head}.{body}.{sig}"


ROLES = {"admin": ("root", "rootpw"), "reader": ("reader", "readpw"), "writer": ("writer", "writepw"), "nobody": ("nobody", "nopw")}

MATRIX = [
    ("show-databases", "SHOW DATABASES"),
    ("show-rp", "SHOW RETENTION POLICIES ON db0"),
    ("show-users", "SHOW USERS"),
    ("show-grants", "SHOW GRANTS FOR reader"),
    ("show-cqs", "SHOW CONTINUOUS QUERIES"),
    ("show-subscriptions", "SHOW SUBSCRIPTIONS"),
    ("show-shards", "SHOW SHARDS"),
    ("show-shard-groups", "SHOW SHARD GROUPS"),
    ("show-measurements", "SHOW MEASUREMENTS ON db0"),
    ("show-tag-keys", "SHOW TAG KEYS ON db0"),
    ("show-series", "SHOW SERIES ON db0"),
    ("show-field-keys", "SHOW FIELD KEYS ON db0"),
    ("show-stats", "SHOW STATS"),
    ("show-diagnostics", "SHOW DIAGNOSTICS"),
    ("create-database", "CREATE DATABASE made"),
    ("drop-database", "DROP DATABASE nothere"),
    ("create-rp", "CREATE RETENTION POLICY rx ON db0 DURATION 2h REPLICATION 1"),
    ("alter-rp", "ALTER RETENTION POLICY rx ON db0 DURATION 3h"),
    ("drop-rp", "DROP RETENTION POLICY ry ON db0"),
    ("create-user", "CREATE USER tmp WITH PASSWORD 'tmp'"),
    ("set-password", "SET PASSWORD FOR tmp = 'tmp'"),
    ("grant", "GRANT READ ON db0 TO tmp"),
    ("revoke", "REVOKE READ ON db0 FROM tmp"),
    ("drop-user", "DROP USER nouser"),
    ("create-cq", "CREATE CONTINUOUS QUERY cq ON db0 BEGIN SELECT mean(v) INTO m2 FROM m GROUP BY time(1h) END"),
    ("drop-cq", "DROP CONTINUOUS QUERY nocq ON db0"),
    ("create-subscription", "CREATE SUBSCRIPTION s ON db0.autogen DESTINATIONS ALL 'udp://h:1'"),
    ("drop-subscription", "DROP SUBSCRIPTION nosub ON db0.autogen"),
    ("drop-shard", "DROP SHARD 999"),
    ("drop-measurement", "DROP MEASUREMENT nothing"),
    ("kill-query", "KILL QUERY 999999"),
    ("select-db0", "SELECT * FROM db0.autogen.nothing"),
    ("select-db1", "SELECT * FROM db1.autogen.nothing"),
    ("select-into", "SELECT * INTO db1.autogen.x FROM db0.autogen.nothing"),
    ("delete", "DELETE FROM nothing"),
    ("drop-series", "DROP SERIES FROM nothing"),
]


def auth_cases():
    c = []
    add = c.append
    add(post("bootstrap-show-databases-refused", "SHOW DATABASES"))
    add(get("bootstrap-ping-open", "SHOW DATABASES"))
    add({"name": "bootstrap-write-refused", "method": "POST", "path": "/write", "query": "db=db0", "body": "m v=1"})
    add(post("bootstrap-create-user-not-admin-refused", "CREATE USER x WITH PASSWORD 'x'"))
    add(post("bootstrap-create-admin-second-statement-refused", "SHOW USERS; CREATE USER root WITH PASSWORD 'rootpw' WITH ALL PRIVILEGES"))
    add(post("bootstrap-create-admin", "CREATE USER root WITH PASSWORD 'rootpw' WITH ALL PRIVILEGES"))
    add(post("no-credentials", "SHOW DATABASES"))
    add({"name": "no-credentials-write", "method": "POST", "path": "/write", "query": "db=db0", "body": "m v=1"})
    add({"name": "ping-needs-no-auth", "method": "GET", "path": "/ping"})
    add(post("wrong-password", "SHOW DATABASES", params={"u": "root", "p": "nope"}))
    add(post("unknown-user", "SHOW DATABASES", params={"u": "ghost", "p": "nope"}))
    add(post("u-without-p", "SHOW DATABASES", params={"u": "root"}))
    add(post("admin-url-credentials", "SHOW DATABASES", params={"u": "root", "p": "rootpw"}))
    basic = lambda u, p: [["Authorization", "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()]]
    add(post("admin-basic", "SHOW DATABASES", headers=basic("root", "rootpw")))
    add(post("basic-wrong-password", "SHOW DATABASES", headers=basic("root", "bad")))
    add(post("basic-empty-user", "SHOW DATABASES", headers=basic("", "pw")))
    add(post("basic-garbage", "SHOW DATABASES", headers=[["Authorization", "Basic !!!"]]))
    add(post("basic-lowercase-scheme", "SHOW DATABASES", headers=[["Authorization", "basic " + base64.b64encode(b"root:rootpw").decode()]]))
    add(post("unknown-scheme", "SHOW DATABASES", headers=[["Authorization", "Digest abc"]]))
    add(post("bearer-without-secret", "SHOW DATABASES", headers=[["Authorization", "Bearer " + jwt({"username": "root", "exp": 4102444800})]]))
    add(post("url-credentials-win-over-basic", "SHOW DATABASES", params={"u": "root", "p": "rootpw"}, headers=basic("root", "bad")))
    # Users for the matrix.
    for role, (user, pw) in ROLES.items():
        if role != "admin":
            add(post(f"setup-user-{role}", f"CREATE USER {user} WITH PASSWORD '{pw}'", params={"u": "root", "p": "rootpw"}))
    add(post("setup-databases", "CREATE DATABASE db0; CREATE DATABASE db1; CREATE RETENTION POLICY ry ON db0 DURATION 2h REPLICATION 1", params={"u": "root", "p": "rootpw"}))
    add(post("setup-grant-reader", "GRANT READ ON db0 TO reader", params={"u": "root", "p": "rootpw"}))
    add(post("setup-grant-writer", "GRANT WRITE ON db0 TO writer", params={"u": "root", "p": "rootpw"}))
    # Writes by role.
    for role, (user, pw) in ROLES.items():
        add({"name": f"write-{role}", "method": "POST", "path": "/write", "query": f"db=db0&u={user}&p={pw}&precision=s", "body": "m v=1 1000000000"})
    add({"name": "write-writer-other-db", "method": "POST", "path": "/write", "query": "db=db1&u=writer&p=writepw", "body": "m v=1 1000000000"})
    add({"name": "write-missing-db-before-auth", "method": "POST", "path": "/write", "query": "db=nothere&u=nobody&p=nopw", "body": "m v=1"})
    # Every statement kind by every role (admin last, so refusals see the state before it).
    for name, q in MATRIX:
        for role in ["nobody", "reader", "writer", "admin"]:
            if role == "admin" and name in ("show-stats", "show-diagnostics"):
                continue  # runtime figures and ports: not reproducible
            user, pw = ROLES[role]
            add(post(f"matrix-{name}-{role}", q, params={"u": user, "p": pw, "db": "db0"}))
    # 1.8's Token scheme is not in 1.6.7: recorded to document that 1.6 refuses it.
    add(post("select-without-db-param-reader", "SELECT * FROM nothing", params={"u": "reader", "p": "readpw"}))
    add(post("show-rp-no-db-reader", "SHOW RETENTION POLICIES", params={"u": "reader", "p": "readpw"}))
    add(post("drop-user-admin-self", "SHOW USERS", params={"u": "root", "p": "rootpw"}))
    return c


def jwt_cases():
    c = []
    add = c.append
    bearer = lambda t: [["Authorization", "Bearer " + t]]
    add(post("jwt-bootstrap-open", "CREATE USER root WITH PASSWORD 'rootpw' WITH ALL PRIVILEGES"))
    add(post("jwt-setup-reader", "CREATE USER reader WITH PASSWORD 'readpw'; CREATE DATABASE db0; GRANT READ ON db0 TO reader", params={"u": "root", "p": "rootpw"}))
    add(post("jwt-admin", "SHOW DATABASES", headers=bearer(jwt({"username": "root", "exp": 4102444800}))))
    add(post("jwt-reader", "SHOW DATABASES", headers=bearer(jwt({"username": "reader", "exp": 4102444800}))))
    add(post("jwt-reader-refused", "SHOW USERS", headers=bearer(jwt({"username": "reader", "exp": 4102444800}))))
    add(post("jwt-hs512", "SHOW USERS", headers=bearer(jwt({"username": "root", "exp": 4102444800}, alg="HS512"))))
    add(post("jwt-wrong-secret", "SHOW DATABASES", headers=bearer(jwt({"username": "root", "exp": 4102444800}, secret="other"))))
    add(post("jwt-expired", "SHOW DATABASES", headers=bearer(jwt({"username": "root", "exp": 1000}))))
    add(post("jwt-expired-wrong-secret", "SHOW DATABASES", headers=bearer(jwt({"username": "root", "exp": 1000}, secret="other"))))
    add(post("jwt-no-exp", "SHOW DATABASES", headers=bearer(jwt({"username": "root"}))))
    add(post("jwt-zero-exp", "SHOW DATABASES", headers=bearer(jwt({"username": "root", "exp": 0}))))
    add(post("jwt-no-username", "SHOW DATABASES", headers=bearer(jwt({"exp": 4102444800}))))
    add(post("jwt-empty-username", "SHOW DATABASES", headers=bearer(jwt({"username": "", "exp": 4102444800}))))
    add(post("jwt-numeric-username", "SHOW DATABASES", headers=bearer(jwt({"username": 7, "exp": 4102444800}))))
    add(post("jwt-unknown-user", "SHOW DATABASES", headers=bearer(jwt({"username": "ghost", "exp": 4102444800}))))
    add(post("jwt-two-segments", "SHOW DATABASES", headers=bearer("abc.def")))
    add(post("jwt-future-nbf", "SHOW DATABASES", headers=bearer(jwt({"username": "root", "exp": 4102444800, "nbf": 4102444000}))))
    add({"name": "jwt-write-reader-refused", "method": "POST", "path": "/write", "query": "db=db0", "body": "m v=1",
         "headers": bearer(jwt({"username": "reader", "exp": 4102444800}))})
    add({"name": "jwt-write-admin", "method": "POST", "path": "/write", "query": "db=db0", "body": "m v=1 1000000000",
         "headers": bearer(jwt({"username": "root", "exp": 4102444800}))})
    return c


def series_cases():
    c = []
    add = c.append
    db = {"db": "db0"}
    lines = "\n".join([
        "cpu,host=a,region=east usage=1,idle=2i 1000000000",
        "cpu,host=b,region=west usage=3,idle=4i 2000000000",
        "cpu,host=c usage=5 3000000000",
        "mem,host=a free=10i,used=\"x\" 1000000000",
        "mem,host=b free=11i 2000000000",
        "disk,host=a,path=/ ok=true 1000000000",
        "weird\\ name,tag\\ key=v\\,1 f=1 1000000000",
        "nomore v=1 1000000000",
    ])
    add({"name": "write-series", "method": "POST", "path": "/write", "query": "db=db0&precision=n", "body": lines})
    add({"name": "write-series-2019", "method": "POST", "path": "/write", "query": "db=db0&precision=s", "body": "cpu,host=d usage=7 1560000000\nswap,host=z in=1i 1560000000"})
    add(post("show-measurements", "SHOW MEASUREMENTS", params=db))
    add(post("show-measurements-on", "SHOW MEASUREMENTS ON db0"))
    add(post("show-measurements-no-db", "SHOW MEASUREMENTS"))
    add(post("show-measurements-missing-db", "SHOW MEASUREMENTS ON nothere"))
    add(post("show-measurements-limit", "SHOW MEASUREMENTS LIMIT 2", params=db))
    add(post("show-measurements-offset", "SHOW MEASUREMENTS LIMIT 2 OFFSET 1", params=db))
    add(post("show-measurements-offset-past", "SHOW MEASUREMENTS OFFSET 50", params=db))
    add(post("show-measurements-with-eq", "SHOW MEASUREMENTS WITH MEASUREMENT = cpu", params=db))
    add(post("show-measurements-with-regex", "SHOW MEASUREMENTS WITH MEASUREMENT =~ /^(c|m)/", params=db))
    add(post("show-measurements-where-tag", "SHOW MEASUREMENTS WHERE host = 'b'", params=db))
    add(post("show-measurements-where-regex", "SHOW MEASUREMENTS WHERE region =~ /e/", params=db))
    add(post("show-measurements-where-none", "SHOW MEASUREMENTS WHERE host = 'nobody'", params=db))
    add(post("show-measurements-where-or", "SHOW MEASUREMENTS WHERE host = 'z' OR path = '/'", params=db))
    add(post("show-series", "SHOW SERIES", params=db))
    add(post("show-series-on", "SHOW SERIES ON db0"))
    add(post("show-series-from", "SHOW SERIES FROM cpu", params=db))
    add(post("show-series-from-regex", "SHOW SERIES FROM /^m/", params=db))
    add(post("show-series-where", "SHOW SERIES WHERE host = 'a'", params=db))
    add(post("show-series-where-neq", "SHOW SERIES FROM cpu WHERE region != 'east'", params=db))
    add(post("show-series-limit-offset", "SHOW SERIES LIMIT 3 OFFSET 2", params=db))
    add(post("show-series-csv", "SHOW SERIES FROM cpu", params=db, headers=[["Accept", "application/csv"]]))
    add(post("show-series-missing-measurement", "SHOW SERIES FROM nothing", params=db))
    add(post("show-tag-keys", "SHOW TAG KEYS", params=db))
    add(post("show-tag-keys-from", "SHOW TAG KEYS FROM cpu", params=db))
    add(post("show-tag-keys-limit", "SHOW TAG KEYS LIMIT 1", params=db))
    add(post("show-tag-keys-offset", "SHOW TAG KEYS OFFSET 1", params=db))
    add(post("show-tag-keys-no-db", "SHOW TAG KEYS"))
    add(post("show-tag-keys-where", "SHOW TAG KEYS WHERE host = 'c'", params=db))
    add(post("show-tag-values-eq", "SHOW TAG VALUES WITH KEY = host", params=db))
    add(post("show-tag-values-from", "SHOW TAG VALUES FROM cpu WITH KEY = host", params=db))
    add(post("show-tag-values-in", 'SHOW TAG VALUES FROM cpu WITH KEY IN ("host", "region")', params=db))
    add(post("show-tag-values-regex", "SHOW TAG VALUES WITH KEY =~ /^(path|region)$/", params=db))
    add(post("show-tag-values-neq", "SHOW TAG VALUES FROM cpu WITH KEY != host", params=db))
    add(post("show-tag-values-where", "SHOW TAG VALUES FROM cpu WITH KEY = host WHERE region = 'west'", params=db))
    add(post("show-tag-values-limit", "SHOW TAG VALUES WITH KEY = host LIMIT 1", params=db))
    add(post("show-tag-values-no-db", "SHOW TAG VALUES WITH KEY = host"))
    add(post("show-field-keys", "SHOW FIELD KEYS", params=db))
    add(post("show-field-keys-on", "SHOW FIELD KEYS ON db0"))
    add(post("show-field-keys-from", "SHOW FIELD KEYS FROM mem", params=db))
    add(post("show-field-keys-no-db", "SHOW FIELD KEYS"))
    add(post("show-series-cardinality", "SHOW SERIES CARDINALITY", params=db))
    add(post("show-measurement-cardinality", "SHOW MEASUREMENT CARDINALITY", params=db))
    add(post("show-series-cardinality-no-db", "SHOW SERIES CARDINALITY"))
    add(post("drop-series-where", "DROP SERIES FROM cpu WHERE host = 'b'", params=db))
    add(post("show-series-after-drop-series", "SHOW SERIES FROM cpu", params=db))
    add(post("drop-series-time", "DROP SERIES FROM cpu WHERE time > 0", params=db))
    add(post("drop-series-no-db", "DROP SERIES FROM cpu"))
    add(post("drop-series-all-of-measurement", "DROP SERIES FROM disk", params=db))
    add(post("show-measurements-after-drop-series", "SHOW MEASUREMENTS", params=db))
    add(post("delete-time-range", "DELETE FROM cpu WHERE time < '2019-01-01T00:00:00Z'", params=db))
    add(post("delete-where-tag", "DELETE WHERE host = 'z'", params=db))
    add(post("delete-missing-db", "DELETE FROM cpu", params={"db": "nothere"}))
    add(post("drop-measurement", "DROP MEASUREMENT mem", params=db))
    add(post("drop-measurement-missing", "DROP MEASUREMENT nothing", params=db))
    add(post("drop-measurement-no-db", "DROP MEASUREMENT mem"))
    add(post("show-measurements-after-drop", "SHOW MEASUREMENTS", params=db))
    add(post("show-field-keys-after-drop", "SHOW FIELD KEYS", params=db))
    add(post("show-tag-keys-after-drop", "SHOW TAG KEYS", params=db))
    add(post("kill-query-missing", "KILL QUERY 12345"))
    return c


def write(group, description, cases, config=None, setup=None):
    spec = {"group": group, "description": description}
    if config:
        spec["config"] = config
    if setup:
        spec["setup"] = setup
    spec["cases"] = cases
    path = os.path.join(ROOT, "Tests/Golden/cases", group + ".json")
    with open(path, "w") as f:
        json.dump(spec, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"{os.path.relpath(path, ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    write("query-admin", "Administration statements over /query: databases, retention policies, users, grants, CQs, subscriptions, shards; formats; several statements; bound parameters (generated by tools/golden/make-query-cases.py)", admin_cases())
    write("query-series", "Series metadata statements and deletes over written data: SHOW MEASUREMENTS/SERIES/TAG KEYS/TAG VALUES/FIELD KEYS, cardinality, DROP SERIES/MEASUREMENT, DELETE (generated by tools/golden/make-query-cases.py)", series_cases(), setup={"databases": ["db0"]})
    write("query-auth", "Authentication and authorization: bootstrap, credentials, statement kind x role matrix, write authorization (generated by tools/golden/make-query-cases.py)", auth_cases(), config={"http": {"auth-enabled": True}})
    write("query-auth-jwt", "Bearer JWT authentication with a shared secret (generated by tools/golden/make-query-cases.py)", jwt_cases(), config={"http": {"auth-enabled": True, "shared-secret": "s3cret"}})
