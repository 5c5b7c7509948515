import Foundation
import InfluxQL
import Meta
import TSDB
import TSM

extension QueryExecutor {
    /// EXPLAIN ANALYZE: plans the query as 1.x's tracing spans record it (build_cursor, an
    /// iterator_scanner per call or one for the auxiliary fields, a create_iterator per
    /// measurement and shard with its cursor and block counters), runs it, discarding the rows,
    /// and prints the span tree with the measured times — 1.x's `executeExplainAnalyzeStatement`.
    /// Block counters are what the cursors read: every block of each cursor's key in the range
    /// (one per series for first/last without GROUP BY time, which read from the edge).
    func explainAnalyze(_ s: SelectStatement, queryID: UInt64) async throws(StatementError) -> [Row] {
        let start = DispatchTime.now().uptimeNanoseconds
        let cursor = try await buildCursorSpan(s, queryID: queryID)
        let planned = DispatchTime.now().uptimeNanoseconds
        _ = try await select(s, queryID: queryID)
        let end = DispatchTime.now().uptimeNanoseconds
        let total = Int64(end - start), planning = Int64(planned - start)
        let root = TraceSpan(name: "select", fields: [
            ("execution_time", InfluxQL.Duration.goString(total - planning)),
            ("planning_time", InfluxQL.Duration.goString(planning)),
            ("total_time", InfluxQL.Duration.goString(total)),
        ], children: [cursor])
        let lines = (TraceSpan.render(root) + "\n").split(separator: "\n", omittingEmptySubsequences: false)
        return [Row(columns: ["EXPLAIN ANALYZE"], values: lines.map { [.string(String($0))] })]
    }

