import InfluxQL
import TSDB

// Inside a subquery 1.x builds the inner query's iterators with the outer query's dimensions
// (newIteratorOptionsSubstatement): its shards' tag sets, which SLIMIT and SOFFSET cut, are
// grouped by the outer GROUP BY tags, not the inner ones (without an outer GROUP BY there is
// one tag set: SLIMIT keeps everything, SOFFSET nothing). An aggregate's points then come out
// of each tag set merged by time, and LIMIT/OFFSET count them per run of one inner group,
// starting again whenever the group changes.

extension QueryExecutor {
    /// The inner query's SLIMIT, SOFFSET, LIMIT and OFFSET as 1.x applies them inside a
    /// subquery, over its rows computed without them. `outerTags`: the outer GROUP BY tags.
    /// Row LIMIT/OFFSET are applied here only for aggregates (`aggregate`).
    /// `byTime`: the inner rows come out by time across groups (grouped by time); otherwise
    /// group by group, so a run is a whole group.
    static func subqueryLimits(_ rows: [Row], outerTags: [String], sLimit: Int, sOffset: Int, limit: Int, offset: Int,
                               ascending: Bool, aggregate: Bool, byTime: Bool = true) -> [Row] {
        func tagSet(_ row: Row) -> [String] { [row.name] + outerTags.map { row.tags[$0] ?? "" } }
        var rows = rows
        if sLimit > 0 || sOffset > 0 {
            // Tag sets in 1.x's order: by measurement, then `MarshalTags` key.
            let sets = Set(rows.map(tagSet)).map { ($0, RawSelect.tagSetKey(Array($0.dropFirst()), dimensions: outerTags)) }
                .sorted { a, b in a.0[0] != b.0[0] ? RawSelect.bytesLess(a.0[0], b.0[0]) : a.1.lexicographicallyPrecedes(b.1) }
                .map(\.0)
            let from = min(sOffset, sets.count)
            // 1.x's LimitTagSets: SOFFSET without SLIMIT keeps none.
            let kept = Set(sets[from..<min(from + sLimit, sets.count)])
            rows = rows.filter { kept.contains(tagSet($0)) }
        }
        guard aggregate, limit > 0 || offset > 0 else { return rows }
        var byTagSet: [[String]: [Int]] = [:]
        for (i, row) in rows.enumerated() { byTagSet[tagSet(row), default: []].append(i) }
        var keep = rows.map { [Bool](repeating: false, count: $0.values.count) }
        for members in byTagSet.values {
            // Every point of the tag set by time (ties in group order), counted per run of a group.
            var points: [(time: Int64, row: Int, index: Int)] = []
            for r in members {
                for (i, values) in rows[r].values.enumerated() {
                    guard case .time(let t)? = values.first else { continue }
                    points.append((t, r, i))
                }
            }
            points.sort { a, b in
                if byTime, a.time != b.time { return ascending ? a.time < b.time : a.time > b.time }
                return a.row != b.row ? a.row < b.row : a.index < b.index
            }
            var current = -1, n = 0
            for p in points {
                if p.row != current { current = p.row; n = 0 }
                n += 1
                if n <= offset || (limit > 0 && n - offset > limit) { continue }
                keep[p.row][p.index] = true
            }
        }
        return rows.indices.compactMap { r in
            var row = rows[r]
            row.values = zip(row.values, keep[r]).filter(\.1).map(\.0)
            return row.values.isEmpty ? nil : row
        }
    }
}

extension QueryExecutor {
    /// The inner columns 1.x's subquery types as integers although they compute floats: its
    /// type mapper there knows no math function, so `log(i, 2)` or `exp(count(v))` takes its
    /// argument's type (an integer field, count, elapsed) and the outer query reads the value
    /// converted (truncated; an infinity becomes the smallest integer).
    static func subqueryIntegerColumns(_ fields: [Field], fieldType: (String) -> FieldType?) -> Set<String> {
        func type(_ e: Expr) -> FieldType? {
            switch e {
            case .varRef(let name, _): return fieldType(name)
            case .paren(let inner): return type(inner)
            case .integer: return .integer
            case .number: return .float
            // 1.x evaluates an operator on its operands' zero values: two integers give an
            // integer, `/` included (`max(i) / -3` is read truncated).
            case .binary(_, let l, let r):
                guard let a = type(l), let b = type(r) else { return nil }
                return a == .integer && b == .integer ? .integer : .float
            case .call(let name, let args):
                switch name {
                case "count", "elapsed": return .integer
                case "mean", "median", "stddev", "integral", "derivative", "non_negative_derivative", "moving_average",
                     "holt_winters", "holt_winters_with_fit", "exponential_moving_average", "double_exponential_moving_average",
                     "triple_exponential_moving_average", "relative_strength_index", "triple_exponential_derivative",
                     "kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average", "chande_momentum_oscillator":
                    return .float
                default: return args.first.flatMap(type)
                }
            default: return nil
            }
        }
        // 1.x names arithmetic after its first call or variable, read left to right.
        func name(_ e: Expr) -> String? {
            switch e {
            case .call(let n, _), .varRef(let n, _): return n
            case .paren(let inner): return name(inner)
            case .binary(_, let l, let r): return name(l) ?? name(r)
            default: return nil
            }
        }
        func column(_ f: Field) -> String { f.alias.isEmpty ? name(f.expr) ?? "" : f.alias }
        var names: [String: Int] = [:]
        for f in fields { names[column(f), default: 0] += 1 }
        var out = Set<String>()
        for f in fields {
            switch f.expr {
            case .call(let name, _) where SelectCompiler.mathFunctions.contains(name) && !["abs", "floor", "ceil", "round"].contains(name): break
            case .binary: break
            default: continue
            }
            let columnName = column(f)
            if names[columnName] == 1, type(f.expr) == .integer { out.insert(columnName) }
        }
        return out
    }
}

