"""Seeded InfluxQL queries and HTTP parameters over the schema of datagen.

A case is a dict of parts (see `render`); `shrink.py` removes or simplifies parts one at a
time. Select items are lists of texts, most complex first: simplifying an item drops its head.
"""
import datetime, urllib.parse

from datagen import DAY

MIN = 60 * 10**9
HOUR = 60 * MIN

AGGREGATES = ["count", "mean", "median", "mode", "spread", "stddev", "sum", "integral"]
SELECTORS = ["first", "last", "min", "max", "percentile", "top", "bottom", "distinct", "sample"]
TRANSFORMS = ["derivative", "non_negative_derivative", "difference", "non_negative_difference",
              "moving_average", "cumulative_sum", "elapsed"]
MATH1 = ["abs", "ceil", "floor", "round", "sqrt", "ln", "log2", "log10", "exp", "sin", "cos",
         "tan", "asin", "acos", "atan"]
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Berlin"]
EPOCHS = ["ns", "n", "u", "µ", "ms", "s", "m", "h", "x"]
FILLS = ["null", "none", "0", "-1.5", "7", "previous", "linear"]


def quote_ident(name):
    if name.replace("_", "a").isalnum() and not name[0].isdigit() and name.isascii():
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_string(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def rfc3339(ns):
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    frac = ns % 10**9
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac:09d}".rstrip("0") if frac else "") + "Z"


def duration(ns):
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MIN), ("s", 10**9)):
        if ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns // 1000}u"


