import InfluxQL
import TSDB

extension AggregateSelect {
    /// 1.x's type check of arithmetic over calls (`first(s) - 1.5`, `spread(host) + 2`,
    /// `distinct(s) + 1`): each call has 1.x's result type, text, booleans or tags in
    /// arithmetic are refused with the expression as 1.x's rewritten statement shows it
    /// (`type error: first(s::string) - 1.500: incompatible types: string and float`).
    static func typeCheck(_ e: Expr, fieldTypes: [String: FieldType], tagKeys: Set<String>) throws(StatementError) {
        func typed(_ e: Expr) -> Expr {
            switch e {
            case .varRef(let n, .unknown):
                if let t = fieldTypes[n] { return .varRef(name: n, type: RawSelect.dataType(t)) }
                return tagKeys.contains(n) ? .varRef(name: n, type: .tag) : e
            case .paren(let inner): return .paren(typed(inner))
            case .binary(let op, let l, let r): return .binary(op: op, lhs: typed(l), rhs: typed(r))
            case .call(let name, let args): return .call(name: name, args: args.map(typed))
            default: return e
            }
        }
        try FieldMath.typeCheck(typed(e), types: { _ in .unknown }, callType: callType)
    }

    /// A call's result type (influxql's `CallType`): count and elapsed give integers; the means,
    /// median, stddev, integral, the derivatives and moving_average floats; the others (sum,
    /// first, last, min, max, mode, spread, percentile, distinct, top, bottom, sample,
    /// difference, cumulative_sum) their argument's.
    static func callType(_ e: Expr) -> DataType? {
        guard case .call(let name, let args) = e else { return nil }
        switch name {
        case "count", "elapsed": return .integer
        case "mean", "median", "stddev", "integral", "derivative", "non_negative_derivative", "moving_average",
             "holt_winters", "holt_winters_with_fit":
            return .float
        default:
            switch args.first {
            case .varRef(_, let type)?: return type
            case let inner?: return callType(inner)
            case nil: return nil
            }
        }
    }
}
