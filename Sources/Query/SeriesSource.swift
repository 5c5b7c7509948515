import LineProtocol
import InfluxQL
import TSDB
import TSM

/// Where a SELECT reads series and points: a shard, or the rows of a subquery.
protocol SeriesSource: Sendable {
    func fieldTypes(of measurement: String) -> [String: FieldType]
    func series(of measurement: String) -> [ParsedSeriesKey]
    /// The series satisfying the tag part of a condition.
    func series(of measurement: String, matching condition: SeriesCondition) -> [ParsedSeriesKey]
    func tagKeys(of measurement: String) -> Set<String>
    /// The field's points of one series in `[min, max]`, ascending. A stored block that cannot
    /// be read is an error naming its file, never missing points.
    func points(_ series: ParsedSeriesKey, field: String, min: Int64, max: Int64) throws(StatementError) -> [(Int64, Value)]
    /// The series' rows in `[min, max]`: the values of `fields` at each time (a subquery may
    /// have several rows at one time).
    func rows(_ series: ParsedSeriesKey, fields: Set<String>, min: Int64, max: Int64) throws(StatementError) -> [(Int64, [String: Value])]
    /// The same rows as aligned columns, a span at a time in the given time order (``ColumnCursor``).
    func columnCursor(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64, ascending: Bool) throws(StatementError) -> ColumnCursor
}

extension SeriesSource {
    func series(of measurement: String, matching condition: SeriesCondition) -> [ParsedSeriesKey] {
        series(of: measurement).filter(condition.matches)
    }

    func tagKeys(of measurement: String) -> Set<String> {
        var keys = Set<String>()
        for s in series(of: measurement) { keys.formUnion(s.tags.map(\.key)) }
        return keys
    }

    func rows(_ series: ParsedSeriesKey, fields: Set<String>, min: Int64, max: Int64) throws(StatementError) -> [(Int64, [String: Value])] {
        var byTime: [Int64: [String: Value]] = [:]
        for field in fields {
            for (t, v) in try points(series, field: field, min: min, max: max) { byTime[t, default: [:]][field] = v }
        }
        return byTime.map { ($0.key, $0.value) }
    }
}

struct ShardSource: SeriesSource {
    let shard: Shard
    /// The query's count of points read (`max-select-point`).
    var counter = PointCounter()
    /// Fields this shard stores with a type the query does not read them as (text or
    /// booleans where another shard makes the field numeric, …): 1.x builds no cursor for
    /// them, so they read as absent here.
    var excluded: Set<String> = []
    /// Numeric fields this shard stores as another numeric type than the query reads them
    /// as: cast on reading, as 1.x's engine does.
    var casts: [String: FieldType] = [:]

    /// The stored points of a series' field in `[min, max]`, counted.
    func read(_ series: ParsedSeriesKey, field: [UInt8], min: Int64, max: Int64) throws(StatementError) -> WALValues? {
        let key = series.key + TSMFormat.fieldSeparator + field
        let stored: WALValues?
        do throws(EngineError) { stored = try shard.engine.read(key: key, min: min, max: max) } catch { throw StatementError(error.description) }
        guard let stored else { return nil }
        counter.add(stored.count)
        if !casts.isEmpty, let type = casts[String(decoding: field, as: UTF8.self)] { return stored.cast(to: type) }
        return stored
    }

    func fieldTypes(of measurement: String) -> [String: FieldType] {
        var types = shard.fieldSet.fields(of: measurement)
        if !excluded.isEmpty { types = types.filter { !excluded.contains($0.key) } }
        for (field, type) in casts where types[field] != nil { types[field] = type }
        return types
    }
    func series(of measurement: String) -> [ParsedSeriesKey] { shard.index.series(of: measurement) }
    func tagKeys(of measurement: String) -> Set<String> { shard.index.tagKeys(of: measurement) }

    /// Only the series the index's postings allow, then the full condition.
    func series(of measurement: String, matching condition: SeriesCondition) -> [ParsedSeriesKey] {
        let index = shard.index
        guard let keys = condition.candidates({ index.seriesKeys(of: measurement, tag: $0, value: $1) }) else {
            return index.series(of: measurement).filter(condition.matches)
        }
        return index.series(of: measurement, keys: keys).filter(condition.matches)
    }
    func points(_ series: ParsedSeriesKey, field: String, min: Int64, max: Int64) throws(StatementError) -> [(Int64, Value)] {
        guard !excluded.contains(field), let stored = try read(series, field: Array(field.utf8), min: min, max: max) else { return [] }
        return RawSelect.values(stored)
    }
}

/// A subquery's result as a source (1.x runs the outer query over the inner one's rows):
/// each row series is a series, each non-time column a field.
struct SubquerySource: SeriesSource {
    private var keys: [String: [ParsedSeriesKey]] = [:]
    private var types: [String: [String: FieldType]] = [:]
    private var data: [[UInt8]: [(Int64, [String: Value])]] = [:]
    /// Per series, each row's place in the inner query's emission order (``SubqueryEmission``),
    /// parallel to `data`; empty when the rows merge by time.
    private var sequences: [[UInt8]: [Int]] = [:]
    /// Each series' inner columns (time excluded), null or not.
    private var columns: [[UInt8]: Set<String>] = [:]
    /// Each measurement's inner columns: one null in every row still is a field of the
    /// subquery (1.x's outer `*` lists it), typed float until a value shows its type.
    private var allColumns: [String: Set<String>] = [:]