class Gen:
    def __init__(self, rng, schema):
        self.rng = rng
        self.schema = schema

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, xs):
        return self.rng.choice(xs)

    # --- sources and fields -------------------------------------------------------------

    def measurement(self):
        r = self.rng.random()
        if r < 0.6:
            return "cpu"
        if r < 0.75:
            return "mem"
        if r < 0.85:
            return "weird m"
        return None  # special sources below

    def source(self, m):
        if m is not None:
            if self.chance(0.1):
                return f"db.rp2.{quote_ident(m)}"
            if self.chance(0.05):
                return f"db..{quote_ident(m)}"
            return quote_ident(m)
        return self.pick(["/^c/", "cpu, mem", "/m/", "nosuch", "/^(cpu|weird m)$/", "mem, /^w/"])

    def fields_of(self, m, typ=None):
        spec = self.schema["measurements"].get(m or "cpu")
        return [f for f, t in spec["fields"].items() if typ is None or t in typ]

    def tags_of(self, m):
        return list(self.schema["measurements"].get(m or "cpu")["tags"])

    def field(self, m, numeric=True):
        if self.chance(0.04):
            return self.pick(["nosuch", "host", "region", "time"])
        fields = self.fields_of(m, ("float", "integer") if numeric and self.chance(0.9) else None)
        return quote_ident(self.pick(fields))

    # --- time ---------------------------------------------------------------------------

    def time_literal(self, ns):
        r = self.rng.random()
        if r < 0.45:
            return quote_string(rfc3339(ns))
        if r < 0.9:
            return str(ns)
        return f"{ns // 10**9}s"

    def time_range(self, need_bounds):
        start, end = self.schema["busy"]
        if self.chance(0.15):
            lo, hi = self.schema["start"] - DAY, self.schema["end"] + DAY
        else:
            span = self.pick([20 * MIN, HOUR, 2 * HOUR, 6 * HOUR])
            lo = start + self.rng.randrange(0, (end - start) // MIN) * MIN - self.pick([0, 0, 7 * 10**9, 30 * MIN])
            hi = lo + span
        conds = []
        if need_bounds or self.chance(0.8):
            conds.append(f"time >= {self.time_literal(lo)}" if self.chance(0.8) else f"time > {self.time_literal(lo)}")
        if need_bounds or self.chance(0.6):
            conds.append(f"time < {self.time_literal(hi)}" if self.chance(0.8) else f"time <= {self.time_literal(hi)}")
        return conds, hi - lo

    def interval_for(self, span):
        if span > 2 * DAY:
            return self.pick([DAY, 12 * HOUR, 7 * DAY, 3 * DAY])
        choices = [i for i in (MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 90 * 10**9, 7 * MIN)
                   if span // i <= 200]
        return self.pick(choices or [span])

    # --- conditions -----------------------------------------------------------------------

    def tag_condition(self, m):
        key = self.pick(self.tags_of(m))
        values = self.schema["measurements"][m or "cpu"]["tags"][key]
        r = self.rng.random()
        if r < 0.4:
            return f"{quote_ident(key)} = {quote_string(self.pick(values + ['']))}"
        if r < 0.55:
            return f"{quote_ident(key)} != {quote_string(self.pick(values + ['']))}"
        if r < 0.75:
            return f"{quote_ident(key)} =~ /{self.pick(['^a', 'b', '^$', '.', '日', ',', '^(a|b)$', '^[0-9]+$', 'A|c'])}/"
        if r < 0.85:
            return f"{quote_ident(key)} !~ /{self.pick(['^a', '^$', 'x', '.*'])}/"
        a = f"{quote_ident(key)} = {quote_string(self.pick(values))}"
        b = f"{quote_ident(key)} = {quote_string(self.pick(values))}"
        return f"({a} OR {b})"

    def field_condition(self, m):
        spec = self.schema["measurements"][m or "cpu"]["fields"]
        f = self.pick(list(spec))
        typ = spec[f]
        op = self.pick(["=", "!=", ">", "<", ">=", "<="])
        r = self.rng.random()
        if r < 0.15:
            lit = self.pick(["'text'", "true", "1", "0.5", "'x'"])  # possibly another type
        elif typ in ("float", "integer"):
            lit = self.pick(["0", "10", "-5", "50.5", "100", "1e3"])
        elif typ == "boolean":
            lit = self.pick(["true", "false"])
            op = self.pick(["=", "!="])
        else:
            lit = quote_string(self.pick(["x", "y", "", "hello world"]))
            op = self.pick(["=", "!=", "=~", "!~"]) if self.chance(0.9) else op
            if op in ("=~", "!~"):
                lit = self.pick(["/^h/", "/o/", "/^$/"])
        cond = f"{quote_ident(f)} {op} {lit}"
        if self.chance(0.1):
            cond = f"({cond} OR {quote_ident(f)} {self.pick(['>', '<'])} 0)"
        if self.chance(0.05):
            cond = f"{quote_ident(f)} + 1 > 10"
        return cond

    def where(self, m, need_bounds):
        conds, span = [], None
        if need_bounds or self.chance(0.6):
            tconds, span = self.time_range(need_bounds)
            conds += tconds
        if m is not None and self.chance(0.4):
            conds.append(self.tag_condition(m))
        if m is not None and self.chance(0.25):
            conds.append(self.field_condition(m))
        self.rng.shuffle(conds)
        return conds, span

    # --- select items ----------------------------------------------------------------------

    def call(self, m, fn):
        f = self.field(m, numeric=fn not in ("count", "first", "last", "distinct", "mode"))
        if fn == "percentile":
            return [f"percentile({f}, {self.pick(['50', '90', '0', '100', '99.9', '33.3'])})", f"max({f})"]
        if fn in ("top", "bottom"):
            n = self.pick(["1", "2", "3", "10"])
            if self.chance(0.3):
                return [f"{fn}({f}, {quote_ident(self.pick(self.tags_of(m)))}, {n})", f"{fn}({f}, {n})", f"max({f})"]
            return [f"{fn}({f}, {n})", f"max({f})"]
        if fn == "sample":
            return [f"sample({f}, 1000)", f"first({f})"]
        if fn == "integral":
            return [f"integral({f}, {self.pick(['1s', '1m', '1h'])})", f"integral({f})", f"sum({f})"] if self.chance(0.5) \
                else [f"integral({f})", f"sum({f})"]
        if fn == "distinct" and self.chance(0.5):
            return [f"count(distinct({f}))", f"distinct({f})", f"count({f})"]
        return [f"{fn}({f})"] if fn == "count" else [f"{fn}({f})", f"count({f})"]

    def transform(self, inner, fn):
        arg = inner[0]
        if fn in ("derivative", "non_negative_derivative", "elapsed") and self.chance(0.5):
            return [f"{fn}({arg}, {self.pick(['1s', '1m', '10m', '1h'])})", f"{fn}({arg})"] + inner
        if fn == "moving_average":
            return [f"moving_average({arg}, {self.pick(['1', '2', '3', '5'])})"] + inner
        return [f"{fn}({arg})"] + inner

    def math(self, inner):
        arg = inner[0]
        r = self.rng.random()
        if r < 0.5:
            return [f"{self.pick(MATH1)}({arg})"] + inner
        if r < 0.6:
            return [f"log({arg}, {self.pick(['2', '10', '0.5'])})"] + inner
        if r < 0.7:
            return [f"pow({arg}, {self.pick(['2', '0.5', '-1'])})"] + inner
        if r < 0.75:
            return [f"atan2({arg}, 2)"] + inner
        return [f"{arg} {self.pick(['+', '-', '*', '/', '%'])} {self.pick(['2', '0', '1.5', '-3'])}"] + inner

    def alias(self, item, used):
        if self.chance(0.15):
            name = self.pick(["a", "b", "mv", "x y", "time", "v"])
            used.append(name)
            return [f"{item[0]} AS {quote_ident(name)}"] + item
        return item

    # --- whole queries -----------------------------------------------------------------------

    def base(self, m):
        return {"kind": "select", "items": [], "source": self.source(m), "where": [], "group": [],
                "fill": None, "order": None, "limit": None, "offset": None, "slimit": None,
                "soffset": None, "tz": None}

    def limits(self, q, raw=False):
        if self.chance(0.2):
            q["limit"] = self.pick([1, 2, 3, 5, 10])
        if self.chance(0.15):
            q["offset"] = self.pick([1, 2, 5])
        if self.chance(0.15):
            q["slimit"] = self.pick([1, 2, 3])
        if self.chance(0.1):
            q["soffset"] = self.pick([1, 2])
        if self.chance(0.15):
            q["order"] = "time DESC"
        if self.chance(0.08):
            q["tz"] = self.pick(ZONES)

    def group_tags(self, m, q):
        if self.chance(0.45):
            tags = self.tags_of(m)
            r = self.rng.random()
            if r < 0.2:
                q["group"].append("*")
            elif r < 0.3:
                q["group"].append(self.pick(["/o/", "/^h/", "/./"]))
            else:
                for t in self.rng.sample(tags, self.rng.randint(1, len(tags))):
                    q["group"].append(quote_ident(t))
                if self.chance(0.1):
                    q["group"].append("nosuchtag")

    def raw_select(self, m):
        q = self.base(m)
        items = []
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.random()
            if r < 0.2:
                items.append(["*"])
            elif r < 0.3 and m is not None:
                items.append([quote_ident(self.pick(self.tags_of(m))), self.field(m)])
            elif r < 0.4:
                f = self.field(m)
                items.append([f"{f}::{self.pick(['float', 'integer', 'string', 'boolean', 'field', 'tag'])}", f])
            elif r < 0.5:
                items.append(self.math([self.field(m)]))
            else:
                items.append([self.field(m, numeric=False)])
        used = []
        q["items"] = [self.alias(i, used) for i in items]
        q["where"], _ = self.where(m, False)
        if self.chance(0.3):
            self.group_tags(m, q)
        self.limits(q, raw=True)
        return q

    def aggregate_select(self, m):
        q = self.base(m)
        q["where"], span = self.where(m, need_bounds=self.chance(0.75))
        grouped = span is not None and "time <" in " ".join(q["where"]) + " " and self.chance(0.75)
        if grouped:
            # a lower bound is needed as well for buckets; where() gave one when bounded
            if any(c.startswith("time >") for c in q["where"]):
                interval = self.interval_for(span)
                g = f"time({duration(interval)}"
                if self.chance(0.2):
                    g += f", {self.pick(['1m', '-5m', '30s', '2h', '-1h'])}"
                q["group"].append(g + ")")
                if self.chance(0.5):
                    q["fill"] = self.pick(FILLS)
        self.group_tags(m, q)
        items, used = [], []
        shape = self.rng.random()
        n = self.rng.randint(1, 3) if shape < 0.5 else 1
        for _ in range(n):
            fn = self.pick(AGGREGATES + SELECTORS)
            item = self.call(m, fn)
            if fn in ("top", "bottom", "distinct", "sample") and n > 1:
                item = self.call(m, "mean")  # 1.x refuses these beside other calls; tried below
            r = self.rng.random()
            if r < 0.25:
                item = self.math(item)
            elif r < 0.45 and fn not in ("top", "bottom", "distinct", "sample"):
                item = self.transform(item, self.pick(TRANSFORMS))
            items.append(self.alias(item, used))
        if self.chance(0.05):
            items.append([quote_ident(self.pick(self.tags_of(m))) if m else "host", "count(v)"])
        if self.chance(0.05):
            items.append([self.field(m)])  # a plain field beside an aggregate: usually an error
        q["items"] = items
        self.limits(q)
        return q

    def transform_select(self, m):
        q = self.base(m)
        q["where"], _ = self.where(m, False)
        q["items"] = [self.transform([self.field(m)], self.pick(TRANSFORMS))]
        if self.chance(0.2):
            q["items"].append([self.field(m)])
        if self.chance(0.3):
            self.group_tags(m, q)
        self.limits(q)
        return q

    def subquery_select(self, m):
        inner = self.aggregate_select(m) if self.chance(0.7) else self.raw_select(m)
        q = self.base(m)
        q["source"] = inner
        r = self.rng.random()
        if r < 0.4:
            q["items"] = [[f"{self.pick(['max', 'min', 'mean', 'count', 'sum', 'last'])}(*)", "*"]]
        elif r < 0.6 and m is not None:
            q["items"] = [[quote_ident(self.pick(self.tags_of(m))), "*"]]
        else:
            q["items"] = [["*"]]
        if self.chance(0.3) and m is not None:
            q["group"].append(quote_ident(self.pick(self.tags_of(m))))
        if self.chance(0.2):
            q["limit"] = self.pick([1, 2, 5])
        if self.chance(0.1):
            q["order"] = "time DESC"
        return q

    def show(self, m):
        r = self.rng.random()
        q = {"kind": "show", "head": "", "from": None, "with": None, "where": [], "limit": None, "offset": None}
        name = quote_ident(m) if m else self.pick(["/^c/", "cpu, mem"])
        if r < 0.15:
            q["head"] = "SHOW MEASUREMENTS"
            if self.chance(0.3):
                q["with"] = self.pick(["WITH MEASUREMENT =~ /^c/", "WITH MEASUREMENT = mem", "WITH MEASUREMENT =~ /m/"])
        elif r < 0.3:
            q["head"] = "SHOW TAG KEYS"
            q["from"] = name if self.chance(0.6) else None
        elif r < 0.5:
            q["head"] = "SHOW TAG VALUES"
            q["from"] = name if self.chance(0.6) else None
            q["with"] = self.pick(["WITH KEY = host", "WITH KEY IN (host, region)", "WITH KEY =~ /o/", "WITH KEY != host", 'WITH KEY = "t k"'])
        elif r < 0.6:
            q["head"] = "SHOW FIELD KEYS"
            q["from"] = name if self.chance(0.7) else None
        elif r < 0.8:
            q["head"] = "SHOW SERIES"
            q["from"] = name if self.chance(0.6) else None
        else:
            q["head"] = self.pick(["SHOW SERIES CARDINALITY", "SHOW MEASUREMENT CARDINALITY", "SHOW TAG KEY CARDINALITY",
                                   "SHOW FIELD KEY CARDINALITY", "SHOW SERIES EXACT CARDINALITY",
                                   "SHOW MEASUREMENT EXACT CARDINALITY", "SHOW TAG VALUES CARDINALITY",
                                   "SHOW TAG VALUES EXACT CARDINALITY", "SHOW TAG KEY EXACT CARDINALITY",
                                   "SHOW FIELD KEY EXACT CARDINALITY", "SHOW RETENTION POLICIES", "SHOW DATABASES"])
            if "TAG VALUES" in q["head"]:
                q["with"] = "WITH KEY = host"
            if "CARDINALITY" in q["head"] and self.chance(0.5):
                q["from"] = name
        if not q["head"].startswith(("SHOW RETENTION", "SHOW DATABASES")):
            if self.chance(0.35):
                q["where"].append(self.tag_condition(m if m in self.schema["measurements"] else "cpu"))
            if self.chance(0.05):
                q["where"].append(self.time_range(True)[0][0])
            if "CARDINALITY" not in q["head"]:
                if self.chance(0.2):
                    q["limit"] = self.pick([1, 2, 5])
                if self.chance(0.15):
                    q["offset"] = self.pick([1, 3])
        return q

    def params(self):
        p = {"method": "POST", "epoch": None, "chunked": None, "chunk_size": None, "pretty": False, "accept": None}
        if self.chance(0.1):
            p["method"] = "GET"
        if self.chance(0.3):
            p["epoch"] = self.pick(EPOCHS)
        if self.chance(0.25):
            p["chunked"] = "true"
            if self.chance(0.8):
                p["chunk_size"] = self.pick([1, 2, 3, 5, 10, 100])
        if self.chance(0.05):
            p["pretty"] = True
        r = self.rng.random()
        if r < 0.08:
            p["accept"] = "application/csv"
        elif r < 0.12:
            p["accept"] = "application/x-msgpack"
        return p

    def case(self):
        m = self.measurement()
        r = self.rng.random()
        if r < 0.2:
            q = self.raw_select(m)
        elif r < 0.65:
            q = self.aggregate_select(m)
        elif r < 0.75:
            q = self.transform_select(m)
        elif r < 0.85:
            q = self.subquery_select(m if m else "cpu")
        else:
            q = self.show(m)
        extra = self.case_extra() if self.chance(0.03) else None
        return {"query": q, "second": extra, "params": self.params()}

    def case_extra(self):
        return self.show("cpu")


# --- rendering -------------------------------------------------------------------------------

def render_query(q):
    if q["kind"] == "show":
        parts = [q["head"]]
        if q["from"]:
            parts.append(f"FROM {q['from']}")
        if q["with"]:
            parts.append(q["with"])
        if q["where"]:
            parts.append("WHERE " + " AND ".join(q["where"]))
        if q["limit"] is not None:
            parts.append(f"LIMIT {q['limit']}")
        if q["offset"] is not None:
            parts.append(f"OFFSET {q['offset']}")
        return " ".join(parts)
    source = q["source"] if isinstance(q["source"], str) else f"({render_query(q['source'])})"
    parts = ["SELECT " + ", ".join(i[0] for i in q["items"]), f"FROM {source}"]
    if q["where"]:
        parts.append("WHERE " + " AND ".join(q["where"]))
    if q["group"]:
        parts.append("GROUP BY " + ", ".join(q["group"]))
    if q["fill"]:
        parts.append(f"fill({q['fill']})")
    if q["order"]:
        parts.append(f"ORDER BY {q['order']}")
    for key in ("limit", "offset", "slimit", "soffset"):
        if q[key] is not None:
            parts.append(f"{key.upper()} {q[key]}")
    if q["tz"]:
        parts.append(f"tz('{q['tz']}')")
    return " ".join(parts)


def render(case):
    """(method, path, query string, body, headers, statement text) of one case."""
    text = render_query(case["query"])
    if case["second"]:
        text += "; " + render_query(case["second"])
    p = case["params"]
    params = {"db": "db"}
    for key in ("epoch", "chunked", "chunk_size"):
        if p[key] is not None:
            params[key] = str(p[key])
    if p["pretty"]:
        params["pretty"] = "true"
    headers = []
    if p["accept"]:
        headers.append(("Accept", p["accept"]))
    if p["method"] == "GET":
        params["q"] = text
        return "GET", "/query", urllib.parse.urlencode(params), b"", headers, text
    headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    return "POST", "/query", urllib.parse.urlencode(params), urllib.parse.urlencode({"q": text}).encode(), headers, text