    /// The `build_cursor` span of one SELECT (a subquery's nests under its outer scanner).
    private func buildCursorSpan(_ s: SelectStatement, queryID: UInt64) async throws(StatementError) -> TraceSpan {
        let compiled = try SelectCompiler.check(s)
        let (range, _) = try Self.timeRange(of: s, interval: compiled.interval)
        let data = meta.snapshot()
        // Every measurement source with its mapped shards (by id) and matching names.
        var sources: [(names: [String], shards: [Shard])] = []
        var subqueries: [SelectStatement] = []
        for source in s.sources {
            switch source {
            case .measurement(let m):
                let ids = try Self.mappedShardIDs(m, data, range: range)
                let mapped = shards(m.database).filter { ids.contains($0.id) }.sorted { $0.id < $1.id }
                let names = Set(mapped.flatMap { $0.index.measurements }).filter { Self.measurement($0, matches: m) }.sorted(by: RawSelect.bytesLess)
                sources.append((names, mapped))
            case .subquery(let inner):
                subqueries.append(inner)
            }
        }
        var fieldTypes: [String: FieldType] = [:]
        var tagKeys = Set<String>()
        for source in sources {
            for shard in source.shards {
                for name in source.names {
                    for (k, v) in shard.fieldSet.fields(of: name) where fieldTypes[k] == nil { fieldTypes[k] = v }
                    tagKeys.formUnion(shard.index.tagKeys(of: name))
                }
            }
        }
        for inner in subqueries {
            // A subquery's columns are the outer query's fields.
            // Under the statement's id, so that `query-timeout` and KILL QUERY reach it.
            if let rows = try? await select(inner, queryID: queryID, subquery: true) {
                for row in rows {
                    for (column, value) in zip(row.columns.dropFirst(), row.values.first?.dropFirst() ?? []) where fieldTypes[column] == nil {
                        if let t = SubquerySource.type(value) { fieldTypes[column] = t }
                    }
                }
            }
        }
        let plan = AnalyzedPlan(statement: s, fieldTypes: fieldTypes, tagKeys: tagKeys)
        var cursor = TraceSpan(name: "build_cursor", labels: [("statement", plan.rewritten.description)])
        guard plan.hasValidRefs else { return cursor }
        let condition = SeriesCondition(expr: s.condition, fields: Set(fieldTypes.keys))
        let conditionFields = Set(RawSelect.fieldRefs(s.condition)).filter { fieldTypes[$0] != nil }
        let conditionLabel = plan.typed(Self.withoutTime(s.condition)).map(\.description)
        for scanner in plan.scanners {
            var labels: [(String, String)] = []
            if !scanner.aux.isEmpty { labels.append(("auxiliary_fields", scanner.aux.map(plan.typedName).joined(separator: ", "))) }
            if let expr = scanner.expr { labels.append(("expr", expr)) }
            var span = TraceSpan(name: "iterator_scanner", labels: labels)
            for source in sources {
                for name in source.names {
                    for shard in source.shards where shard.index.measurements.contains(name) {
                        let started = DispatchTime.now().uptimeNanoseconds
                        let fields = shard.fieldSet.fields(of: name)
                        if let ref = scanner.ref, fields[ref] == nil { continue }
                        let series = ShardSource(shard: shard).series(of: name, matching: condition)
                        let aux = scanner.aux.filter { fields[$0] != nil }
                        let cond = conditionFields.filter { fields[$0] != nil }
                        var decoded: [FieldType: (blocks: Int, bytes: Int)] = [:]
                        for key in series.map(\.key) {
                            // Many series, many blocks: the statement's deadline holds here too.
                            if let why = registry.interruption(queryID) { throw StatementError(why) }
                            for field in (scanner.ref.map { [$0] } ?? []) + aux + cond.sorted() {
                                var cost = shard.engine.cost(key: key + TSMFormat.fieldSeparator + Array(field.utf8), min: range.min, max: range.max)
                                if scanner.edge && field == scanner.ref && cost.blocks > 1 {
                                    cost.blockBytes = cost.blockBytes / cost.blocks
                                    cost.blocks = 1
                                }
                                guard let type = fields[field] else { continue }
                                // Bytes as the index records them, the CRC included (as 1.x counts).
                                decoded[type, default: (0, 0)].blocks += cost.blocks
                                decoded[type, default: (0, 0)].bytes += cost.blockBytes
                            }
                        }
                        var node = TraceSpan(name: "create_iterator", labels: [("measurement", name), ("shard_id", String(shard.id))])
                        if let conditionLabel { node.labels.insert(("cond", conditionLabel), at: 0) }
                        node.fields = [("cursors_ref", String(scanner.ref == nil ? 0 : series.count)),
                                       ("cursors_aux", String(series.count * aux.count)),
                                       ("cursors_cond", String(series.count * cond.count))]
                        for type in [FieldType.float, .integer, .unsigned, .string, .boolean] {
                            let d = decoded[type] ?? (0, 0)
                            node.fields += [("\(type.description)_blocks_decoded", String(d.blocks)), ("\(type.description)_blocks_size_bytes", String(d.bytes))]
                        }
                        node.fields.append(("planning_time", InfluxQL.Duration.goString(Int64(DispatchTime.now().uptimeNanoseconds - started))))
                        span.children.append(node)
                    }
                }
            }
            for inner in subqueries { span.children.append(try await buildCursorSpan(inner, queryID: queryID)) }
            cursor.children.append(span)
        }
        return cursor
    }

    /// A condition without its time terms (1.x's `ConditionExpr`), or nil when only time remains.
    static func withoutTime(_ e: Expr?) -> Expr? {
        guard let e else { return nil }
        switch e {
        case .paren(let inner): return withoutTime(inner).map { .paren($0) }
        case .binary(.and, let l, let r):
            switch (withoutTime(l), withoutTime(r)) {
            case (nil, nil): return nil
            case (let x?, nil), (nil, let x?): return x
            case (let x?, let y?): return .binary(op: .and, lhs: x, rhs: y)
            }
        case .binary(_, .varRef("time", _), _), .binary(_, _, .varRef("time", _)): return nil
        default: return e
        }
    }
}