    /// `aliases`: the inner statement's `AS` names. A column 1.x's naming made unique
    /// (`x_1` beside `x`) is not a field of the subquery: 1.x's outer query sees each inner
    /// field by its plain name, the first of equal names winning.
    /// Inner columns that hold a tag of the inner measurement (`SELECT *` lists tags): 1.x's
    /// outer query reads them, but a wildcard call (`count(*)`) skips them.
    private(set) var tagColumns: Set<String> = []
    /// The inner query's rows come out by time across its series (raw, or grouped by time),
    /// else series by series.
    let byTime: Bool

    /// Inner `time` fields seen as columns (null, never making a row by themselves).
    private var timeColumns: Set<String> = []
    /// The columns of an inner top()/bottom()'s tag or field arguments: readable by name, but
    /// not among the subquery's fields for a wildcard (1.x's `FieldDimensions` lists only the
    /// inner statement's fields).
    let wildcardHidden: Set<String>
    /// Inner columns typed by their field (``QueryExecutor/staticColumnTypes``).
    private let staticTypes: [String: FieldType]
    /// Per measurement, the tags the outer query can read: those the inner query groups by
    /// itself (an outer GROUP BY pushed down groups the rows but gives no readable tag).
    private var visibleTags: [String: Set<String>] = [:]

    /// `integerColumns`: per measurement, the inner columns 1.x types as integers whatever
    /// their values (``QueryExecutor/subqueryIntegerColumns``): float values read truncated.
    init(rows: [Row], aliases: Set<String> = [], tagKeys: (String) -> Set<String> = { _ in [] }, byTime: Bool = true,
         dimensions: [Expr] = [.wildcard(nil)], integerColumns: (String) -> Set<String> = { _ in [] },
         timeColumn: String? = nil, wildcardHidden: Set<String> = [], untypedColumns: Set<String> = [],
         staticTypes: [String: FieldType] = [:], emission: [[Int]]? = nil) {
        self.staticTypes = staticTypes
        self.byTime = byTime
        self.wildcardHidden = wildcardHidden
        // Inner columns 1.x types as tags (`x::tag`) or not at all (a name no shard knows):
        // wildcard calls skip them, as they skip real tags.
        tagColumns = untypedColumns
        for row in rows where visibleTags[row.name] == nil {
            visibleTags[row.name] = Set(RawSelect.groupTags(dimensions, tagKeys(row.name).union(row.tags.keys)))
        }
        for (rowIndex, row) in rows.enumerated() {
            let generated = Set(row.columns.filter { c in
                guard !aliases.contains(c), let cut = c.lastIndex(of: "_"), c.index(after: cut) < c.endIndex,
                      c[c.index(after: cut)...].allSatisfy({ ("0"..."9").contains($0) }) else { return false }
                return row.columns.contains(String(c[..<cut]))
            })
            var key = Array(row.name.utf8)
            var escaped: [UInt8] = []
            Escaping.escape(row.name, Escaping.measurement, into: &escaped)
            key = escaped
            // A grouped tag the series lacks is kept with its empty value: the outer query reads
            // it as "" (the inner row's tag), not as a missing tag.
            for (k, v) in row.tags.sorted(by: { $0.key < $1.key }) {
                key.append(UInt8(ascii: ","))
                Escaping.escape(k, Escaping.tag, into: &key)
                key.append(UInt8(ascii: "="))
                Escaping.escape(v, Escaping.tag, into: &key)
            }
            if data[key] == nil { keys[row.name, default: []].append(ParsedSeriesKey(key)) }
            var visible = row.columns.dropFirst().filter { !generated.contains($0) }
            // An inner `time` field (`SELECT v, time AS t`) is a column of the subquery for 1.x,
            // always null, besides being the rows' time.
            if let timeColumn, !visible.contains(timeColumn) {
                visible.append(timeColumn)
                // Wildcard calls skip it, as they skip the inner tag columns, and selecting it
                // alone makes no rows.
                tagColumns.insert(timeColumn)
                timeColumns.insert(timeColumn)
            }
            columns[key, default: []].formUnion(visible)
            allColumns[row.name, default: []].formUnion(visible)
            tagColumns.formUnion(tagKeys(row.name).intersection(visible))
            let integers = integerColumns(row.name)
            // 1.x's outer query reads a name from the first inner field of that name, whose column
            // may be the renamed one (`v, b AS v` names the field `v_1` and the alias `v`): each
            // plain name reads the first column (in field order) that stands for it.
            var readFrom: [(index: Int, name: String)] = []
            var claimed = Set<String>()
            for (k, c) in row.columns.enumerated().dropFirst() {
                let name = generated.contains(c) ? String(c[..<c.lastIndex(of: "_")!]) : c
                if claimed.insert(name).inserted { readFrom.append((k, name)) }
            }
            for (valueIndex, values) in row.values.enumerated() {
                guard case .time(let t) = values.first else { continue }
                if let emission { sequences[key, default: []].append(emission[rowIndex][valueIndex]) }
                var fields: [String: Value] = [:]
                for (index, column) in readFrom where values[index] != .null {
                    let value = values[index]
                    if case .float(let f) = value, integers.contains(column) {
                        // Go converts NaN (and the infinities) to the smallest int64 where the outer
                        // query maps the column as a value (a call); as a raw column a NaN stays
                        // NaN (written as null). ``columnCursor(_:fields:min:max:ascending:calls:)``.
                        fields[column] = f.isNaN ? .float(f) : .integer(GoConvert.int64(f))
                        if types[row.name]?[column] == nil { types[row.name, default: [:]][column] = .integer }
                        continue
                    }
                    fields[column] = value
                    if types[row.name]?[column] == nil, let type = Self.type(value) { types[row.name, default: [:]][column] = type }
                }
                data[key, default: []].append((t, fields))
            }
        }
        // An inner query run newest first (the outer ORDER BY time DESC) is read by time.
        for (key, points) in data where zip(points, points.dropFirst()).contains(where: { $0.0 > $1.0 }) {
            let order = points.indices.sorted { points[$0].0 != points[$1].0 ? points[$0].0 < points[$1].0 : $0 < $1 }
            data[key] = order.map { points[$0] }
            if let seq = sequences[key] { sequences[key] = order.map { seq[$0] } }
        }
    }

