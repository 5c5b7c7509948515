import Foundation
import InfluxQL
import Meta
import TSDB
import TSM

/// A SELECT without functions over stored points (1.x's raw queries): fields and tags by
/// name, wildcards and regexes expanded over every source, WHERE on time, tags and fields,
/// GROUP BY tags, ORDER BY time, LIMIT/OFFSET per series and SLIMIT/SOFFSET over series.
///
/// Points are read per series and field through the engine's range reads; rows merge by time,
/// ties in series key order (reversed for DESC, as 1.x's iterators order them).
struct RawSelect {
    enum Source: Hashable {
        case field(String, DataType)
        case tag(String)
        case none
        /// Arithmetic and math functions over fields and tags.
        case expr(Expr)
        /// A transformation of one field's points (name, field, argument).
        case transform(String, String, Int64)
    }

    struct Column {
        var name: String
        var source: Source
        /// For a transformation inside arithmetic or math functions (`difference(v) + 1`,
        /// `abs(difference(w))`): the expression its outputs go through.
        var post: Expr? = nil
    }

    /// One measurement's shards in the query's time range.
    struct Target {
        var name: String
        var shards: [any SeriesSource]
        /// Matched through a regex source (1.x merges such measurements once more).
        var viaRegex = false
        /// Tag keys the database knows for the measurement beyond these shards: 1.x's inmem
        /// index is the database's, so wildcards and GROUP BY * see the tag keys of every
        /// shard (other retention policies and times included).
        var databaseTagKeys: Set<String> = []
    }

    let statement: SelectStatement
    let targets: [Target]
    let range: (min: Int64, max: Int64)
    /// Why the query must stop (killed, timed out), checked between output series.
    var interrupted: @Sendable () -> String? = { nil }
    /// `max-query-memory`: charged for the rows held until they are written.
    var memory = QueryMemory(limit: 0)
    /// Run as a subquery: 1.x type-checks only the outermost statement, so a column whose
    /// expression is a type error is an untyped column there, null in every row (and with
    /// no other column there are no rows).
    var inSubquery = false

    /// Whether the statement is one this reads: only field/tag references, wildcards and regexes.
    static func handles(_ s: SelectStatement) -> Bool {
        guard s.target == nil else { return false }
        guard s.dimensions.allSatisfy({ switch $0 { case .varRef, .wildcard, .regex: true; default: false } }) else { return false }
        return s.fields.allSatisfy { field in
            switch field.expr {
            case .varRef, .wildcard, .regex: return true
            case .call(let name, let args) where Transform.names.contains(name):
                switch args.first {
                case .varRef?, .wildcard?, .regex?: return true
                default: return false
                }
            default: return isMath(field.expr) || transformInMath(field.expr) != nil
            }
        }
    }

    /// The one transformation of a field inside arithmetic over literals and math functions
    /// (`elapsed(v, 1s) * 2`), with its field; nil for any other expression.
    static func transformInMath(_ e: Expr) -> (name: String, args: [Expr], field: String)? {
        var found: [(String, [Expr], String)] = []
        func walk(_ e: Expr) -> Bool {
            switch e {
            case .number, .integer, .unsigned: return true
            case .paren(let inner): return walk(inner)
            case .binary(let op, let l, let r): return [.add, .sub, .mul, .div, .mod].contains(op) && walk(l) && walk(r)
            case .call(let name, let args) where Transform.names.contains(name):
                guard case .varRef(let f, _)? = args.first else { return false }
                found.append((name, args, f))
                return true
            case .call(let name, let args): return SelectCompiler.mathFunctions.contains(name) && args.allSatisfy(walk)
            default: return false
            }
        }
        guard walk(e), found.count == 1 else { return nil }
        return found[0]
    }

    /// `post` evaluated with the transformation's output in place of its call.
    static func evaluate(_ post: Expr, output: Value) -> Value {
        switch post {
        case .paren(let inner): return evaluate(inner, output: output)
        case .binary(let op, let l, let r): return FieldMath.binary(op, evaluate(l, output: output), evaluate(r, output: output))
        case .call(let name, _) where Transform.names.contains(name): return output
        case .call(let name, let args): return FieldMath.call(name, args.map { evaluate($0, output: output) })
        default: return literal(post) ?? .null
        }
    }

