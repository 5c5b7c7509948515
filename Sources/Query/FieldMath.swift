import GoMath
import Foundation
import InfluxQL

/// Arithmetic and math functions on result values, as 1.x evaluates them: integers stay
/// integers for `+ - * %` and bitwise operators, `/` always gives a float, division by zero
/// gives 0, and null propagates.
enum FieldMath {
    struct TypeError: Error { var text: String }

    /// `keepNaN`: a NaN result stays a value (inside a subquery 1.x's outer query gets the NaN
    /// point: count counts it, sum and mean become NaN); otherwise it is null, as 1.x's cursor
    /// writes it.
    static func binary(_ op: Token, _ a: Value, _ b: Value, keepNaN: Bool = false) -> Value {
        if a == .null || b == .null { return .null }
        if case .integer(let x) = a, case .integer(let y) = b {
            switch op {
            case .add: return .integer(x &+ y)
            case .sub: return .integer(x &- y)
            case .mul: return .integer(x &* y)
            case .div: return y == 0 ? .float(0) : .float(Double(x) / Double(y))
            // Go: MinInt64 % -1 is 0 (Swift's % would trap).
            case .mod: return y == 0 || y == -1 ? .integer(0) : .integer(x % y)
            case .bitwiseAnd: return .integer(x & y)
            case .bitwiseOr: return .integer(x | y)
            case .bitwiseXor: return .integer(x ^ y)
            default: return .null
            }
        }
        guard let x = RawSelect.number(a), let y = RawSelect.number(b) else { return .null }
        let r: Double
        switch op {
        case .add: r = x + y
        case .sub: r = x - y
        case .mul: r = x * y
        case .div: r = y == 0 ? 0 : x / y
        // Go's math.Mod: by zero it is NaN, which comes out as null (1.x's `% 0` on floats).
        case .mod: r = fmod(x, y)
        default: return .null
        }
        // 1.x's cursor turns NaN into null.
        return r.isNaN && !keepNaN ? .null : .float(r)
    }

    static func call(_ name: String, _ args: [Value], keepNaN: Bool = false) -> Value {
        guard !args.isEmpty, !args.contains(.null) else { return .null }
        // 1.6's abs(), floor(), ceil() and round() return integers unchanged (abs of a
        // negative one included).
        if ["abs", "floor", "ceil", "round"].contains(name) {
            if case .integer = args[0] { return args[0] }
            if case .unsigned = args[0] { return args[0] }
        }
        guard let x = RawSelect.number(args[0]) else { return .null }
        let y = args.count > 1 ? RawSelect.number(args[1]) : nil
        let r: Double
        switch name {
        case "abs": r = Swift.abs(x)
        case "sin": r = GoMath.sin(x)
        case "cos": r = GoMath.cos(x)
        case "tan": r = GoMath.tan(x)
        case "asin": r = GoMath.asin(x)
        case "acos": r = GoMath.acos(x)
        case "atan": r = GoMath.atan(x)
        case "atan2": r = GoMath.atan2(x, y ?? 0)
        case "exp": r = GoMath.exp(x)
        case "ln": r = GoMath.log(x)
        case "log": r = GoMath.log(x) / GoMath.log(y ?? 10)
        case "log2": r = GoMath.log2(x)
        case "log10": r = GoMath.log10(x)
        case "sqrt": r = x.squareRoot()
        case "pow": r = pow(x, y ?? 1)
        case "floor": r = floor(x)
        case "ceil": r = ceil(x)
        case "round": r = x.rounded(.toNearestOrAwayFromZero)
        default: return .null
        }
        // 1.x's cursor turns NaN into null; ±Inf stays (and fails its JSON encoder).
        return r.isNaN && !keepNaN ? .null : .float(r)
    }

    /// 1.x's `BinaryExprName`: the variable names of an expression joined by `_`.
    static func name(_ e: Expr) -> String {
        switch e {
        case .varRef(let n, _): return n
        case .call(let n, _): return n
        case .paren(let inner): return name(inner)
        case .binary(_, let l, let r):
            let names = [l, r].map(name).filter { !$0.isEmpty }
            return names.joined(separator: "_")
        default: return ""
        }
    }

    /// 1.x's type check of arithmetic on fields of known types (`type error: …`); a call's
    /// type is `callType`'s answer, float when it has none.
    static func typeCheck(_ e: Expr, types: (String) -> DataType, callType: (Expr) -> DataType? = { _ in nil }) throws(StatementError) {
        func type(_ e: Expr) throws(StatementError) -> DataType {
            switch e {
            case .varRef(let n, let cast): return cast == .unknown ? types(n) : cast
            case .integer: return .integer
            case .number: return .float
            case .string: return .string
            case .boolean: return .boolean
            case .paren(let inner): return try type(inner)
            case .call: return callType(e) ?? .float
            case .binary(let op, let l, let r):
                let (a, b) = (try type(l), try type(r))
                let bitwise = [.bitwiseAnd, .bitwiseOr, .bitwiseXor].contains(op)
                let numeric: Set<DataType> = [.float, .integer, .unsigned, .unknown]
                let ok = bitwise ? (a == b && (a == .integer || a == .unsigned || a == .boolean)) || a == .unknown || b == .unknown
                    : numeric.contains(a) && numeric.contains(b)
                if !ok {
                    throw StatementError("type error: \(Self.typed(l, types)) \(op.text) \(Self.typed(r, types)): incompatible types: \(a.name) and \(b.name)")
                }
                return op == .div ? .float : (a == .float || b == .float ? .float : a)
            default: return .unknown
            }
        }
        _ = try type(e)
    }

    static func typed(_ e: Expr, _ types: (String) -> DataType) -> String {
        if case .varRef(let n, let cast) = e, cast == .unknown, types(n) != .unknown { return "\(e)::\(types(n).name)" }
        return e.description
    }
}
