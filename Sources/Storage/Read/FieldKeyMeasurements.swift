import InfluxQL
import Query
import TSDB

/// Which measurements of a shard give a Read their fields when the predicate names no single
/// measurement: 1.6 asks the shard's index set (`IndexSet.MeasurementNamesByExpr`, through the
/// `_fieldKeys` iterator), with either index.
enum FieldKeyMeasurements {
    /// Whether the shard's index names `measurement` for `condition`, deciding per measurement
    /// from its tag values: a term on a tag key the measurement lacks is false; `=` and `=~`
    /// hold when some value of the key equals (matches), `!=` and `!~` when none does; `_name`
    /// compares the name; AND and OR combine.
    static func names(_ measurement: String, in shard: Shard, condition: PredicateExpr?) -> Bool {
        guard let condition else { return true }
        var values: [String: Set<String>] = [:]
        for s in shard.index.series(of: measurement) {
            for tag in s.tags { values[tag.key, default: []].insert(tag.value) }
        }
        return matches(condition, measurement, values)
    }

    static func matches(_ e: PredicateExpr, _ name: String, _ tags: [String: Set<String>]) -> Bool {
        switch e {
        case .paren(let inner): return matches(inner, name, tags)
        case .binary(.and, let l, let r): return matches(l, name, tags) && matches(r, name, tags)
        case .binary(.or, let l, let r): return matches(l, name, tags) || matches(r, name, tags)
        case .binary(let op, .ref(let key), let literal) where [.eq, .neq, .eqRegex, .neqRegex].contains(op):
            let found: Bool
            if key == "_name" {
                switch (op, literal) {
                case (.eq, .string(let v)), (.neq, .string(let v)): found = name == v
                case (.eqRegex, .regex(_, let re)), (.neqRegex, .regex(_, let re)): found = re.matches(name)
                default: return false
                }
            } else {
                guard let present = tags[key] else { return false }
                switch (op, literal) {
                case (.eq, .string(let v)), (.neq, .string(let v)): found = present.contains(v)
                case (.eqRegex, .regex(_, let re)), (.neqRegex, .regex(_, let re)): found = present.contains { re.matches($0) }
                default: return false
                }
            }
            return found == (op == .eq || op == .eqRegex)
        case .boolean(let b): return b
        default: return false
        }
    }
}