extension QueryExecutor {
    /// The columns an inner top()/bottom() adds for its tag or field arguments
    /// (`top(v, host, 2)` adds `host`).
    static func selectorArgumentColumns(_ fields: [Field]) -> Set<String> {
        var out = Set<String>()
        for f in fields {
            guard case .call(let name, let args) = f.expr, name == "top" || name == "bottom", args.count > 2 else { continue }
            out.formUnion(AggregateSelect.selectorTagArguments(args))
        }
        return out
    }
}

extension QueryExecutor {
    /// Whether the outer statement reads anything of the inner one: a wildcard, or a name that
    /// is an inner column or a tag the inner query groups by itself.
    static func readsSubquery(_ outer: SelectStatement, inner: SelectStatement, declaredDimensions: [Expr]) -> Bool {
        var names = Set<String>()
        var wildcard = false
        func scan(_ e: Expr) {
            switch e {
            case .varRef(let n, _): names.insert(n)
            case .wildcard, .regex: wildcard = true
            case .paren(let x): scan(x)
            case .binary(_, let l, let r): scan(l); scan(r)
            case .call(_, let args): args.forEach(scan)
            case .distinct(let n): names.insert(n)
            default: break
            }
        }
        for f in outer.fields { scan(f.expr) }
        if wildcard { return true }
        var innerNames = Set<String>()
        for f in inner.fields {
            if !f.alias.isEmpty { innerNames.insert(f.alias); continue }
            switch f.expr {
            case .varRef(let n, _), .call(let n, _): innerNames.insert(n)
            case .wildcard, .regex: return true
            default: break
            }
        }
        for d in declaredDimensions {
            switch d {
            case .varRef(let n, _): innerNames.insert(n)
            case .wildcard, .regex: return true
            default: break
            }
        }
        return !names.isDisjoint(with: innerNames)
    }
}

extension QueryExecutor {
    /// The inner statement's field types in the shards it reads (the first type of a field
    /// wins); nil when a source is a regex.
    private static func innerFieldTypes(_ inner: SelectStatement, shards: [Shard]) -> [String: FieldType]? {
        var names: [String] = []
        for source in inner.sources {
            guard case .measurement(let m) = source, m.regex == nil else { return nil }
            names.append(m.name)
        }
        var fields: [String: FieldType] = [:]
        for shard in shards {
            for name in names {
                for (k, v) in shard.fieldSet.fields(of: name) where fields[k] == nil { fields[k] = v }
            }
        }
        return fields
    }

    /// The static types 1.x gives the inner columns that name a field (or come from `*`): the
    /// field's type in the inner measurements, whatever the rows hold (a column null in every
    /// row read keeps its type).
    static func staticColumnTypes(_ inner: SelectStatement, shards: [Shard]) -> [String: FieldType] {
        guard let fields = innerFieldTypes(inner, shards: shards) else { return [:] }
        var out: [String: FieldType] = [:]
        let names = callColumnNames(inner.fields)
        for (k, f) in inner.fields.enumerated() {
            switch f.expr {
            case .wildcard(let token) where token != .tag:
                for (k, v) in fields where out[k] == nil { out[k] = v }
            case .varRef(let name, let type) where type != .tag:
                // A cast (`i::string`) types the column as written.
                if let t = fields[name] { out[f.alias.isEmpty ? name : f.alias] = Self.castType(type) ?? t }
            default:
                if let name = names[k], case .field(let t) = innerType(f.expr, fields: fields) { out[name] = t }
            }
        }
        return out
    }

    /// How 1.x's subquery type mapper types an inner expression: a field's type, a tag, or
    /// nothing. It knows no math function (they take their argument's type), and a selector or
    /// sum takes its field's.
    enum InnerType: Equatable {
        case field(FieldType)
        case tag
        case unknown
    }