/// What 1.x's planner makes of a SELECT for the trace: the rewritten statement (wildcards
/// expanded, references typed, time conditions removed) and its iterator scanners.
struct AnalyzedPlan {
    struct Scanner {
        /// The call's text (typed), for call scanners.
        var expr: String?
        /// The field the call reads (its ref cursors).
        var ref: String?
        /// Auxiliary references, sorted.
        var aux: [String]
        /// first()/last() without GROUP BY time: the cursor reads from one edge.
        var edge = false
    }

    /// Calls whose wildcard expands to numeric fields only.
    static let numericOnly: Set<String> = ["mean", "sum", "median", "stddev", "spread", "integral", "percentile"]

    let fieldTypes: [String: FieldType]
    let tagKeys: Set<String>
    var rewritten: SelectStatement
    var scanners: [Scanner] = []
    /// Whether any reference has a known type (else 1.x builds a null cursor, no scanner).
    var hasValidRefs = false

    init(statement s: SelectStatement, fieldTypes: [String: FieldType], tagKeys: Set<String>) {
        self.fieldTypes = fieldTypes
        self.tagKeys = tagKeys
        let dimensions = Set(s.dimensions.compactMap { if case .varRef(let n, _) = $0 { return n }; return nil })
        var fields: [Field] = []
        for f in s.fields {
            switch f.expr {
            case .wildcard(let kind):
                var names: [String] = []
                if kind != .tag { names += fieldTypes.keys }
                if kind != .field { names += tagKeys.subtracting(dimensions) }
                for n in names.sorted(by: RawSelect.bytesLess) { fields.append(Field(expr: .varRef(name: n, type: .unknown), alias: "")) }
            case .regex(let re):
                let names = (Array(fieldTypes.keys) + Array(tagKeys.subtracting(dimensions))).filter { SeriesCondition.regexMatches(re, $0) }
                for n in names.sorted(by: RawSelect.bytesLess) { fields.append(Field(expr: .varRef(name: n, type: .unknown), alias: "")) }
            case .call(let name, let args) where args.first.map({ if case .wildcard = $0 { return true }; if case .regex = $0 { return true }; return false }) ?? false:
                var names = fieldTypes.filter { !Self.numericOnly.contains(name) || $0.value == .float || $0.value == .integer }.map(\.key)
                if case .regex(let re)? = args.first { names = names.filter { SeriesCondition.regexMatches(re, $0) } }
                for n in names.sorted(by: RawSelect.bytesLess) {
                    fields.append(Field(expr: .call(name: name, args: [.varRef(name: n, type: .unknown)] + args.dropFirst()), alias: "\(name)_\(n)"))
                }
            default:
                fields.append(f)
            }
        }
        var rewritten = s
        rewritten.fields = fields.map { Field(expr: Self.typed($0.expr, fieldTypes, tagKeys), alias: $0.alias) }
        rewritten.condition = QueryExecutor.withoutTime(s.condition).map { Self.typed($0, fieldTypes, tagKeys) }
        rewritten.sources = s.sources.map { source in
            if case .subquery(let inner) = source {
                return .subquery(AnalyzedPlan(statement: inner, fieldTypes: fieldTypes, tagKeys: tagKeys).rewritten)
            }
            return source
        }
        self.rewritten = rewritten

        // Calls (the outermost of each field), then the references outside calls.
        var calls: [(text: String, ref: String?, name: String)] = []
        var aux = Set<String>()
        func visit(_ e: Expr) {
            switch e {
            case .call(let name, let args) where !SelectCompiler.mathFunctions.contains(name):
                let text = Self.typed(e, fieldTypes, tagKeys).description
                if !calls.contains(where: { $0.text == text }) { calls.append((text, Self.innermostRef(args), name)) }
            case .call(_, let args): args.forEach(visit)
            case .binary(_, let l, let r): visit(l); visit(r)
            case .paren(let inner): visit(inner)
            case .varRef(let n, _) where n != "time": aux.insert(n)
            default: break
            }
        }
        for f in fields { visit(f.expr) }
        let auxList = aux.sorted(by: RawSelect.bytesLess)
        hasValidRefs = !calls.isEmpty || auxList.contains { fieldTypes[$0] != nil || tagKeys.contains($0) }
        if calls.isEmpty {
            if hasValidRefs { scanners = [Scanner(expr: nil, ref: nil, aux: auxList)] }
        } else {
            let grouped = s.groupsByTime
            scanners = calls.map { call in
                Scanner(expr: call.text, ref: call.ref, aux: calls.count == 1 ? auxList : [],
                        edge: !grouped && (call.name == "first" || call.name == "last"))
            }
        }
    }

