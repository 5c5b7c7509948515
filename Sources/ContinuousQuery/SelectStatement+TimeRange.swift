import InfluxQL
import Query

extension SelectStatement {
    /// 1.x's `SetTimeRange`: the condition becomes `<condition without time> AND time >=
    /// 'start' AND time < 'end'`. As 1.x, this goes through text: the rewritten condition is
    /// printed, joined with the range and parsed again — so an unparenthesized `OR` in the
    /// stored condition binds looser than the added range, exactly as in influxd.
    mutating func setTimeRange(start: Int64, end: Int64) throws(ParseError) {
        var text = "time >= '\(Self.rfc3339Nano(start))' AND time < '\(Self.rfc3339Nano(end))'"
        if let condition {
            text = "\(Self.withoutTimeDimensions(condition)) AND \(text)"
        }
        let reduced = Self.reduceBooleans(try Parser.parseExpr(text))
        if case .paren(let inner) = reduced { condition = inner } else { condition = reduced }
    }

    /// Go's `RFC3339Nano` in UTC.
    static func rfc3339Nano(_ ns: Int64) -> String {
        var out: [UInt8] = []
        RFC3339.append(ns, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// 1.x's `rewriteWithoutTimeDimensions`, bottom-up: a comparison whose left side prints
    /// as `time`, and any call (`now()`), become `true`.
    static func withoutTimeDimensions(_ e: Expr) -> Expr {
        switch e {
        case .binary(let op, let lhs, let rhs):
            let l = withoutTimeDimensions(lhs), r = withoutTimeDimensions(rhs)
            return l.description == "time" ? .boolean(true) : .binary(op: op, lhs: l, rhs: r)
        case .paren(let inner): return .paren(withoutTimeDimensions(inner))
        case .call: return .boolean(true)
        default: return e
        }
    }

    /// The boolean part of 1.x's `Reduce` (no valuer): `true AND x` is `x`, `false OR x` is
    /// `x`, literal booleans fold, parentheses around anything but a binary expression go.
    /// Other constant folding is left to the query compiler, which does it again anyway.
    static func reduceBooleans(_ e: Expr) -> Expr {
        switch e {
        case .binary(let op, let lhs, let rhs):
            let l = reduceBooleans(lhs), r = reduceBooleans(rhs)
            if op == .and {
                if l == .boolean(false) || r == .boolean(false) { return .boolean(false) }
                if l == .boolean(true) { return r }
                if r == .boolean(true) { return l }
            } else if op == .or {
                if l == .boolean(true) || r == .boolean(true) { return .boolean(true) }
                if l == .boolean(false) { return r }
                if r == .boolean(false) { return l }
            }
            if case .boolean(let a) = l, case .boolean(let b) = r {
                switch op {
                case .eq: return .boolean(a == b)
                case .neq, .bitwiseXor: return .boolean(a != b)
                case .bitwiseAnd: return .boolean(a && b)
                case .bitwiseOr: return .boolean(a || b)
                default: break
                }
            }
            return .binary(op: op, lhs: l, rhs: r)
        case .paren(let inner):
            let reduced = reduceBooleans(inner)
            if case .binary = reduced { return .paren(reduced) }
            return reduced
        default:
            return e
        }
    }
}