    static func innerType(_ e: Expr, fields: [String: FieldType]) -> InnerType {
        switch e {
        case .varRef(let name, let type):
            if type == .tag { return .tag }
            if let t = fields[name] { return .field(castType(type) ?? t) }
            return .unknown
        case .paren(let inner): return innerType(inner, fields: fields)
        case .integer: return .field(.integer)
        case .number: return .field(.float)
        case .binary(_, let l, let r):
            guard case .field(let a) = innerType(l, fields: fields), case .field(let b) = innerType(r, fields: fields),
                  [a, b].allSatisfy({ $0 == .integer || $0 == .float || $0 == .unsigned }) else { return .unknown }
            return a == .integer && b == .integer ? .field(.integer) : .field(.float)
        case .call(let name, let args):
            switch name {
            case "count", "elapsed": return .field(.integer)
            case "mean", "median", "stddev", "integral", "derivative", "non_negative_derivative", "moving_average",
                 "holt_winters", "holt_winters_with_fit", "exponential_moving_average", "double_exponential_moving_average",
                 "triple_exponential_moving_average", "relative_strength_index", "triple_exponential_derivative",
                 "kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average", "chande_momentum_oscillator":
                return .field(.float)
            default:
                guard let first = args.first else { return .unknown }
                // A tag (`floor(host)`) stays a tag, as the argument's type is taken.
                if case .varRef(let n, let t) = first, t != .tag, fields[n] == nil, n != "time" {
                    return .tag
                }
                return innerType(first, fields: fields)
            }
        default: return .unknown
        }
    }

    /// The field type a `::type` cast names, nil for none (``RawSelect/dataType(_:)`` inverted).
    static func castType(_ type: DataType) -> FieldType? {
        [FieldType.float, .integer, .unsigned, .string, .boolean].first { RawSelect.dataType($0) == type }
    }

    /// Whether the outer statement's fields are all calls over `*` or a regex that, given the
    /// inner columns' static types, read none of them: 1.x then builds no inner iterator, so an
    /// inner iterator error never surfaces and there are no rows.
    static func wildcardCallsReadNothing(_ outer: SelectStatement, inner: SelectStatement, shards: [Shard]) -> Bool {
        let untyped = untypedColumns(inner, shards: shards)
        let types = staticColumnTypes(inner, shards: shards).filter { !untyped.contains($0.key) }
        for f in outer.fields {
            guard case .call(let name, let args) = f.expr, let arg = args.first else { return false }
            switch arg {
            case .wildcard, .regex: if !AggregateSelect.wildcardFields(name, arg, types).isEmpty { return false }
            default: return false
            }
        }
        return true
    }

    /// The column names of the inner fields that are calls or arithmetic, where unique (nil
    /// elsewhere): the alias, else 1.x's name for the expression.
    private static func callColumnNames(_ fields: [Field]) -> [String?] {
        let names = fields.map { f -> String? in
            switch f.expr {
            case .call, .binary, .paren: return f.alias.isEmpty ? FieldMath.name(f.expr) : f.alias
            default: return nil
            }
        }
        var counts: [String: Int] = [:]
        for f in fields { counts[f.alias.isEmpty ? FieldMath.name(f.expr) : f.alias, default: 0] += 1 }
        return names.map { n in n.flatMap { counts[$0] == 1 && !$0.isEmpty ? $0 : nil } }
    }

    /// The inner columns a wildcard call over the subquery skips besides its tags: those 1.x's
    /// `FieldDimensions` types as a tag (`x::tag`, a selected tag) or not at all (a name that
    /// is no field of the inner measurements).
    static func untypedColumns(_ inner: SelectStatement, shards: [Shard]) -> Set<String> {
        guard let fields = innerFieldTypes(inner, shards: shards) else { return [] }
        var out = Set<String>()
        // A field `*` lists is a field column even beside `x::tag`.
        let wildcardFields = inner.fields.contains { if case .wildcard(let token) = $0.expr { return token != .tag }; return false }
        let names = callColumnNames(inner.fields)
        // 1.x types a name by the strongest type of the inner fields so named: any field type
        // beats a tag (`b, host AS b` is a boolean column).
        var typed = Set<String>()
        for (k, f) in inner.fields.enumerated() {
            if let name = names[k] {
                if case .field = innerType(f.expr, fields: fields) { typed.insert(name); continue }
                out.insert(name)
                continue
            }
            guard case .varRef(let name, let type) = f.expr, name != "time" else { continue }
            if wildcardFields && f.alias.isEmpty && fields[name] != nil { continue }
            if type == .tag || fields[name] == nil { out.insert(f.alias.isEmpty ? name : f.alias) } else { typed.insert(f.alias.isEmpty ? name : f.alias) }
        }
        return out.subtracting(typed)
    }
}
