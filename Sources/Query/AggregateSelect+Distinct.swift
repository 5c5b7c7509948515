import InfluxQL

/// A transformation or arithmetic over `distinct(f)` (`derivative(distinct(v), 1s)`,
/// `distinct(v) * 2`): 1.x applies it to distinct's rows as they come — several per window,
/// one per distinct value — so the statement runs with the plain `distinct(f)` and the outer
/// part is applied to each series' rows, then LIMIT and OFFSET.
extension AggregateSelect {
    /// What is applied to the rows of distinct.
    struct DistinctOuter: Sendable {
        /// The statement with the one field `distinct(f)`, and no LIMIT or OFFSET.
        var inner: SelectStatement
        /// The field as written (a transformation call or arithmetic).
        var outer: Expr
        /// The output column: the alias, else the transformation's name, else `distinct`.
        var column: String
    }

    /// The rewrite of a statement whose only field transforms or computes with `distinct(f)`;
    /// nil for any other statement.
    static func distinctOuter(_ s: SelectStatement) -> DistinctOuter? {
        guard s.fields.count == 1, s.target == nil else { return nil }
        let field = s.fields[0]
        func isDistinct(_ e: Expr) -> Bool { distinctField([e]) != nil }
        var found: Expr?
        var column = field.alias
        switch field.expr {
        case .call(let name, let args) where Transform.names.contains(name) && !name.hasPrefix("holt_winters"):
            guard let first = args.first, isDistinct(first) else { return nil }
            found = first
            if column.isEmpty { column = name }
        case .binary, .paren, .call:
            // Arithmetic with one distinct call and otherwise numbers or math functions.
            func scan(_ e: Expr) -> Bool {
                switch e {
                case .number, .integer: return true
                case .paren(let inner): return scan(inner)
                case .binary(let op, let l, let r): return [.add, .sub, .mul, .div, .mod, .bitwiseAnd, .bitwiseOr, .bitwiseXor].contains(op) && scan(l) && scan(r)
                case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name): return !args.isEmpty && args.allSatisfy(scan)
                default:
                    guard isDistinct(e), found == nil else { return false }
                    found = e
                    return true
                }
            }
            guard scan(field.expr), found != nil, field.expr != found else { return nil }
            // 1.x names arithmetic after its first call (`abs(distinct(v)) - 3` is `abs`).
            if column.isEmpty { column = firstCallName(field.expr) ?? "distinct" }
        default:
            return nil
        }
        guard let distinct = found else { return nil }
        var inner = s
        inner.fields = [Field(expr: distinct, alias: "")]
        inner.limit = 0
        inner.offset = 0
        return DistinctOuter(inner: inner, outer: field.expr, column: column)
    }

    /// The name of the first call in `e`, reading left to right.
    private static func firstCallName(_ e: Expr) -> String? {
        switch e {
        case .paren(let inner): return firstCallName(inner)
        case .binary(_, let l, let r): return firstCallName(l) ?? firstCallName(r)
        case .call(let name, _): return name
        case .distinct: return "distinct"
        default: return nil
        }
    }

    /// Applies the outer part to each series' distinct rows (`[time, value]`, in output order),
    /// then LIMIT and OFFSET; a series left without rows is dropped.
    func applying(_ outer: DistinctOuter, limit: Int, offset: Int, to series: [Row]) throws(StatementError) -> [Row] {
        let ascending = statement.sortFields.first?.ascending ?? true
        let isTransform: Bool = if case .call(let name, _) = outer.outer { Transform.names.contains(name) } else { false }
        if !isTransform {
            let (fieldTypes, tagKeys) = RawSelect.schema(targets)
            try Self.typeCheck(outer.outer, fieldTypes: fieldTypes, tagKeys: tagKeys)
        }
        var out: [Row] = []
        for var row in series {
            if let why = interrupted() { throw StatementError(why) }
            let points = row.values.compactMap { values -> (time: Int64, value: Value)? in
                guard values.count >= 2, case .time(let t) = values[0] else { return nil }
                return (t, values[1])
            }
            var results: [(time: Int64, value: Value)]
            if case .call(let name, let args) = outer.outer, Transform.names.contains(name) {
                var argument = Transform.argument(name, args)
                // derivative's unit is the GROUP BY interval unless one is written.
                if name.hasSuffix("derivative"), !TechnicalAnalysis.names.contains(name), args.count == 1, interval > 0 { argument = interval }
                results = Transform.apply(name, points.filter { $0.value != .null }, argument: argument, ascending: ascending)
            } else {
                results = points.map { p in
                    var slice = [p.value][...]
                    return (p.time, Self.evaluate(outer.outer, &slice))
                }
            }
            results = Array(results.dropFirst(max(0, offset)))
            if limit > 0 { results = Array(results.prefix(limit)) }
            guard !results.isEmpty else { continue }
            row.columns = ["time", outer.column]
            row.values = results.map { [.time($0.time), $0.value] }
            out.append(row)
        }
        return out
    }
}
