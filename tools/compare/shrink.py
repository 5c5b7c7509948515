"""Shrinking a failing case: parts are removed or simplified one at a time while the two
servers still disagree, until no single step keeps the disagreement."""
import copy

PARAM_DEFAULTS = {"method": "POST", "epoch": None, "chunked": None, "chunk_size": None, "pretty": False, "accept": None}


def query_candidates(q):
    """Simpler variants of one rendered query (select or show), one change each."""
    out = []

    def variant(change):
        c = copy.deepcopy(q)
        change(c)
        out.append(c)

    for key in ("tz", "soffset", "slimit", "offset", "limit", "order", "fill", "from", "with"):
        if q.get(key) is not None:
            variant(lambda c, k=key: c.__setitem__(k, None))
    # GROUP BY time keeps its time bounds: without them 1.x fills buckets up to now(), which
    # no two runs agree on.
    bucketed = any(g.startswith("time(") for g in q.get("group") or [])
    for key in ("where", "group", "items"):
        parts = q.get(key) or []
        if key == "items" and len(parts) < 2:
            continue
        for i in range(len(parts)):
            if key == "where" and bucketed and parts[i].startswith("time"):
                continue
            variant(lambda c, k=key, i=i: c[k].pop(i))
    for i, item in enumerate(q.get("items") or []):
        if len(item) > 1:
            variant(lambda c, i=i: c["items"].__setitem__(i, c["items"][i][1:]))
    if q["kind"] == "select" and not isinstance(q["source"], str):
        for inner in query_candidates(q["source"]):
            variant(lambda c, inner=inner: c.__setitem__("source", inner))
    return out


def candidates(case):
    out = []
    if case["second"] is not None:
        c = copy.deepcopy(case)
        c["second"] = None
        out.append(c)
    for key, default in PARAM_DEFAULTS.items():
        if case["params"][key] != default:
            c = copy.deepcopy(case)
            c["params"][key] = default
            if key == "chunked":
                c["params"]["chunk_size"] = None
            out.append(c)
    for q in query_candidates(case["query"]):
        c = copy.deepcopy(case)
        c["query"] = q
        out.append(c)
    return out


def shrink(case, still_fails, budget=300):
    """The smallest case found by greedy one-step simplification within `budget` trials."""
    tried = 0
    progress = True
    while progress and tried < budget:
        progress = False
        for c in candidates(case):
            tried += 1
            if still_fails(c):
                case = c
                progress = True
                break
            if tried >= budget:
                break
    return case
