import InfluxQL
import TSDB

extension QueryExecutor {
    /// SHOW MEASUREMENTS' WHERE as 1.6's index set decides it (`MeasurementNamesByExpr`), per
    /// measurement rather than per series (``measurementMatches(_:name:_:)``). A time term is
    /// refused, as 1.x refuses it.
    static func measurementNames(_ series: [ParsedSeriesKey], condition: Expr?, source: Measurement?) throws(StatementError) -> [String] {
        if let condition, Self.mentionsTime(condition) { throw StatementError("SHOW MEASUREMENTS doesn't support time in WHERE clause") }
        var values: [String: [String: Set<String>]] = [:]
        for s in series where Self.measurement(s.measurement, matches: source) {
            var tags = values[s.measurement] ?? [:]
            for tag in s.tags { tags[tag.key, default: []].insert(tag.value) }
            values[s.measurement] = tags
        }
        return values.keys.filter { m in condition.map { Self.measurementMatches($0, name: m, values[m]!) } ?? true }
    }

    /// Whether 1.6's `MeasurementNamesByExpr` names measurement `name`, whose tag keys have the
    /// values `tags`: a term on a tag key the measurement lacks is false; `=` and `=~` hold when
    /// some value of the key equals (matches), `!=` and `!~` when none does; `_name` compares
    /// the name itself. AND and OR combine those answers. (The storage service's field lookup
    /// asks the same question.)
    public static func measurementMatches(_ e: Expr, name: String, _ tags: [String: Set<String>]) -> Bool {
        switch e {
        case .paren(let inner): return measurementMatches(inner, name: name, tags)
        case .binary(.and, let l, let r): return measurementMatches(l, name: name, tags) && measurementMatches(r, name: name, tags)
        case .binary(.or, let l, let r): return measurementMatches(l, name: name, tags) || measurementMatches(r, name: name, tags)
        case .binary(let op, let l, let r) where [.eq, .neq, .eqRegex, .neqRegex].contains(op):
            let (key, literal): (String, Expr)
            if case .varRef(let k, _) = l { (key, literal) = (k, r) } else if case .varRef(let k, _) = r { (key, literal) = (k, l) } else { return false }
            let present: Set<String>
            if key == "_name" {
                present = [name]
            } else {
                guard let values = tags[key] else { return false }
                present = values
            }
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
