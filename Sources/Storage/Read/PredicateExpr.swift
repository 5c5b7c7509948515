import InfluxQL
import Query

/// A Read predicate as 1.6's storage service evaluates it: the `Node` tree turned into an
/// InfluxQL-like expression (`_measurement` renamed `_name`, a field reference written `$`),
/// with 1.x's `Reduce` and the service's own evaluator (Spec/storage-rpc.md, "Predicates").
///
/// Its own type rather than `InfluxQL.Expr`: reduction produces 1.x's nil literal (a tag
/// value reduces to it), which InfluxQL's AST has no case for.
indirect enum PredicateExpr: Sendable, Equatable {
    case binary(Token, PredicateExpr, PredicateExpr)
    case paren(PredicateExpr)
    case ref(String)
    case string(String)
    /// The pattern's source and its compiled form.
    case regex(String, GoRegex)
    case integer(Int64)
    case unsigned(UInt64)
    case number(Double)
    case boolean(Bool)
    /// 1.x's `NilLiteral`: what a `[]byte` value (a tag, the measurement) reduces to.
    case null

    static func == (a: PredicateExpr, b: PredicateExpr) -> Bool {
        switch (a, b) {
        case (.binary(let o1, let l1, let r1), .binary(let o2, let l2, let r2)): o1 == o2 && l1 == l2 && r1 == r2
        case (.paren(let x), .paren(let y)): x == y
        case (.ref(let x), .ref(let y)), (.string(let x), .string(let y)): x == y
        case (.regex(let x, _), .regex(let y, _)): x == y
        case (.integer(let x), .integer(let y)): x == y
        case (.unsigned(let x), .unsigned(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.boolean(let x), .boolean(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    var isBooleanLiteral: Bool {
        if case .boolean = self { return true }
        return false
    }

    /// Calls `visit` on every node, parents first.
    func walk(_ visit: (PredicateExpr) -> Void) {
        visit(self)
        switch self {
        case .binary(_, let l, let r):
            l.walk(visit)
            r.walk(visit)
        case .paren(let inner): inner.walk(visit)
        default: break
        }
    }

    /// Whether the expression refers to `_field` and to the field value `$` (1.6's
    /// `HasFieldKeyOrValue`).
    var refersToFieldKeyAndValue: (fieldKey: Bool, value: Bool) {
        var key = false, value = false
        walk { if case .ref(let name) = $0 { key = key || name == "_field"; value = value || name == "$" } }
        return (key, value)
    }

    /// Replaces every comparison whose left side is one of `names` by `true` (1.6's
    /// `RewriteExprRemoveFieldKeyAndValue` and `RewriteExprRemoveFieldValue`).
    func removingComparisons(on names: Set<String>) -> PredicateExpr {
        switch self {
        case .binary(let op, .ref(let name), _) where names.contains(name) && op != .and && op != .or:
            return .boolean(true)
        case .binary(let op, let l, let r):
            return .binary(op, l.removingComparisons(on: names), r.removingComparisons(on: names))
        case .paren(let inner):
            return .paren(inner.removingComparisons(on: names))
        default:
            return self
        }
    }

    /// The measurement when the expression selects exactly one with `_name = 'x'` and has no
    /// OR (1.6's `HasSingleMeasurementNoOR`): then the fields come from that measurement alone.
    var singleMeasurementWithoutOr: String? {
        var last = "", foundOnce = true, invalid = false
        walk { node in
            guard foundOnce, !invalid, case .binary(let op, let lhs, let rhs) = node else { return }
            if op == .or {
                invalid = true
                return
            }
            guard case .ref("_name") = lhs else { return }
            guard op == .eq else {
                invalid = true
                return
            }
            if !last.isEmpty { foundOnce = false }
            if case .string(let name) = rhs { last = name }
        }
        return !last.isEmpty && foundOnce && !invalid ? last : nil
    }

    /// The expression in InfluxQL's AST for the index's series selection (1.6 hands the same
    /// reduced condition to `MeasurementSeriesByExprIterator`).
    var influxQL: Expr {
        switch self {
        case .binary(let op, let l, let r): .binary(op: op, lhs: l.influxQL, rhs: r.influxQL)
        case .paren(let inner): .paren(inner.influxQL)
        case .ref(let name): .varRef(name: name, type: .unknown)
        case .string(let s): .string(s)
        case .regex(let source, _): .regex(source)
        case .integer(let v): .integer(v)
        case .unsigned(let v): .unsigned(v)
        case .number(let v): .number(v)
        case .boolean(let b): .boolean(b)
        // Never reaches the index: only reduction with a valuer makes it.
        case .null: .boolean(false)
        }
    }

    /// Whether every operator is one the index accepts (1.6's `newSeriesCursor` refuses the
    /// rest with "invalid tag comparison operator").
    var hasOnlyTagOperators: Bool {
        var ok = true
        walk { node in
            if case .binary(let op, _, _) = node, ![.eq, .neq, .eqRegex, .neqRegex, .or, .and].contains(op) { ok = false }
        }
        return ok
    }
}