    /// Arithmetic and math functions over references and literals only.
    static func isMath(_ e: Expr) -> Bool {
        switch e {
        case .varRef, .string, .number, .integer, .unsigned, .boolean: return true
        case .paren(let inner): return isMath(inner)
        case .binary(let op, let l, let r): return ![.and, .or, .eq, .neq, .lt, .lte, .gt, .gte, .eqRegex, .neqRegex].contains(op) && isMath(l) && isMath(r)
        case .call(let name, let args): return SelectCompiler.mathFunctions.contains(name) && args.allSatisfy(isMath)
        default: return false
        }
    }

    /// Every output series whole.
    func run() async throws(StatementError) -> [Row] {
        var out: [Row] = []
        try await stream(pieceSize: .max) { row, _ throws(StatementError) in out.append(row) }
        return out
    }

    /// GROUP BY tag keys: named tags, `*` (every tag key) and regexes, sorted.
    func groupTags(_ tagKeys: Set<String>) -> [String] { Self.groupTags(statement.dimensions, tagKeys) }

    static func groupTags(_ dimensions: [Expr], _ tagKeys: Set<String>) -> [String] {
        var keys = Set<String>()
        for d in dimensions {
            switch d {
            case .varRef(let name, _): keys.insert(name)
            case .wildcard: keys.formUnion(tagKeys)
            case .regex(let re): keys.formUnion(tagKeys.filter { SeriesCondition.regexMatches(re, $0) })
            default: break
            }
        }
        return keys.sorted { bytesLess($0, $1) }
    }

    /// 1.x's `RewriteFields` and column naming: wildcards and regexes become the sorted field
    /// and tag keys (GROUP BY tags excluded); names made unique as 1.x does (``ColumnNames``).
    /// `hidden`: fields a wildcard or regex does not list (an inner top()'s argument columns).
    func expand(fieldTypes: [String: FieldType], tagKeys: Set<String>, excluding: Set<String>, hidden: Set<String> = []) -> [Column] {
        var columns: [Column] = []
        let tags = tagKeys.subtracting(excluding)
        func expanded(fields: Bool, tags includeTags: Bool, matching re: String?) -> [Column] {
            var list: [Column] = []
            if fields { list += fieldTypes.keys.filter { !hidden.contains($0) }.map { Column(name: $0, source: .field($0, .unknown)) } }
            if includeTags { list += tags.map { Column(name: $0, source: .tag($0)) } }
            if let re { list = list.filter { SeriesCondition.regexMatches(re, $0.name) } }
            return list.sorted { Self.bytesLess($0.name, $1.name) }
        }
        var flags: [Bool] = []
        var pending: (field: Field, start: Int)?
        // Flags for the previous field's columns (a branch may `continue` past the loop's end).
        func flush() {
            guard let (field, start) = pending else { return }
            let wildcard = ColumnNames.isWildcardCall(field.expr)
            // `* AS x` and `/re/ AS x` expand to plain names: the alias is dropped.
            let expands: Bool = switch field.expr { case .wildcard, .regex: true; default: false }
            for k in 0..<(columns.count - start) { flags.append(wildcard || (k == 0 && !field.alias.isEmpty && !expands)) }
            pending = nil
        }
        for field in statement.fields {
            flush()
            pending = (field, columns.count)
            switch field.expr {
            case .varRef("time", _):
                continue
            case .varRef(let name, let type):
                let source: Source
                if type == .tag {
                    source = .tag(name)
                } else if fieldTypes[name] != nil && type != .tag {
                    source = .field(name, type)
                } else if tagKeys.contains(name) && type == .unknown {
                    // A cast other than `::tag` asks for a field of that name (`host::string`
                    // reads null where host is only a tag), as in 1.x.
                    source = .tag(name)
                } else {
                    source = .none
                }
                columns.append(Column(name: field.alias.isEmpty ? name : field.alias, source: source))
            case .wildcard(let token):
                columns += expanded(fields: token != .tag, tags: token != .field, matching: nil)
            case .regex(let re):
                columns += expanded(fields: true, tags: true, matching: re)
            case .call(let name, let args) where Transform.names.contains(name):
                let argument = Transform.argument(name, args)
                switch args[0] {
                case .varRef(let f, _):
                    columns.append(Column(name: field.alias.isEmpty ? name : field.alias, source: .transform(name, f, argument)))
                case .wildcard, .regex:
                    var names = fieldTypes.filter { $0.value != .string && $0.value != .boolean }.map(\.key)
                    if case .regex(let re) = args[0] { names = names.filter { SeriesCondition.regexMatches(re, $0) } }
                    for f in names.sorted(by: Self.bytesLess) {
                        columns.append(Column(name: "\(field.alias.isEmpty ? name : field.alias)_\(f)", source: .transform(name, f, argument)))
                    }
                default:
                    continue
                }
            default:
                let name: String
                if case .call(let fn, _) = field.expr { name = fn } else { name = FieldMath.name(field.expr) }
                if let t = Self.transformInMath(field.expr) {
                    columns.append(Column(name: field.alias.isEmpty ? name : field.alias,
                                          source: .transform(t.name, t.field, Transform.argument(t.name, t.args)), post: field.expr))
                    continue
                }
                columns.append(Column(name: field.alias.isEmpty ? name : field.alias, source: .expr(field.expr)))
            }
        }
        flush()
        let names = ColumnNames.resolve(columns.map(\.name), aliased: flags)
        for i in columns.indices { columns[i].name = names[i] }
        return columns
    }

