import Foundation
import InfluxQL
import Meta
import TSDB
import TSM

extension QueryExecutor {
    /// One iterator 1.x would create: its expression, auxiliary fields and read cost.
    struct PlanNode {
        var expression: String
        var aux: [String]
        var cost = ReadCost()
        var shards = 0
        var series = 0
    }

    /// EXPLAIN: the iterators 1.x's planner would create, one per expression and source, with
    /// what they would read. 1.x's in-memory index is per database, so every mapped shard
    /// counts the database's series of the measurement (and 1 shard where it exists at all);
    /// files, blocks and cached values come from each shard's engine for each series key and
    /// each field read (the call's argument, the auxiliary fields, WHERE's fields).
    /// The costs are read key by key under the statement's id: `query-timeout` and KILL QUERY
    /// end a plan over very many series.
    func explain(_ s: SelectStatement, queryID: UInt64 = 0) async throws(StatementError) -> [Row] {
        let compiled = try SelectCompiler.check(s)
        let (range, _) = try Self.timeRange(of: s, interval: compiled.interval)
        let data = meta.snapshot()
        var nodes: [PlanNode] = []
        var sources: [(measurement: InfluxQL.Measurement, names: [String], mapped: [Shard], all: [Shard])] = []
        for case .measurement(let m) in s.sources {
            let ids = try Self.mappedShardIDs(m, data, range: range)
            let all = shards(m.database)
            let names = Set(all.flatMap { $0.index.measurements }).filter { Self.measurement($0, matches: m) }.sorted(by: RawSelect.bytesLess)
            sources.append((m, names, all.filter { ids.contains($0.id) }, all))
        }
        // Field types and tag keys of every source, as the planner's field mapping sees them.
        var fieldTypes: [String: FieldType] = [:]
        var tagKeys = Set<String>()
        for source in sources {
            for shard in source.mapped {
                for name in source.names {
                    for (k, v) in shard.fieldSet.fields(of: name) where fieldTypes[k] == nil { fieldTypes[k] = v }
                }
            }
            for shard in source.all { for name in source.names { tagKeys.formUnion(shard.index.tagKeys(of: name)) } }
        }
        func typed(_ name: String) -> String {
            if let t = fieldTypes[name] { return "\(name)::\(t.description)" }
            return tagKeys.contains(name) ? "\(name)::tag" : name
        }
        let fastCalls: Set<String> = ["count", "min", "max", "sum", "first", "last", "mean"]
        // The calls, innermost aggregate of a transformation, wildcards expanded.
        var calls: [(function: String, field: String)] = []
        var plain: [String] = []
        func visit(_ e: Expr) {
            switch e {
            case .call(let name, let args) where Transform.names.contains(name):
                if let inner = args.first { visit(inner) }
            case .call(let name, let args):
                guard let arg = args.first else { return }
                switch arg {
                case .varRef(let f, _): calls.append((name, f))
                case .call("distinct", let inner): if case .varRef(let f, _)? = inner.first { calls.append(("distinct", f)) }
                case .wildcard, .regex:
                    var fields = fieldTypes.filter { !AnalyzedPlan.numericOnly.contains(name) || $0.value == .float || $0.value == .integer }.map(\.key)
                    if case .regex(let re) = arg { fields = fields.filter { SeriesCondition.regexMatches(re, $0) } }
                    for f in fields.sorted(by: RawSelect.bytesLess) { calls.append((name, f)) }
                default: break
                }
            case .binary(_, let l, let r): visit(l); visit(r)
            case .paren(let inner): visit(inner)
            case .varRef(let name, _) where name != "time": plain.append(name)
            case .distinct(let f): calls.append(("distinct", f))
            case .wildcard(let kind):
                if kind != .tag { plain += fieldTypes.keys }
                if kind != .field { plain += tagKeys.subtracting(Set(s.dimensions.compactMap { if case .varRef(let n, _) = $0 { return n }; return nil })) }
            case .regex(let re):
                plain += (Array(fieldTypes.keys) + Array(tagKeys)).filter { SeriesCondition.regexMatches(re, $0) }
            default: break
            }
        }
        for f in s.fields { visit(f.expr) }
        let aux = Array(Set(plain)).sorted(by: RawSelect.bytesLess).map(typed)
        let conditionFields = Set(RawSelect.fieldRefs(s.condition)).filter { fieldTypes[$0] != nil }
        let expressions: [(text: String, ref: String?)] = calls.isEmpty ? (aux.isEmpty ? [] : [("<nil>", nil)])
            : calls.map { call in (fastCalls.contains(call.function) ? "\(call.function)(\(typed(call.field)))" : typed(call.field), call.field) }
        for expression in expressions {
            for source in sources {
                var node = PlanNode(expression: expression.text, aux: aux)
                let reads = (expression.ref.map { [$0] } ?? []) + Array(Set(plain)) + Array(conditionFields)
                for name in source.names {
                    let condition = SeriesCondition(expr: s.condition, fields: Set(fieldTypes.keys))
                    var keys = Set<[UInt8]>()
                    for shard in source.all { for series in ShardSource(shard: shard).series(of: name, matching: condition) { keys.insert(series.key) } }
                    for shard in source.mapped {
                        node.shards += 1
                        node.series += keys.count
                        for key in keys {
                            if let why = registry.interruption(queryID) { throw StatementError(why) }
                            for field in reads {
                                node.cost = node.cost + shard.engine.cost(key: key + TSMFormat.fieldSeparator + Array(field.utf8), min: range.min, max: range.max)
                            }
                        }
                    }
                }
                nodes.append(node)
            }
        }
        var lines: [String] = []
        for (i, node) in nodes.enumerated() {
            if i > 0 { lines.append("") }
            lines.append("EXPRESSION: \(node.expression)")
            if !node.aux.isEmpty { lines.append("AUXILIARY FIELDS: \(node.aux.joined(separator: ", "))") }
            lines += ["NUMBER OF SHARDS: \(node.shards)", "NUMBER OF SERIES: \(node.series)", "CACHED VALUES: \(node.cost.cachedValues)",
                      "NUMBER OF FILES: \(node.cost.files)", "NUMBER OF BLOCKS: \(node.cost.blocks)", "SIZE OF BLOCKS: \(node.cost.blockBytes)"]
        }
        if lines.isEmpty { lines = [""] }
        return [Row(columns: ["QUERY PLAN"], values: lines.map { [.string($0)] })]
    }
}
