import InfluxQL
import TSDB

extension QueryExecutor {
    /// SHOW MEASUREMENTS' WHERE as 1.6's inmem index decides it (`MeasurementNamesByExpr`), per
    /// measurement rather than per series: a measurement without the tag key never matches;
    /// `=` and `=~` match when some value of the key equals (matches); `!=` and `!~` when none
    /// does. AND and OR combine those answers. A time term is refused, as 1.x refuses it.
    static func measurementNames(_ series: [ParsedSeriesKey], condition: Expr?, source: Measurement?) throws(StatementError) -> [String] {
        if let condition, Self.mentionsTime(condition) { throw StatementError("SHOW MEASUREMENTS doesn't support time in WHERE clause") }
        var values: [String: [String: Set<String>]] = [:]
        for s in series where Self.measurement(s.measurement, matches: source) {
            var tags = values[s.measurement] ?? [:]
            for tag in s.tags { tags[tag.key, default: []].insert(tag.value) }
            values[s.measurement] = tags
        }
        return values.keys.filter { m in condition.map { Self.measurementMatches($0, values[m]!) } ?? true }
    }

    static func measurementMatches(_ e: Expr, _ tags: [String: Set<String>]) -> Bool {
        switch e {
        case .paren(let inner): return measurementMatches(inner, tags)
        case .binary(.and, let l, let r): return measurementMatches(l, tags) && measurementMatches(r, tags)
        case .binary(.or, let l, let r): return measurementMatches(l, tags) || measurementMatches(r, tags)
        case .binary(let op, let l, let r) where [.eq, .neq, .eqRegex, .neqRegex].contains(op):
            let (key, literal): (String, Expr)
            if case .varRef(let k, _) = l { (key, literal) = (k, r) } else if case .varRef(let k, _) = r { (key, literal) = (k, l) } else { return false }
            guard let present = tags[key] else { return false }
            let found: Bool
            switch literal {
            case .string(let v) where op == .eq || op == .neq: found = present.contains(v)
            case .regex(let re) where op == .eqRegex || op == .neqRegex: found = present.contains { SeriesCondition.regexMatches(re, $0) }
            default: return false
            }
            return found == (op == .eq || op == .eqRegex)
        case .boolean(let b): return b
        default: return false
        }
    }

    static func mentionsTime(_ e: Expr) -> Bool {
        switch e {
        case .varRef(let name, _): return name.lowercased() == "time"
        case .paren(let inner): return mentionsTime(inner)
        case .binary(_, let l, let r): return mentionsTime(l) || mentionsTime(r)
        case .call(_, let args): return args.contains(where: mentionsTime)
        default: return false
        }
    }
}
