import InfluxQL
import TSDB

// 1.x refuses some calls over text or booleans only when it builds their iterators: in a shard
// that holds the field for a measurement with a series matching the query (its tag condition,
// GROUP BY and SLIMIT/SOFFSET). A query matching no such series answers empty instead of the
// error, so the check looks at the series first.

extension RawSelect {
    /// The field's type in the first shard (measurements in name order) where 1.x builds an
    /// iterator over it, or nil when it builds none.
    static func builtType(of field: String, targets: [Target], condition: SeriesCondition, dimensions: [String],
                          sLimit: Int, sOffset: Int, tagSets: [String]? = nil) -> FieldType? {
        for target in targets.sorted(by: { bytesLess($0.name, $1.name) }) {
            let holding = target.shards.filter { $0.fieldTypes(of: target.name)[field] != nil }
            guard !holding.isEmpty else { continue }
            let groups = limitPerShard(groups(of: Target(name: target.name, shards: holding), matching: condition, by: dimensions), dimensions: dimensions,
                                       sLimit: sLimit, sOffset: sOffset, tagSets: tagSets)
            for group in groups {
                for (_, sources) in group.members {
                    if let t = sources.lazy.compactMap({ $0.fieldTypes(of: target.name)[field] }).first { return t }
                }
            }
        }
        return nil
    }

    /// Transformations 1.x runs on numbers only, and the name its error gives the iterator.
    static let numericTransformIterators = [
        "derivative": "derivative", "non_negative_derivative": "derivative", "difference": "difference",
        "non_negative_difference": "difference", "moving_average": "moving average", "cumulative_sum": "cumulative sum",
    ]

    static func interruptIterator(_ t: FieldType) -> String {
        "*query.\(t == .string ? "string" : "boolean")InterruptIterator"
    }
}

extension AggregateSelect {
    /// Calls 1.x builds for numbers only: the numeric-only aggregates, top and bottom.
    static let numericCalls = AnalyzedPlan.numericOnly.union(["top", "bottom"])

    /// A call over a stored field as 1.x builds it: the function, its field, whether it is
    /// top/bottom with tag arguments, and the transformation wrapping it.
    struct IteratorUse {
        var function: String
        var field: String
        var tagged = false
        var transform: String?
    }

    /// The calls over fields inside arithmetic, in the order 1.x builds them.
    static func iteratorUses(in e: Expr) -> [IteratorUse] {
        switch e {
        case .paren(let inner): return iteratorUses(in: inner)
        case .binary(_, let l, let r): return iteratorUses(in: l) + iteratorUses(in: r)
        case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name): return args.flatMap(iteratorUses(in:))
        case .call(let name, let args) where Transform.names.contains(name):
            guard case .call(let inner, let innerArgs)? = args.first, case .varRef(let f, _)? = innerArgs.first else { return [] }
            return [IteratorUse(function: inner, field: f, transform: name)]
        case .call(let name, let args):
            guard case .varRef(let f, _)? = args.first else { return [] }
            return [IteratorUse(function: name, field: f, tagged: args.count > 2)]
        default: return []
        }
    }

    /// 1.x's iterator type errors, field by field: numeric-only calls over text or booleans,
    /// min/max over text, and numeric transformations of a text or boolean result.
    func checkIteratorTypes(_ columns: [Column], fieldTypes: [String: FieldType], condition: SeriesCondition,
                            dimensions: [String]) throws(StatementError) {
        var built: [String: FieldType?] = [:]
        func builtType(_ field: String) -> FieldType? {
            if let t = built[field] { return t }
            let t = RawSelect.builtType(of: field, targets: targets, condition: condition, dimensions: dimensions,
                                        sLimit: statement.sLimit, sOffset: statement.sOffset, tagSets: statement.limitDimensions)
            built[field] = t
            return t
        }
        func check(_ use: IteratorUse) throws(StatementError) {
            guard let t = fieldTypes[use.field], t == .string || t == .boolean,
                  let b = builtType(use.field), b == .string || b == .boolean else { return }
            if use.tagged, ["top", "bottom"].contains(use.function) {
                // top/bottom with tags first reduce each tag combination with max/min.
                if b == .string { throw StatementError("unsupported \(use.function == "top" ? "max" : "min") iterator type: \(RawSelect.interruptIterator(b))") }
                throw StatementError("unsupported \(use.function) iterator type: *query.booleanReduceBooleanIterator")
            }
            if Self.numericCalls.contains(use.function) || (["min", "max"].contains(use.function) && b == .string) {
                throw StatementError("unsupported \(use.function) iterator type: \(RawSelect.interruptIterator(b))")
            }
            // The wrapped call keeps its argument's type unless it counts.
            if let transform = use.transform, let iterator = RawSelect.numericTransformIterators[transform],
               !["count", "countDistinct", "elapsed"].contains(use.function) {
                throw StatementError("unsupported \(iterator) iterator type: \(RawSelect.interruptIterator(b))")
            }
        }
        for column in columns {
            switch column {
            case .call(let c): try check(IteratorUse(function: c.function, field: c.field, tagged: !c.tags.isEmpty))
            case .transform(let name, let c, _, _, _): try check(IteratorUse(function: c.function, field: c.field, transform: name))
            case .math(let e, _): for use in Self.iteratorUses(in: e) { try check(use) }
            case .aux: break
            }
        }
    }
}
