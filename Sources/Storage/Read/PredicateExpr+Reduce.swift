import Foundation
import InfluxQL

/// What a reference resolves to while reducing (1.x's `Valuer` values that become literals).
enum ReduceValue {
    /// A Go `string` (the field key): becomes a string literal.
    case string(String)
    /// A Go `[]byte` (a tag value, the measurement name): 1.x's `asLiteral` has no case for
    /// it, so it becomes the nil literal.
    case bytes
}

extension PredicateExpr {
    /// 1.x's `influxql.Reduce`: literals folded, `AND`/`OR` with a boolean side simplified,
    /// references resolved through `valuer` (nil: left as they are). Time literals in strings
    /// are not parsed: a Read predicate compares no times.
    func reduced(_ valuer: ((String) -> ReduceValue?)? = nil) -> PredicateExpr {
        switch self {
        case .binary(let op, let l, let r):
            return Self.reduceBinary(op, l.reduced(valuer), r.reduced(valuer))
        case .paren(let inner):
            let sub = inner.reduced(valuer)
            if case .binary = sub { return .paren(sub) }
            return sub
        case .ref(let name):
            switch valuer?(name) {
            case .string(let s)?: return .string(s)
            case .bytes?: return .null
            case nil: return self
            }
        default:
            return self
        }
    }

    private static func reduceBinary(_ op: Token, _ lhs: PredicateExpr, _ rhs: PredicateExpr) -> PredicateExpr {
        if op == .and {
            if lhs == .boolean(false) || rhs == .boolean(false) { return .boolean(false) }
            if lhs == .boolean(true) { return rhs }
            if rhs == .boolean(true) { return lhs }
        } else if op == .or {
            if lhs == .boolean(true) || rhs == .boolean(true) { return .boolean(true) }
            if lhs == .boolean(false) { return rhs }
            if rhs == .boolean(false) { return lhs }
        }
        let unreduced = PredicateExpr.binary(op, lhs, rhs)
        switch lhs {
        case .boolean(let a):
            switch rhs {
            case .boolean(let b):
                switch op {
                case .eq: return .boolean(a == b)
                case .neq, .bitwiseXor: return .boolean(a != b)
                case .and, .bitwiseAnd: return .boolean(a && b)
                case .or, .bitwiseOr: return .boolean(a || b)
                default: return unreduced
                }
            case .null: return .boolean(false)
            default: return unreduced
            }
        case .null:
            return op == .eq || op == .neq ? .boolean(false) : unreduced
        case .string(let a):
            switch rhs {
            case .string(let b):
                switch op {
                case .eq: return .boolean(a == b)
                case .neq: return .boolean(a != b)
                case .add: return .string(a + b)
                default: return unreduced
                }
            case .null: return op == .eq || op == .neq ? .boolean(false) : unreduced
            default: return unreduced
            }
        case .number(let a):
            switch rhs {
            case .number(let b): return reduceNumbers(op, a, b) ?? unreduced
            case .integer(let b): return reduceNumbers(op, a, Double(b)) ?? unreduced
            case .unsigned(let b): return reduceNumbers(op, a, Double(b)) ?? unreduced
            case .null: return .boolean(false)
            default: return unreduced
            }
        case .integer(let a):
            switch rhs {
            case .number(let b): return reduceNumbers(op, Double(a), b) ?? unreduced
            case .integer(let b): return reduceIntegers(op, a, b) ?? unreduced
            case .unsigned:
                if a < 0 {
                    if op == .lt || op == .lte { return .boolean(true) }
                    if op == .gt || op == .gte { return .boolean(false) }
                }
                return reduceBinary(op, .unsigned(UInt64(bitPattern: a)), rhs)
            case .null: return .boolean(false)
            default: return unreduced
            }
        case .unsigned(let a):
            switch rhs {
            case .number(let b): return reduceNumbers(op, Double(a), b) ?? unreduced
            case .integer(let b):
                if b < 0 {
                    if op == .lt || op == .lte { return .boolean(false) }
                    if op == .gt || op == .gte { return .boolean(true) }
                }
                return reduceBinary(op, lhs, .unsigned(UInt64(bitPattern: b)))
            case .unsigned(let b): return reduceUnsigned(op, a, b) ?? unreduced
            default: return unreduced
            }
        default:
            return unreduced
        }
    }

    private static func reduceNumbers(_ op: Token, _ a: Double, _ b: Double) -> PredicateExpr? {
        switch op {
        case .add: .number(a + b)
        case .sub: .number(a - b)
        case .mul: .number(a * b)
        case .div: .number(b == 0 ? 0 : a / b)
        case .mod: .number(fmod(a, b))
        case .eq: .boolean(a == b)
        case .neq: .boolean(a != b)
        case .gt: .boolean(a > b)
        case .gte: .boolean(a >= b)
        case .lt: .boolean(a < b)
        case .lte: .boolean(a <= b)
        default: nil
        }
    }

    private static func reduceIntegers(_ op: Token, _ a: Int64, _ b: Int64) -> PredicateExpr? {
        switch op {
        case .add: .integer(a &+ b)
        case .sub: .integer(a &- b)
        case .mul: .integer(a &* b)
        case .div: .number(b == 0 ? 0 : Double(a) / Double(b))
        // Go's `%` and `/` wrap for MinInt64 / -1; Swift's trap.
        case .mod: .integer(b == 0 || b == -1 ? 0 : a % b)
        case .bitwiseAnd: .integer(a & b)
        case .bitwiseOr: .integer(a | b)
        case .bitwiseXor: .integer(a ^ b)
        case .eq: .boolean(a == b)
        case .neq: .boolean(a != b)
        case .gt: .boolean(a > b)
        case .gte: .boolean(a >= b)
        case .lt: .boolean(a < b)
        case .lte: .boolean(a <= b)
        default: nil
        }
    }

    private static func reduceUnsigned(_ op: Token, _ a: UInt64, _ b: UInt64) -> PredicateExpr? {
        switch op {
        case .add: .unsigned(a &+ b)
        case .sub: .unsigned(a &- b)
        case .mul: .unsigned(a &* b)
        case .div: .unsigned(b == 0 ? 0 : a / b)
        case .mod: .unsigned(b == 0 ? 0 : a % b)
        case .eq: .boolean(a == b)
        case .neq: .boolean(a != b)
        case .gt: .boolean(a > b)
        case .gte: .boolean(a >= b)
        case .lt: .boolean(a < b)
        case .lte: .boolean(a <= b)
        default: nil
        }
    }
}