    // MARK: Values and conditions

    static func dataType(_ t: FieldType) -> DataType {
        switch t {
        case .float: .float
        case .integer: .integer
        case .unsigned: .unsigned
        case .string: .string
        case .boolean: .boolean
        }
    }

    /// Arithmetic on a row: fields from the row, tags from the series (`keepNaN`: see
    /// ``FieldMath/binary(_:_:_:keepNaN:)``).
    static func evaluate(_ e: Expr, fields: [String: Value], series: ParsedSeriesKey, keepNaN: Bool = false) -> Value {
        switch e {
        case .varRef(let name, let type):
            if let v = fields[name] { return cast(v, to: type) }
            let tag = series.tag(name)
            return tag.isEmpty ? .null : .string(tag)
        case .paren(let inner): return evaluate(inner, fields: fields, series: series, keepNaN: keepNaN)
        case .binary(let op, let l, let r):
            return FieldMath.binary(op, evaluate(l, fields: fields, series: series, keepNaN: keepNaN),
                                    evaluate(r, fields: fields, series: series, keepNaN: keepNaN), keepNaN: keepNaN)
        case .call(let name, let args):
            return FieldMath.call(name, args.map { evaluate($0, fields: fields, series: series, keepNaN: keepNaN) }, keepNaN: keepNaN)
        default:
            return literal(e) ?? .null
        }
    }

    /// Transformation columns of one output series: each column's non-null points, in output
    /// order, through its transformation; outputs at the same time share a row (the k-th
    /// output of each column at a time goes to the k-th row of that time).
    static func transformed(_ rows: [(time: Int64, order: Int, values: [Value])], columns: [Column], ascending: Bool) -> [[Value]] {
        var outputs: [[(time: Int64, value: Value)]] = []
        for (i, c) in columns.enumerated() {
            guard case .transform(let name, _, let argument) = c.source else {
                outputs.append([])
                continue
            }
            let points = rows.compactMap { $0.values[i] == .null ? nil : (time: $0.time, value: $0.values[i]) }
            let applied = Transform.apply(name, points, argument: argument, ascending: ascending)
            outputs.append(c.post.map { post in applied.map { ($0.time, Self.evaluate(post, output: $0.value)) } } ?? applied)
        }
        var times: [Int64] = []
        var slots: [Int64: [[Value]]] = [:]
        for (i, list) in outputs.enumerated() {
            var seen: [Int64: Int] = [:]
            for p in list {
                let k = seen[p.time, default: 0]
                seen[p.time] = k + 1
                if slots[p.time] == nil { times.append(p.time); slots[p.time] = [] }
                while slots[p.time]!.count <= k { slots[p.time]!.append(Array(repeating: .null, count: columns.count)) }
                slots[p.time]![k][i] = p.value
            }
        }
        times = Array(Set(times)).sorted()
        if !ascending { times.reverse() }
        return times.flatMap { t in slots[t]!.map { [Value.time(t)] + $0 } }
    }

    static func values(_ stored: WALValues) -> [(Int64, Value)] {
        Array(zip(stored.timestamps, stored.queryValues))
    }