    static func type(_ v: Value) -> FieldType? {
        switch v {
        case .float: .float
        case .integer: .integer
        case .unsigned: .unsigned
        case .string: .string
        case .boolean: .boolean
        default: nil
        }
    }

    func fieldTypes(of measurement: String) -> [String: FieldType] {
        var out = types[measurement] ?? [:]
        for c in allColumns[measurement] ?? [] where out[c] == nil { out[c] = staticTypes[c] ?? .float }
        return out
    }

    /// Whether 1.x's outer query gets a point from this series' rows: some selected name is
    /// one of its inner columns (even when null) or one of its tags.
    func emitsRows(_ series: ParsedSeriesKey, fields: [String], tags: [String]) -> Bool {
        let own = (columns[series.key] ?? []).subtracting(timeColumns)
        let hidden = hiddenTags(of: series)
        return fields.contains(where: own.contains) || tags.contains { t in !hidden.contains(t) && series.tags.contains { $0.key == t } }
    }

    /// The series' tags the outer query reads as absent (``visibleTags``).
    func hiddenTags(of series: ParsedSeriesKey) -> Set<String> {
        let visible = visibleTags[series.measurement] ?? []
        return Set(series.tags.map(\.key).filter { !visible.contains($0) })
    }
    /// The series' tags that are also columns of its rows (``RowBuilder``).
    func shadowedTags(of series: ParsedSeriesKey) -> Set<String> {
        let own = columns[series.key] ?? []
        return Set(series.tags.map(\.key).filter { own.contains($0) })
    }
    func series(of measurement: String) -> [ParsedSeriesKey] { keys[measurement] ?? [] }
    func points(_ series: ParsedSeriesKey, field: String, min: Int64, max: Int64) -> [(Int64, Value)] {
        (data[series.key] ?? []).compactMap { row in row.0 >= min && row.0 <= max ? row.1[field].map { (row.0, $0) } : nil }
    }

    /// The rows as columns in time order; with their emission order when the inner query
    /// emitted them otherwise (``SubqueryEmission``).
    func columnCursor(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64, ascending: Bool) -> ColumnCursor {
        columnCursor(series, fields: fields, min: min, max: max, ascending: ascending, calls: false)
    }

    /// `calls`: read for the outer query's calls, which take an integer column's NaN as the
    /// smallest int64 (Go's conversion).
    func columnCursor(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64, ascending: Bool, calls: Bool) -> ColumnCursor {
        let rows = data[series.key] ?? []
        let kept = rows.indices.filter { rows[$0].0 >= min && rows[$0].0 <= max }
        var out = SeriesColumns(times: kept.map { rows[$0].0 }, values: [])
        let integers = types[series.measurement] ?? [:]
        out.values = fields.map { f in
            let nanAsMin = calls && integers[f] == .integer
            return .aligned(kept.map { r in
                let v = rows[r].1[f] ?? .null
                return nanAsMin && v.isNaN ? .integer(.min) : v
            })
        }
        if let seq = sequences[series.key] { out.sequence = kept.map { seq[$0] } }
        return ColumnCursor(columns: out, ascending: ascending)
    }

    /// Every inner row in the range, even one whose requested fields are all null: 1.x's
    /// outer query gets a point per inner row.
    func rows(_ series: ParsedSeriesKey, fields: Set<String>, min: Int64, max: Int64) -> [(Int64, [String: Value])] {
        (data[series.key] ?? []).filter { $0.0 >= min && $0.0 <= max }
            .map { ($0.0, $0.1.filter { fields.contains($0.key) }) }
    }
}