    /// The field a call finally reads (`derivative(mean(v))` reads v).
    static func innermostRef(_ args: [Expr]) -> String? {
        switch args.first {
        case .varRef(let n, _)?: return n
        case .call(_, let inner)?: return innermostRef(inner)
        case .distinct(let n)?: return n
        default: return nil
        }
    }

    func typedName(_ n: String) -> String { Self.typed(.varRef(name: n, type: .unknown), fieldTypes, tagKeys).description }

    func typed(_ e: Expr?) -> Expr? { e.map { Self.typed($0, fieldTypes, tagKeys) } }

    /// References carry their types: fields their own, tags `tag`.
    static func typed(_ e: Expr, _ fieldTypes: [String: FieldType], _ tagKeys: Set<String>) -> Expr {
        switch e {
        case .varRef(let n, .unknown) where n != "time":
            if let t = fieldTypes[n] { return .varRef(name: n, type: RawSelect.dataType(t)) }
            return tagKeys.contains(n) ? .varRef(name: n, type: .tag) : e
        case .call(let name, let args): return .call(name: name, args: args.map { typed($0, fieldTypes, tagKeys) })
        case .binary(let op, let l, let r): return .binary(op: op, lhs: typed(l, fieldTypes, tagKeys), rhs: typed(r, fieldTypes, tagKeys))
        case .paren(let inner): return .paren(typed(inner, fieldTypes, tagKeys))
        default: return e
        }
    }
}

/// A finished tracing span as 1.x's `tracing.TreeNode` prints it (treeprint): the name, a
/// `labels` branch (sorted by key), the fields in order, then the children.
struct TraceSpan {
    var name: String
    var labels: [(String, String)] = []
    var fields: [(String, String)] = []
    var children: [TraceSpan] = []

    static func render(_ root: TraceSpan) -> String {
        var lines = ["."]
        emit(root, prefix: "", last: true, into: &lines)
        return lines.joined(separator: "\n")
    }

    private enum Item { case text(String), labels([(String, String)]), span(TraceSpan) }

    private static func emit(_ span: TraceSpan, prefix: String, last: Bool, into lines: inout [String]) {
        lines.append(prefix + (last ? "└── " : "├── ") + span.name)
        // treeprint continues a branch with "│" and two no-break spaces.
        let inner = prefix + (last ? "    " : "│\u{A0}\u{A0} ")
        var items: [Item] = []
        if !span.labels.isEmpty { items.append(.labels(span.labels.sorted { $0.0 < $1.0 })) }
        items += span.fields.map { .text("\($0.0): \($0.1)") }
        items += span.children.map { .span($0) }
        for (i, item) in items.enumerated() {
            let isLast = i == items.count - 1
            switch item {
            case .text(let t): lines.append(inner + (isLast ? "└── " : "├── ") + t)
            case .labels(let labels):
                lines.append(inner + (isLast ? "└── " : "├── ") + "labels")
                let labelPrefix = inner + (isLast ? "    " : "│\u{A0}\u{A0} ")
                for (j, l) in labels.enumerated() {
                    lines.append(labelPrefix + (j == labels.count - 1 ? "└── " : "├── ") + "\(l.0): \(l.1)")
                }
            case .span(let child): emit(child, prefix: inner, last: isLast, into: &lines)
            }
        }
    }
}