    /// `::float`, `::integer`, … as 1.x converts (numbers between each other, others null).
    static func cast(_ v: Value, to type: DataType) -> Value {
        switch (type, v) {
        case (.unknown, _), (.anyField, _): return v
        case (.float, .float), (.integer, .integer), (.unsigned, .unsigned), (.string, .string), (.boolean, .boolean): return v
        case (.float, .integer(let i)): return .float(Double(i))
        case (.float, .unsigned(let u)): return .float(Double(u))
        case (.integer, .float(let f)): return f.isFinite ? .integer(GoConvert.int64(f)) : .null
        case (.integer, .unsigned(let u)): return .integer(Int64(truncatingIfNeeded: u))
        case (.unsigned, .float(let f)): return f >= 0 && f.isFinite ? .unsigned(GoConvert.uint64(f)) : .null
        case (.unsigned, .integer(let i)): return .unsigned(UInt64(truncatingIfNeeded: i))
        default: return .null
        }
    }

    /// Field names a condition reads (other than `time` and tags, which are decided later).
    static func fieldRefs(_ e: Expr?) -> [String] {
        guard let e else { return [] }
        switch e {
        case .varRef(let name, _): return name == "time" ? [] : [name]
        case .paren(let inner): return fieldRefs(inner)
        case .binary(_, let l, let r): return fieldRefs(l) + fieldRefs(r)
        case .call(_, let args): return args.flatMap { fieldRefs($0) }
        default: return []
        }
    }

    /// The condition on one row: tags from the series, fields from the row; `time` terms were
    /// applied as the read range.
    static func holds(_ e: Expr, fields: [String: Value], series: ParsedSeriesKey) -> Bool {
        switch e {
        case .paren(let inner): return holds(inner, fields: fields, series: series)
        case .binary(.and, let l, let r): return holds(l, fields: fields, series: series) && holds(r, fields: fields, series: series)
        case .binary(.or, let l, let r): return holds(l, fields: fields, series: series) || holds(r, fields: fields, series: series)
        case .binary(let op, let l, let r):
            if case .varRef("time", _) = l { return true }
            if case .varRef("time", _) = r { return true }
            let a = operand(l, fields: fields, series: series), b = operand(r, fields: fields, series: series)
            return compare(op, a, b)
        case .boolean(let v): return v
        default: return true
        }
    }

    static func operand(_ e: Expr, fields: [String: Value], series: ParsedSeriesKey) -> Value {
        switch e {
        case .varRef(let name, _):
            if let v = fields[name] { return v }
            let tag = name == "_name" ? series.measurement : series.tag(name)
            return .string(tag)
        case .paren(let inner): return operand(inner, fields: fields, series: series)
        case .regex(let re): return .strings([re])
        case .binary, .call: return evaluate(e, fields: fields, series: series)
        default: return literal(e) ?? .null
        }
    }

    /// A literal's value.
    static func literal(_ e: Expr) -> Value? {
        switch e {
        case .string(let s): .string(s)
        case .number(let f): .float(f)
        case .integer(let i): .integer(i)
        case .unsigned(let u): .unsigned(u)
        case .boolean(let b): .boolean(b)
        default: nil
        }
    }

    static func compare(_ op: Token, _ a: Value, _ b: Value) -> Bool {
        if case .strings(let re) = b, case .string(let s) = a {
            switch op {
            case .eqRegex: return SeriesCondition.regexMatches(re[0], s)
            case .neqRegex: return !SeriesCondition.regexMatches(re[0], s)
            default: return false
            }
        }
        if let x = number(a), let y = number(b) {
            switch op {
            case .eq: return x == y
            case .neq: return x != y
            case .lt: return x < y
            case .lte: return x <= y
            case .gt: return x > y
            case .gte: return x >= y
            default: return false
            }
        }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            // influxql orders no strings: <, <=, > and >= on text are false.
            switch op {
            case .eq: return x == y
            case .neq: return x != y
            default: return false
            }
        case (.boolean(let x), .boolean(let y)):
            switch op {
            case .eq: return x == y
            case .neq: return x != y
            default: return false
            }
        default:
            return false
        }
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .float(let f): f
        case .integer(let i): Double(i)
        case .unsigned(let u): Double(u)
        default: nil
        }
    }

    static func bytesLess(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
}
