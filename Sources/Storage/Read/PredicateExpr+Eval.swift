import Foundation
import InfluxQL
import Query

/// A value 1.6's storage evaluator (`services/storage/eval.go`) works with.
enum EvalValue {
    case bool(Bool)
    case float(Double)
    case integer(Int64)
    /// Unsigned values compare with nothing in 1.6's evaluator: every comparison is false.
    case unsigned(UInt64)
    case string(String)
    /// A tag value or measurement name; an absent tag is the empty value.
    case bytes([UInt8])
    case regex(GoRegex)
}

extension PredicateExpr {
    /// Whether the expression holds, with references resolved by `value` (1.6's
    /// `evalExprBool`: anything but a true boolean is false).
    func holds(_ value: (String) -> EvalValue?) -> Bool {
        if case .bool(true)? = evaluate(value) { return true }
        return false
    }

    func evaluate(_ value: (String) -> EvalValue?) -> EvalValue? {
        switch self {
        case .binary(let op, let l, let r): return Self.evaluateBinary(op, l.evaluate(value), r.evaluate(value))
        case .paren(let inner): return inner.evaluate(value)
        case .ref(let name): return value(name)
        case .string(let s): return .string(s)
        case .regex(_, let re): return .regex(re)
        case .integer(let v): return .integer(v)
        case .unsigned(let v): return .unsigned(v)
        case .number(let v): return .float(v)
        case .boolean(let b): return .bool(b)
        case .null: return nil
        }
    }

    private static func evaluateBinary(_ op: Token, _ lhs: EvalValue?, _ rhs: EvalValue?) -> EvalValue? {
        var lhs = lhs, rhs = rhs
        // A nil side next to a boolean counts as false.
        if lhs == nil, case .bool? = rhs { lhs = .bool(false) }
        if rhs == nil, case .bool? = lhs { rhs = .bool(false) }
        switch lhs {
        case .bool(let a)?:
            var b = false, ok = false
            if case .bool(let v)? = rhs { b = v; ok = true }
            switch op {
            case .and, .bitwiseAnd: return .bool(ok && a && b)
            case .or, .bitwiseOr: return .bool(ok && (a || b))
            case .bitwiseXor, .neq: return .bool(ok && a != b)
            case .eq: return .bool(ok && a == b)
            default: return nil
            }
        case .float(let a)?:
            var b = 0.0, ok = true
            switch rhs {
            case .float(let v)?: b = v
            case .integer(let v)?: b = Double(v)
            default: ok = false
            }
            return floatOp(op, a, b, ok)
        case .integer(let a)?:
            if case .float(let b)? = rhs { return floatOp(op, Double(a), b, true) }
            guard case .integer(let b)? = rhs else {
                return [.eq, .neq, .lt, .lte, .gt, .gte].contains(op) ? .bool(false) : nil
            }
            switch op {
            case .eq: return .bool(a == b)
            case .neq: return .bool(a != b)
            case .lt: return .bool(a < b)
            case .lte: return .bool(a <= b)
            case .gt: return .bool(a > b)
            case .gte: return .bool(a >= b)
            case .add: return .integer(a &+ b)
            case .sub: return .integer(a &- b)
            case .mul: return .integer(a &* b)
            case .div: return b == 0 ? .float(0) : .integer(b == -1 ? 0 &- a : a / b)
            case .mod: return .integer(b == 0 || b == -1 ? 0 : a % b)
            case .bitwiseAnd: return .integer(a & b)
            case .bitwiseOr: return .integer(a | b)
            case .bitwiseXor: return .integer(a ^ b)
            default: return nil
            }
        case .string(let a)?:
            return textOp(op, Array(a.utf8), rhs)
        case .bytes(let a)?:
            return textOp(op, a, rhs)
        default:
            return nil
        }
    }

    private static func floatOp(_ op: Token, _ a: Double, _ b: Double, _ ok: Bool) -> EvalValue? {
        switch op {
        case .eq: return .bool(ok && a == b)
        case .neq: return .bool(ok && a != b)
        case .lt: return .bool(ok && a < b)
        case .lte: return .bool(ok && a <= b)
        case .gt: return .bool(ok && a > b)
        case .gte: return .bool(ok && a >= b)
        case .add: return ok ? .float(a + b) : nil
        case .sub: return ok ? .float(a - b) : nil
        case .mul: return ok ? .float(a * b) : nil
        case .div: return ok ? .float(b == 0 ? 0 : a / b) : nil
        case .mod: return ok ? .float(fmod(a, b)) : nil
        default: return nil
        }
    }

    /// String and `[]byte` left sides: equality with a string, matching with a regex.
    private static func textOp(_ op: Token, _ a: [UInt8], _ rhs: EvalValue?) -> EvalValue? {
        switch (op, rhs) {
        case (.eq, .string(let b)?): return .bool(a.elementsEqual(b.utf8))
        case (.neq, .string(let b)?): return .bool(!a.elementsEqual(b.utf8))
        case (.eqRegex, .regex(let re)?): return .bool(re.matches(String(decoding: a, as: UTF8.self)))
        case (.neqRegex, .regex(let re)?): return .bool(!re.matches(String(decoding: a, as: UTF8.self)))
        default: return nil
        }
    }
}
