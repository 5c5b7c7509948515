"""InfluxQL for /query: statements from a grammar (every function, every statement kind, extreme
numbers, durations and time literals, regexes including pathological ones, nested subqueries),
then token-level mutations (drop/duplicate/swap/replace tokens, deep nesting of parentheses,
calls and subqueries, long OR chains, 100k-character literals, raw bytes).

`statement(rng, features)` returns the query as bytes; `features` (a set) collects short names of
the constructs used, for triage.
"""
import re
import time

INT_MAX = 9223372036854775807
INT_MIN = -9223372036854775808

# The seed dataset (see dataset.py): measurements, fields and tags the grammar refers to.
MEASUREMENTS = ["cpu", "h2o", "strings", "mixed", "edge", '"weird measurement, name=1"', "hourly_m", "nosuch"]
FIELDS = ["usage", "count", "ok", "msg", "big", "value", "u", "level", '"field with space"', "nosuch_f"]
NUMERIC_FIELDS = ["usage", "count", "big", "value", "level"]
TAGS = ["host", "region", '"tag with space"', "location", "nosuch_t"]
TAG_VALUES = ["a", "b c", "d,e", "f=g", "ünï", "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "santa_monica", "nosuch"]
DATABASES = ["fuzz", "fuzz2", '"ünï db"', "scratch_db", "nosuch_db", "_internal"]
RPS = ["autogen", "hourly", "tiny", '"rp.dot"', "scratch_rp", "nosuch_rp"]

NUMBERS = ["0", "1", "-1", "2", "3", "10", "100", "1000", "65535", "2147483647", "2147483648", "4294967296",
           str(INT_MAX), str(INT_MAX + 1), str(INT_MIN), str(INT_MIN + 1), "-9223372036854775809",
           "18446744073709551616", "99999999999999999999999999", "0.5", "-0.5", "1.5", "1e3", "1e308", "1e309",
           "-1e309", "0.0", "-0", "00", "0x10", "1.", ".1"]
BIG_NUMBERS = [str(INT_MAX), str(INT_MAX + 1), str(INT_MIN), str(INT_MIN + 1), "2147483647", "2147483648",
               "4294967295", "-1", "0", "1000000000", "99999999999999999999999999"]
DURATIONS = ["1ns", "1u", "1µ", "1ms", "1s", "10s", "1m", "5m", "1h", "12h", "1d", "1w", "52w", "0s", "0ns",
             "-1s", "-1h", "9223372036854775807ns", "9223372036854775808ns", "9223372036854775807u",
             "2562047h", "2562048h", "106751d", "106752d", "15250w", "15251w", "99999999999999999999w",
             "1h30m", "1m1s1ms", "1.5h", "1y", "1"]
TIME_LITERALS = ["'2024-01-01T00:00:00Z'", "'2023-12-20'", "'2023-12-20 12:00:00'", "'2024-01-01T00:00:00.123456789Z'",
                 "'1677-09-21T00:12:43.145224192Z'", "'1677-09-21T00:12:43.145224191Z'", "'1677-09-21T00:12:43.145224194Z'",
                 "'2262-04-11T23:47:16.854775806Z'", "'2262-04-11T23:47:16.854775807Z'", "'2262-04-11T23:47:16.854775808Z'",
                 "'0001-01-01T00:00:00Z'", "'9999-12-31T23:59:59Z'", "'1970-01-01T00:00:00Z'", "'2024-02-30T00:00:00Z'",
                 "'2024-01-01T25:00:00Z'", "'garbage'", "''", "'2024-01-01T00:00:00+14:00'", "'2024-01-01T00:00:00-23:59'",
                 "'-2024-01-01T00:00:00Z'"]
TIMEZONES = ["'UTC'", "'America/Los_Angeles'", "'Europe/London'", "'Asia/Kathmandu'", "'Pacific/Chatham'",
             "'Australia/Lord_Howe'", "'Local'", "''", "'Nowhere/Nothing'", "'+05:00'", "'America/Sao_Paulo'",
             "'../../etc/passwd'", "'" + "A" * 300 + "'"]
REGEXES = ["/a/", "/^a$/", "/.*/", "//", "/^$/", "/b c/", "/ü/", "/(?i)A/", "/[[:alpha:]]+/", "/\\d+/", "/\\//",
           "/^(a+)+$/", "/(a|a)*b/", "/(a*)*$/", "/(x+x+)+y/", "/^(a|aa)+$/", "/(.*a){20}/", "/a{1000}/", "/a{1001}/",
           "/(((((((((((a)))))))))))/", "/[/", "/(/", "/\\/", "/*/", "/a**/", "/(?P<n>a)/", "/(?<n>a)/", "/\\b\\B/",
           "/\\pL/", "/\\p{Greek}/", "/[^\\x00-\\x{10FFFF}]/", "/(?s:.)/", "/x*y*z*/", "/^.{0,1000}$/",
           "/(a{1000}){1000}/", "/((a{100}){100}){100}/", "/" + "a|" * 500 + "b/"]
FILLS = ["null", "none", "previous", "linear", "0", "-1", "1.5", "-1.5", str(INT_MAX), str(INT_MIN), "1e309",
         "'str'", "true", "foo", ""]
CQ_NAMES = ["cq1", '"cq ü"']
# Subscriptions only ever point at loopback ports nothing listens on.
DESTINATIONS = ["'udp://127.0.0.1:9'", "'http://127.0.0.1:1'", "'bogus'", "'udp://127.0.0.1:9', 'http://127.0.0.1:1'"]
STATS_MODULES = ["''", "'shard'", "'httpd'", "'nosuch'"]
KILL_ON = " ON 'localhost:8088'"
CASTS = ["::float", "::integer", "::string", "::boolean", "::field", "::tag", "::unsigned", "::nosuch"]

AGGREGATES = ["count", "distinct", "integral", "mean", "median", "mode", "spread", "stddev", "sum"]
SELECTORS = ["first", "last", "max", "min"]
N_SELECTORS = ["top", "bottom", "sample", "percentile"]
MATH1 = ["abs", "acos", "asin", "atan", "ceil", "cos", "exp", "floor", "ln", "log2", "log10", "round", "sin",
         "sqrt", "tan"]
MATH2 = ["atan2", "log", "pow"]
TRANSFORMS = ["cumulative_sum", "derivative", "difference", "elapsed", "moving_average", "non_negative_derivative",
              "non_negative_difference"]
TECHNICAL = ["chande_momentum_oscillator", "exponential_moving_average", "double_exponential_moving_average",
             "triple_exponential_moving_average", "triple_exponential_derivative", "relative_strength_index",
             "kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average"]
PREDICTORS = ["holt_winters", "holt_winters_with_fit"]
OTHER_CALLS = ["now", "histogram", "nosuch_fn", "time", "COUNT", "Mean"]
ALL_FUNCTIONS = AGGREGATES + SELECTORS + N_SELECTORS + MATH1 + MATH2 + TRANSFORMS + TECHNICAL + PREDICTORS + OTHER_CALLS

KEYWORDS = ["SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "OFFSET", "SLIMIT", "SOFFSET", "INTO", "AND",
            "OR", "NOT", "AS", "ON", "WITH", "KEY", "IN", "SHOW", "CREATE", "DROP", "DELETE", "ALTER", "DATABASE",
            "MEASUREMENT", "MEASUREMENTS", "SERIES", "TAG", "FIELD", "VALUES", "KEYS", "TIME", "fill", "tz", "ASC",
            "DESC", "DEFAULT", "DURATION", "REPLICATION", "SHARD", "EXPLAIN", "ANALYZE", "CARDINALITY", "EXACT",
            "BEGIN", "END", "RESAMPLE", "EVERY", "FOR", "ALL", "ANY", "GRANT", "REVOKE", "PRIVILEGES", "TRUE",
            "FALSE", "NULL", "KILL", "QUERY", "time", "*", ";", ",", "(", ")", ".", "..", "=", "!=", "<>", "<", "<=",
            ">", ">=", "=~", "!~", "+", "-", "/", "%", "&", "|", "^", "::", "$x", "$", "'", '"', "--", "/*", "*/",
            "\\", "now()", "-- comment\n", "/* c */"]


def number_class(n):
    """huge (past 2^62), big (past 2^31), zero, negative or odd (not an integer), for features."""
    try:
        v = int(n)
    except ValueError:
        return "odd"
    if abs(v) >= 1 << 62:
        return "huge"
    if abs(v) >= 1 << 31:
        return "big"
    return "zero" if v == 0 else "negative" if v < 0 else "small"


BASE_S = 1_703_030_400  # 2023-12-20T00:00:00Z, where the seed data starts
# Measurements of the seed data in database fuzz (as a FROM clause names them): numeric fields, tags.
SCHEMA = {
    "cpu": (["usage", "count", "big"], ["host", "region"]),
    "h2o": (["level", "value"], ["location"]),
    "hourly.hourly_m": (["value", "count"], ["host"]),
    "strings": (["value"], ["host"]),
    "edge": (["value", "big"], ["host"]),
    "mixed": (["value"], ["host"]),
    '"weird measurement, name=1"': (['"field with space"', "usage"], ['"tag with space"']),
    "fuzz2..cpu": (["usage"], ["host"]),
}


class Gen:
    """One query's generation: `rng`, the collected `features`, and the bound-parameter names used
    (`params`, for the HTTP layer to fill in)."""

    def __init__(self, rng, features):
        self.rng = rng
        self.features = features
        self.params = set()
        self.depth = 0
        # Now and then every count, limit and offset of a query is extreme at once (SLIMIT and
        # SOFFSET both near 2^63, say): independent choices would seldom line them up.
        self.extreme = rng.random() < 0.12
        if self.extreme:
            self.feat("extreme-numbers")

    def feat(self, name):
        self.features.add(name)

    def pick(self, seq):
        return self.rng.choice(seq)

    def one(self, *makers):
        """Calls one of `makers` (so that only the chosen alternative adds features)."""
        return self.rng.choice(makers)()

    def chance(self, p):
        return self.rng.random() < p

    # -- atoms -------------------------------------------------------------------------------

    def number(self, extreme=0.3):
        if self.chance(extreme):
            n = self.pick(NUMBERS)
            if n in BIG_NUMBERS[:4] or n == "99999999999999999999999999":
                self.feat("num:huge")
            return n
        return str(self.rng.randint(-100, 1000)) if self.chance(0.7) else repr(round(self.rng.uniform(-100, 100), 3))

    def count_n(self, what):
        """N for top/bottom/sample/moving_average/percentile and friends: small or extreme."""
        if self.chance(0.9 if self.extreme else 0.4):
            n = self.pick(BIG_NUMBERS + [str(INT_MAX)] * 3 + ["0", "-5", "1.5", "'x'", "1e3"])
            self.feat(f"{what}-n:{number_class(n)}")
            return n
        return str(self.rng.choice([1, 2, 3, 5, 10, 100]))

    def duration(self, extreme=0.35):
        if self.chance(extreme):
            d = self.pick(DURATIONS)
            self.feat("dur:odd")
            return d
        return self.pick(["1s", "10s", "1m", "5m", "10m", "1h", "6h", "1d", "7d"])

    def string(self):
        return self.pick(["'a'", "'b c'", "''", "'ünï'", "'x\\'y'", "'\\\\'", "'d,e'", "'f=g'",
                          "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'", "'santa_monica'", "'\\n'"])

    def regex(self):
        r = self.pick(REGEXES)
        if r in ("/^(a+)+$/", "/(a|a)*b/", "/(a*)*$/", "/(x+x+)+y/", "/^(a|aa)+$/", "/(.*a){20}/"):
            self.feat("regex:backtracking")
        elif r in ("/a{1000}/", "/a{1001}/", "/(a{1000}){1000}/", "/((a{100}){100}){100}/"):
            self.feat("regex:big-repeat")
        return r

    def param(self):
        name = self.pick(["x", "n", "host", "t", "d", "re", "ünï", "1", ""])
        self.params.add(name)
        self.feat("bound-param")
        return "$" + (f'"{name}"' if name in ("ünï", "1", "") else name)

    def field(self, numeric=False):
        f = self.pick(NUMERIC_FIELDS if numeric and self.chance(0.8) else FIELDS)
        return f + (self.pick(CASTS) if self.chance(0.2) else "")

    def tag(self):
        return self.pick(TAGS) + (self.pick(["::tag", "::field"]) if self.chance(0.15) else "")

    def literal(self):
        r = self.rng.random()
        if r < 0.4:
            return self.number()
        if r < 0.6:
            return self.string()
        if r < 0.7:
            return self.pick(["true", "false", "TRUE", "t"])
        if r < 0.8:
            return self.duration()
        if r < 0.9:
            return self.param()
        return self.pick(TIME_LITERALS)

    # -- expressions -------------------------------------------------------------------------

    def var_ref(self):
        r = self.rng.random()
        if r < 0.7:
            return self.field(numeric=True)
        if r < 0.85:
            return self.tag()
        return self.one(lambda: "*", lambda: "time", self.regex)

    def math_expr(self, inner):
        """An arithmetic expression over `inner()` operands."""
        if self.depth > 4 or self.chance(0.6):
            return inner()
        self.depth += 1
        op = self.pick(["+", "-", "*", "/", "%", "&", "|", "^"])
        self.feat(f"op:{op}")
        left = self.math_expr(inner)
        right = self.math_expr(inner) if self.chance(0.6) else self.number()
        self.depth -= 1
        e = f"{left} {op} {right}"
        return f"({e})" if self.chance(0.5) else e

    def call(self, grouped_by_time):
        """One function call of any family, with arguments of the right shape (mostly) or not."""
        fam = self.rng.random()
        f = self.field(numeric=True)
        if fam < 0.25:
            name = self.pick(AGGREGATES)
            self.feat(f"fn:{name}")
            arg = self.one(lambda: f, lambda: f, lambda: f, lambda: "*", self.regex, lambda: f"distinct({f})")
            if name == "integral" and self.chance(0.5):
                return f"integral({arg}, {self.duration()})"
            if name == "count" and self.chance(0.1):
                return f"count(distinct({f}))"
            return f"{name}({arg})"
        if fam < 0.35:
            name = self.pick(SELECTORS)
            self.feat(f"fn:{name}")
            return f"{name}({self.one(lambda: f, lambda: f, lambda: '*', self.regex)})"
        if fam < 0.5:
            name = self.pick(N_SELECTORS)
            self.feat(f"fn:{name}")
            n = self.count_n(name)
            if name in ("top", "bottom") and self.chance(0.4):
                return f"{name}({f}, {', '.join(self.tag() for _ in range(self.rng.randint(1, 2)))}, {n})"
            if name == "percentile" and self.chance(0.5):
                n = self.pick(["0", "50", "99.9", "100", "100.1", "-1", "1e309", str(INT_MAX)])
                self.feat(f"percentile-p:{number_class(n)}")
            return f"{name}({f}, {n})"
        if fam < 0.6:
            if self.chance(0.7):
                name = self.pick(MATH1)
                self.feat(f"fn:{name}")
                return f"{name}({self.agg_or_field(grouped_by_time)})"
            name = self.pick(MATH2)
            self.feat(f"fn:{name}")
            return f"{name}({self.agg_or_field(grouped_by_time)}, {self.number()})"
        if fam < 0.75:
            name = self.pick(TRANSFORMS)
            self.feat(f"fn:{name}")
            arg = self.agg_or_field(grouped_by_time)
            if name == "moving_average":
                return f"moving_average({arg}, {self.count_n(name)})"
            if name in ("derivative", "non_negative_derivative", "elapsed") and self.chance(0.5):
                return f"{name}({arg}, {self.duration()})"
            return f"{name}({arg})"
        if fam < 0.85:
            name = self.pick(TECHNICAL)
            self.feat(f"fn:{name}")
            args = [self.agg_or_field(grouped_by_time), self.count_n(name)]
            if self.chance(0.5):
                args.append(self.count_n(name + "-hold"))
                if self.chance(0.5) and name != "kaufmans_efficiency_ratio":
                    args.append(self.pick(["'exponential'", "'simple'", "'none'", "'bogus'", "1"]))
            return f"{name}({', '.join(args)})"
        if fam < 0.95:
            name = self.pick(PREDICTORS)
            self.feat(f"fn:{name}")
            agg = self.pick(AGGREGATES + SELECTORS)
            return f"{name}({agg}({f}), {self.count_n(name)}, {self.count_n(name + '-season')})"
        name = self.pick(OTHER_CALLS)
        self.feat(f"fn:{name}")
        return f"{name}({', '.join(self.var_ref() for _ in range(self.rng.randint(0, 2)))})"

    def agg_or_field(self, grouped_by_time):
        if grouped_by_time or self.chance(0.3):
            return f"{self.pick(AGGREGATES[2:] + SELECTORS + ['count'])}({self.field(numeric=True)})"
        return self.field(numeric=True)

    def projection(self, grouped_by_time):
        items = []
        for _ in range(self.pick([1, 1, 1, 2, 3])):
            r = self.rng.random()
            if r < 0.55:
                e = self.math_expr(lambda: self.call(grouped_by_time))
            elif r < 0.8:
                e = self.math_expr(self.var_ref)
            else:
                e = self.one(lambda: self.pick(["*", "*::field", "*::tag", "time", '"time"']), self.regex, self.literal)
            if self.chance(0.2):
                e += " AS " + self.pick(["a", "\"b c\"", "time", "mean", "\"\"", "ünï"])
            items.append(e)
        return ", ".join(items)

    # -- conditions --------------------------------------------------------------------------

    def time_bound(self):
        r = self.rng.random()
        op = self.pick([">", ">=", "<", "<=", "=", "!=", ">", "<"])
        if r < 0.4:
            v = self.pick(TIME_LITERALS)
            if v in TIME_LITERALS[4:13]:
                self.feat("time:edge-literal")
        elif r < 0.7:
            v = f"now() {self.pick(['-', '+'])} {self.duration()}"
        elif r < 0.9:
            v = self.pick(BIG_NUMBERS + ["1703030400000000000", "1703030400s", "0"])
            if v in BIG_NUMBERS[:4]:
                self.feat("time:huge-int")
        else:
            v = self.param()
        return f"time {op} {v}"

    def condition(self):
        if self.depth > 4:
            return self.simple_condition()
        r = self.rng.random()
        if r < 0.5:
            return self.simple_condition()
        self.depth += 1
        op = self.pick(["AND", "AND", "OR"])
        e = f"{self.condition()} {op} {self.condition()}"
        self.depth -= 1
        return f"({e})" if self.chance(0.4) else e

    def simple_condition(self):
        r = self.rng.random()
        if r < 0.3:
            return self.time_bound()
        if r < 0.55:
            return f"{self.tag()} {self.pick(['=', '!=', '<>'])} {self.one(self.string, self.string, self.param)}"
        if r < 0.75:
            self.feat("where:regex")
            return f"{self.one(self.tag, self.field)} {self.pick(['=~', '!~'])} {self.regex()}"
        return f"{self.field()} {self.pick(['=', '!=', '<', '<=', '>', '>='])} {self.math_expr(self.literal)}"

    # -- sources -----------------------------------------------------------------------------

    def measurement(self):
        r = self.rng.random()
        m = self.pick(MEASUREMENTS)
        if r < 0.6:
            return m
        if r < 0.75:
            return f"{self.pick(DATABASES)}.{self.pick(RPS)}.{m}"
        if r < 0.85:
            return f"{self.pick(DATABASES)}..{m}"
        if r < 0.9:
            return f"{self.pick(RPS)}.{m}"
        return self.regex()

    def sources(self, depth):
        out = []
        for _ in range(self.pick([1, 1, 1, 2])):
            if depth < 3 and self.chance(0.15):
                self.feat("subquery")
                if depth >= 1:
                    self.feat("subquery:nested")
                out.append(f"({self.select(depth + 1)})")
            else:
                out.append(self.measurement())
        return ", ".join(out)

    # -- statements --------------------------------------------------------------------------

    def select(self, depth=0):
        """A query of a shape 1.x accepts (most of them: so that execution, not only validation, gets
        fuzzed), or a free mix of everything."""
        if self.chance(0.65):
            return self.select_shaped(depth)
        self.feat("select:free")
        group_time = self.chance(0.45)
        parts = ["SELECT", self.projection(group_time)]
        self.into(parts, depth)
        parts += ["FROM", self.sources(depth)]
        if self.chance(0.6):
            parts += ["WHERE", self.condition()]
        return self.tail(parts, group_time)

    def into(self, parts, depth):
        if depth == 0 and self.chance(0.03):
            self.feat("select:into")
            parts += ["INTO", self.pick(["scratch_m", "scratch_db..scratch_m", "scratch_db.autogen.:MEASUREMENT",
                                         "\"ünï db\"..m", "cpu", ":MEASUREMENT"])]

    def data_range(self):
        """A time range inside the seed data (2023-12-20 + 60 days), as RFC 3339 or integers."""
        lo = BASE_S + self.rng.randrange(0, 60 * 86400)
        hi = lo + self.pick([3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400])
        if self.chance(0.5):
            return f"time >= {lo}s AND time < {hi}s"
        fmt = lambda t: time.strftime("'%Y-%m-%dT%H:%M:%SZ'", time.gmtime(t))
        return f"time >= {fmt(lo)} AND time <= {fmt(hi)}"

    def select_shaped(self, depth):
        m = self.pick(list(SCHEMA))
        fields, tags = SCHEMA[m]
        f = self.pick(fields)
        agg = lambda: f"{self.pick(AGGREGATES[3:] + SELECTORS + ['count'])}({self.pick(fields)})"
        group_time = False
        shape = self.pick(["raw", "raw", "aggregate", "aggregate", "n-selector", "transform", "technical", "predictor",
                           "math", "subquery"])
        self.feat(f"shape:{shape}")
        if shape == "raw":
            cols = self.pick([["*"], fields, [f] + tags[:1], [f"{f} * 2", f"-{f}"], [f"{f}::float", f"{f}::integer"],
                              ["*::field"], [f"{f} AS x", "time"]])
            proj = ", ".join(cols)
        elif shape == "aggregate":
            group_time = self.chance(0.6)
            calls = []
            for _ in range(self.pick([1, 1, 2, 3])):
                name = self.pick(AGGREGATES + SELECTORS)
                self.feat(f"fn:{name}")
                arg = self.pick(fields + ["*"])
                if name == "integral" and self.chance(0.5):
                    calls.append(f"integral({arg}, {self.duration()})")
                elif name == "count" and self.chance(0.2):
                    calls.append(f"count(distinct({self.pick(fields)}))")
                elif name == "distinct":
                    calls = [f"distinct({self.pick(fields)})"]
                    break
                else:
                    calls.append(f"{name}({arg})" + (f" {self.pick(['*', '/', '+', '-'])} {self.number(0.2)}" if self.chance(0.15) else ""))
            proj = ", ".join(calls)
        elif shape == "n-selector":
            name = self.pick(N_SELECTORS)
            self.feat(f"fn:{name}")
            if name == "percentile":
                n = self.pick(["0", "5", "50", "99.9", "100", "100.1", "-1", "1e309", str(INT_MAX), "9223372036854775808"])
                self.feat(f"percentile-p:{number_class(n)}")
            else:
                n = self.count_n(name)
            tag_args = "".join(f", {t}" for t in tags[:self.pick([0, 0, 1])]) if name in ("top", "bottom") else ""
            proj = f"{name}({f}{tag_args}, {n})" + (f", {tags[0]}" if name in ("top", "bottom") and self.chance(0.3) else "")
            group_time = self.chance(0.3)
        elif shape in ("transform", "technical"):
            name = self.pick(TRANSFORMS if shape == "transform" else TECHNICAL)
            self.feat(f"fn:{name}")
            group_time = self.chance(0.5)
            arg = agg() if group_time else f
            args = [arg]
            if name == "moving_average" or shape == "technical":
                args.append(self.count_n(name))
                if shape == "technical" and self.chance(0.4):
                    args.append(self.count_n(name + "-hold"))
                    if name != "kaufmans_efficiency_ratio" and self.chance(0.5):
                        args.append(self.pick(["'exponential'", "'simple'", "'none'", "'bogus'"]))
            elif name in ("derivative", "non_negative_derivative", "elapsed") and self.chance(0.5):
                args.append(self.duration())
            proj = f"{name}({', '.join(args)})"
        elif shape == "predictor":
            name = self.pick(PREDICTORS)
            self.feat(f"fn:{name}")
            group_time = True
            proj = f"{name}({agg()}, {self.count_n(name)}, {self.count_n(name + '-season')})"
        elif shape == "math":
            group_time = self.chance(0.4)
            arg = agg() if group_time else f
            if self.chance(0.7):
                name = self.pick(MATH1)
                proj = f"{name}({arg})"
            else:
                name = self.pick(MATH2)
                proj = f"{name}({arg}, {self.number()})"
            self.feat(f"fn:{name}")
        else:
            if depth >= 3:
                return self.select_shaped(depth)
            self.feat("subquery" if depth == 0 else "subquery:nested")
            inner = self.select_shaped(depth + 1)
            outer = self.pick(["*", "max(*)", "count(*)", "mean(*)", "sum(*)", "last(*)", "top(*, 3)", "derivative(*)"])
            parts = ["SELECT", outer, "FROM", f"({inner})"]
            if self.chance(0.3):
                parts += ["WHERE", self.data_range()]
            return self.tail(parts, outer != "*" and self.chance(0.3))
        parts = ["SELECT", proj]
        self.into(parts, depth)
        parts += ["FROM", m if self.chance(0.9) else self.measurement()]
        if group_time or self.chance(0.6):
            where = self.data_range() if self.chance(0.85) else self.time_bound()
            if self.chance(0.25):
                where += f" AND {self.simple_condition()}"
            parts += ["WHERE", where]
        elif self.chance(0.3):
            parts += ["WHERE", self.condition()]
        return self.tail(parts, group_time, tags)

    def tail(self, parts, group_time, tags=None):
        """GROUP BY, fill, ORDER BY, LIMIT / OFFSET / SLIMIT / SOFFSET and tz()."""
        dims = []
        if group_time:
            d = self.duration(0.2)
            if d in ("1ns", "1u", "1µ", "1ms", "0s", "0ns", "-1s", "-1h") or d.startswith("9"):
                self.feat(f"group-by-time:{d}")
            if self.chance(0.3):
                off = self.one(self.duration, lambda: "now()", lambda: "-" + self.duration(), self.number)
                self.feat("group-by-time:offset")
                dims.append(f"time({d}, {off})")
            else:
                dims.append(f"time({d})")
        if self.chance(0.3):
            if tags and self.chance(0.7):
                dims += tags[:self.pick([1, 2])] if self.chance(0.7) else ["*"]
            else:
                dims += [self.one(self.tag, lambda: "*", self.regex) for _ in range(self.pick([1, 1, 2]))]
        if dims:
            parts += ["GROUP BY", ", ".join(dims)]
        if group_time and self.chance(0.4):
            fill = self.pick(FILLS)
            self.feat(f"fill:{fill if number_class(fill) == 'odd' else number_class(fill)}")
            parts.append(f"fill({fill})")
        if self.chance(0.15):
            parts += ["ORDER BY", self.pick(["time ASC", "time DESC", "time DESC", "time", "host DESC"])]
        for clause in ("LIMIT", "OFFSET", "SLIMIT", "SOFFSET"):
            if self.chance(0.5 if self.extreme else 0.15):
                n = self.pick(BIG_NUMBERS + [str(INT_MAX)] * 3) if self.extreme or self.chance(0.4) else str(self.rng.randint(0, 10))
                if number_class(n) in ("huge", "big", "negative"):
                    self.feat(f"{clause.lower()}:{number_class(n)}")
                parts += [clause, n]
        if self.chance(0.08):
            self.feat("tz")
            parts.append(f"tz({self.pick(TIMEZONES)})")
        return " ".join(parts)

    def show(self):
        on = lambda: f" ON {self.pick(DATABASES)}" if self.chance(0.4) else ""
        where = lambda: f" WHERE {self.condition()}" if self.chance(0.3) else ""
        frm = lambda: f" FROM {self.measurement()}" if self.chance(0.4) else ""
        exact = lambda: "EXACT " if self.chance(0.5) else ""

        def lim():
            if not self.chance(0.2):
                return ""
            self.feat("show:limit")
            out = f" LIMIT {self.pick(BIG_NUMBERS)}"
            return out + (f" OFFSET {self.pick(BIG_NUMBERS)}" if self.chance(0.5) else "")

        def key():
            return self.one(lambda: "= host", lambda: "=~ /./", lambda: "IN (host, region)", lambda: "!= host",
                            lambda: "=~ " + self.regex(), lambda: '= "tag with space"')

        def with_measurement():
            return " WITH MEASUREMENT =~ " + self.regex() if self.chance(0.3) else ""

        kind, make = self.pick([
            ("databases", lambda: "SHOW DATABASES"),
            ("measurements", lambda: f"SHOW MEASUREMENTS{on()}{with_measurement()}{where()}{lim()}"),
            ("series", lambda: f"SHOW SERIES{on()}{frm()}{where()}{lim()}"),
            ("tag-keys", lambda: f"SHOW TAG KEYS{on()}{frm()}{where()}{lim()}"),
            ("tag-values", lambda: f"SHOW TAG VALUES{on()}{frm()} WITH KEY {key()}{where()}{lim()}"),
            ("field-keys", lambda: f"SHOW FIELD KEYS{on()}{frm()}{lim()}"),
            ("retention-policies", lambda: f"SHOW RETENTION POLICIES{on()}"),
            ("shards", lambda: "SHOW SHARDS"),
            ("shard-groups", lambda: "SHOW SHARD GROUPS"),
            ("stats", lambda: "SHOW STATS" + (f" FOR {self.pick(STATS_MODULES)}" if self.chance(0.5) else "")),
            ("diagnostics", lambda: "SHOW DIAGNOSTICS" + (f" FOR {self.pick(['system', 'runtime', 'nosuch'])}" if self.chance(0.5) else "")),
            ("users", lambda: "SHOW USERS"),
            ("grants", lambda: f"SHOW GRANTS FOR {self.user()}"),
            ("continuous-queries", lambda: "SHOW CONTINUOUS QUERIES"),
            ("subscriptions", lambda: "SHOW SUBSCRIPTIONS"),
            ("queries", lambda: "SHOW QUERIES"),
            ("series-cardinality", lambda: f"SHOW {exact()}SERIES CARDINALITY{on()}{frm()}{where()}"),
            ("measurement-cardinality", lambda: f"SHOW {exact()}MEASUREMENT CARDINALITY{on()}"),
            ("tag-key-cardinality", lambda: f"SHOW {exact()}TAG KEY CARDINALITY{on()}{frm()}"),
            ("tag-values-cardinality", lambda: f"SHOW {exact()}TAG VALUES CARDINALITY{on()}{frm()} WITH KEY {key()}"),
            ("field-key-cardinality", lambda: f"SHOW {exact()}FIELD KEY CARDINALITY{on()}{frm()}"),
        ])
        self.feat(f"show:{kind}")
        return make()

    def user(self):
        return self.pick(["scratch_user", "fuzzreader", "\"ünï user\"", "nosuch_user", "\"\""])

    def scratch(self, scratch, real):
        """Destructive statements aim at scratch objects, now and then at the seed data's."""
        return scratch if self.chance(0.9) else self.pick(real)

    def ddl(self):
        db = lambda: self.scratch("scratch_db", DATABASES)
        rp = lambda: self.scratch("scratch_rp", RPS)
        m = lambda: self.scratch("scratch_m", MEASUREMENTS)
        dur = lambda: self.one(lambda: "INF", self.duration)
        rep = lambda: self.pick(["1", "1", "0", "-1", "2", str(INT_MAX), "99999999999999999999"])
        opt = lambda p, text: text() if self.chance(p) else ""
        where = lambda p: opt(p, lambda: " WHERE " + self.condition())

        def with_clause():
            return opt(0.5, lambda: " WITH" + opt(0.6, lambda: f" DURATION {dur()}") + opt(0.4, lambda: f" REPLICATION {rep()}")
                       + opt(0.4, lambda: f" SHARD DURATION {self.duration()}") + opt(0.4, lambda: f" NAME {rp()}"))

        def cq():
            resample = opt(0.4, lambda: f"RESAMPLE EVERY {self.duration()} FOR {self.duration()} ")
            return (f"CREATE CONTINUOUS QUERY {self.pick(CQ_NAMES)} ON scratch_db {resample}"
                    f"BEGIN SELECT {self.pick(['mean', 'count', 'max', 'top'])}({self.field(True)}) INTO scratch_db..cq_out "
                    f"FROM {self.pick(MEASUREMENTS)} GROUP BY time({self.duration()}){opt(0.5, lambda: ', *')} END")

        kind, make = self.pick([
            ("create-database", lambda: f"CREATE DATABASE {db()}{with_clause()}"),
            ("drop-database", lambda: f"DROP DATABASE {db()}"),
            ("create-rp", lambda: f"CREATE RETENTION POLICY {rp()} ON {db()} DURATION {dur()} REPLICATION {rep()}"
                                  f"{opt(0.5, lambda: ' SHARD DURATION ' + self.duration())}{opt(0.2, lambda: ' DEFAULT')}"),
            ("alter-rp", lambda: f"ALTER RETENTION POLICY {rp()} ON {db()}{opt(0.5, lambda: ' DURATION ' + dur())}"
                                 f"{opt(0.5, lambda: ' SHARD DURATION ' + self.duration())}{opt(0.3, lambda: ' DEFAULT')}"),
            ("drop-rp", lambda: f"DROP RETENTION POLICY {rp()} ON {db()}"),
            ("create-user", lambda: f"CREATE USER {self.user()} WITH PASSWORD {self.string()}{opt(0.3, lambda: ' WITH ALL PRIVILEGES')}"),
            ("drop-user", lambda: f"DROP USER {self.user()}"),
            ("set-password", lambda: f"SET PASSWORD FOR {self.user()} = {self.string()}"),
            ("grant", lambda: f"GRANT {self.pick(['READ', 'WRITE', 'ALL', 'ALL PRIVILEGES'])} ON {db()} TO {self.user()}"),
            ("grant", lambda: f"GRANT ALL PRIVILEGES TO {self.user()}"),
            ("revoke", lambda: f"REVOKE {self.pick(['READ', 'WRITE', 'ALL'])} ON {db()} FROM {self.user()}"),
            ("create-cq", cq),
            ("drop-cq", lambda: f"DROP CONTINUOUS QUERY {self.pick(CQ_NAMES + ['nosuch'])} ON {db()}"),
            ("create-subscription", lambda: f"CREATE SUBSCRIPTION {self.pick(['s1', 's2'])} ON {db()}.{rp()} DESTINATIONS "
                                            f"{self.pick(['ALL', 'ANY'])} {self.pick(DESTINATIONS)}"),
            ("drop-subscription", lambda: f"DROP SUBSCRIPTION {self.pick(['s1', 's2'])} ON {db()}.{rp()}"),
            ("delete", lambda: f"DELETE FROM {m()}{where(0.7)}"),
            ("delete", lambda: f"DELETE WHERE {self.condition()}"),
            ("drop-series", lambda: f"DROP SERIES FROM {m()}{where(0.7)}"),
            ("drop-series", lambda: f"DROP SERIES WHERE {self.condition()}"),
            ("drop-measurement", lambda: f"DROP MEASUREMENT {m()}"),
            ("drop-shard", lambda: f"DROP SHARD {self.pick(['999999', str(INT_MAX), '-1', '0'])}"),
            ("kill-query", lambda: f"KILL QUERY {self.pick(['1', '0', str(INT_MAX), '-1', '18446744073709551615'])}"
                                   f"{opt(0.3, lambda: KILL_ON)}"),
        ])
        self.feat(f"stmt:{kind}")
        return make()

    def statement(self):
        r = self.rng.random()
        if r < 0.66:
            self.feat("stmt:select")
            return self.select()
        if r < 0.82:
            return self.show()
        if r < 0.94:
            return self.ddl()
        self.feat("stmt:explain")
        return f"EXPLAIN {'ANALYZE ' if self.chance(0.5) else ''}{self.select()}"


# ---------------------------------------------------------------------------------------------
# Token-level mutations.

TOKEN_RE = re.compile(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|/(?:\\.|[^/\\\n])*/|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[a-zµ]*|"""
                      r"""[A-Za-z_ÀɏЀ-ӿ][\w]*|::|=~|!~|!=|<>|<=|>=|\.\.|\s+|.""", re.S)


def tokens(text):
    return TOKEN_RE.findall(text)


def deep_parens(rng, toks, features):
    """Wraps one token (an operand, mostly) in a few thousand parentheses."""
    n = rng.choice([100, 1000, 3000, 10000, 30000])
    features.add(f"mut:deep-parens-{n}")
    i = rng.randrange(len(toks))
    toks[i:i + 1] = ["(" * n, toks[i], ")" * n]


def deep_calls(rng, toks, features):
    n = rng.choice([50, 500, 3000, 10000])
    fn = rng.choice(["mean", "abs", "sum", "derivative", "floor"])
    features.add(f"mut:deep-calls-{n}")
    i = rng.randrange(len(toks))
    toks[i:i + 1] = [f"{fn}(" * n, toks[i], ")" * n]


def deep_subqueries(rng, features):
    n = rng.choice([10, 100, 1000, 3000])
    features.add(f"mut:deep-subqueries-{n}")
    return "SELECT * FROM (" * n + "SELECT usage FROM cpu" + ")" * n


def long_or_chain(rng, features):
    n = rng.choice([1000, 5000, 20000])
    features.add(f"mut:or-chain-{n}")
    op = rng.choice([" OR ", " AND "])
    return " WHERE " + op.join(f"host = 'h{i}'" for i in range(n))


def long_op_chain(rng, toks, features):
    """`x + x + ... + x` (or another operator), thousands long, in place of one token."""
    n = rng.choice([1000, 5000, 20000])
    op = rng.choice(["+", "*", "-", "/", "AND", "OR", ","])
    features.add(f"mut:op-chain-{n}")
    i = rng.randrange(len(toks))
    toks[i] = f" {op} ".join([toks[i] if toks[i].strip() else "usage"] * n)


def long_literal(rng, features):
    n = rng.choice([100_000, 300_000])
    kind = rng.choice(["string", "ident", "quoted-ident", "regex", "number", "duration"])
    features.add(f"mut:long-{kind}")
    return {"string": "'" + "x" * n + "'", "ident": "a" * n, "quoted-ident": '"' + "b" * n + '"',
            "regex": "/" + "a" * n + "/", "number": "9" * n, "duration": "9" * n + "s"}[kind]


def mutate(rng, text, features):
    toks = tokens(text)
    if not toks:
        toks = [""]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.random()
        solid = [k for k, t in enumerate(toks) if not t.isspace()]
        i = rng.choice(solid) if solid else rng.randrange(len(toks))
        if op < 0.14:
            features.add("mut:drop-token")
            del toks[i]
            if not toks:
                toks = [""]
        elif op < 0.26:
            features.add("mut:duplicate-token")
            toks.insert(i, toks[i] * rng.choice([1, 1, 2, 100]))
        elif op < 0.36:
            features.add("mut:swap-tokens")
            j = rng.randrange(len(toks))
            toks[i], toks[j] = toks[j], toks[i]
        elif op < 0.52:
            features.add("mut:replace-token")
            toks[i] = rng.choice(KEYWORDS + NUMBERS + DURATIONS + REGEXES[:12] + ALL_FUNCTIONS)
        elif op < 0.6:
            features.add("mut:insert-token")
            toks.insert(i, " " + rng.choice(KEYWORDS + ALL_FUNCTIONS + ["(", ")", ",", "'", '"']) + " ")
        elif op < 0.68:
            features.add("mut:extreme-number")
            nums = [k for k, t in enumerate(toks) if t[:1].isdigit()]
            toks[rng.choice(nums) if nums else i] = rng.choice(BIG_NUMBERS[:5] + ["1e309", "-1e309", "0"])
        elif op < 0.74:
            deep_parens(rng, toks, features)
        elif op < 0.79:
            deep_calls(rng, toks, features)
        elif op < 0.81:
            toks.append(long_or_chain(rng, features))
        elif op < 0.83:
            long_op_chain(rng, toks, features)
        elif op < 0.87:
            toks.insert(i, long_literal(rng, features))
        elif op < 0.91:
            features.add("mut:statements")
            toks.append("; " + rng.choice(["SHOW DATABASES", "SELECT * FROM cpu", "", ";"]) * rng.choice([1, 10, 1000]))
        elif op < 0.95:
            features.add("mut:unterminated")
            toks.append(rng.choice(["'", '"', "/", "(", "/*", "--"]))
        else:
            features.add("mut:raw-bytes")
            toks.insert(i, rng.choice(["\x00", "\udcff", "\u2028", "\ufeff", "\t", "\r\n", "\\", "\x7f", "🙂"]))
    return "".join(toks)


def statement(rng, features, mutation_rate=0.3):
    """(query bytes, bound-parameter names referenced)."""
    g = Gen(rng, features)
    if rng.random() < 0.01:
        text = deep_subqueries(rng, features)
    else:
        text = g.statement()
        if rng.random() < 0.06:
            features.add("multi-statement")
            text += "; " + g.statement()
    if rng.random() < mutation_rate:
        text = mutate(rng, text, features)
    return text.encode("utf-8", "surrogateescape"), sorted(g.params)
