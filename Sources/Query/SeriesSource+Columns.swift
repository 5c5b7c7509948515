import TSDB
import TSM

/// A series' fields as aligned columns: row `r` is the time `times[r]` with, per requested
/// field, its value there (`.null` where the field has none). Built from the typed arrays the
/// engine decodes, so a raw SELECT does not make a dictionary per point.
struct SeriesColumns {
    var times: [Int64] = []
    var values: [Column] = []
    /// Per row, its place in the order a subquery emitted its rows (``SubquerySource``):
    /// empty when that order is time order.
    var sequence: [Int] = []

    /// One field's values by row: the stored arrays themselves (made into a `Value` only for
    /// the rows a query looks at), values already aligned, or nothing.
    enum Column {
        case stored(WALValues)
        case aligned([Value])
        case missing

        subscript(_ r: Int) -> Value {
            switch self {
            case .missing: return .null
            case .aligned(let v): return v[r]
            case .stored(let s): return s.value(at: r)
            }
        }
    }

    /// The value of field column `i` at row `r` (`.null` where it has none).
    func value(_ i: Int, _ r: Int) -> Value { values[i][r] }
}

extension SeriesSource {
    /// From the row form (subqueries): one row per stored row, in time order.
    func columnCursor(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64, ascending: Bool) throws(StatementError) -> ColumnCursor {
        try rowColumnCursor(series, fields: fields, min: min, max: max, ascending: ascending)
    }

    func rowColumnCursor(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64, ascending: Bool) throws(StatementError) -> ColumnCursor {
        let rows = try rows(series, fields: Set(fields), min: min, max: max).sorted { $0.0 < $1.0 }
        var out = SeriesColumns(times: rows.map(\.0), values: [])
        out.values = fields.map { f in .aligned(rows.map { $0.1[f] ?? .null }) }
        return ColumnCursor(columns: out, ascending: ascending)
    }
}

extension ShardSource {
    /// One engine cursor per field; points are counted as the cursor reads them.
    func columnCursor(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64, ascending: Bool) throws(StatementError) -> ColumnCursor {
        // A cast field is read through `points` (rare: only a field whose numeric type
        // differs between shards).
        if !casts.isEmpty && fields.contains(where: { casts[$0] != nil }) {
            return try rowColumnCursor(series, fields: fields, min: min, max: max, ascending: ascending)
        }
        let engine = shard.engine
        let cursors = fields.map { field in
            excluded.contains(field) ? nil
                : engine.cursor(key: series.key + TSMFormat.fieldSeparator + Array(field.utf8), min: min, max: max, ascending: ascending)
        }
        return ColumnCursor(cursors: cursors.map { $0.flatMap { $0.isEmpty ? nil : $0 } }, ascending: ascending, counter: counter)
    }
}

extension WALValues {
    /// The stored point at `r` as a query value (strings decoded as UTF-8).
    func value(at r: Int) -> Value {
        switch self {
        case .float(_, let v): .float(v[r])
        case .integer(_, let v): .integer(v[r])
        case .unsigned(_, let v): .unsigned(v[r])
        case .boolean(_, let v): .boolean(v[r])
        case .string(_, let v): .string(String(decoding: v[r], as: UTF8.self))
        }
    }

    /// Every stored point as a query value, in order (one pass per type, not a switch per point).
    var queryValues: [Value] {
        switch self {
        case .float(_, let v): v.map(Value.float)
        case .integer(_, let v): v.map(Value.integer)
        case .unsigned(_, let v): v.map(Value.unsigned)
        case .boolean(_, let v): v.map(Value.boolean)
        case .string(_, let v): v.map { .string(String(decoding: $0, as: UTF8.self)) }
        }
    }
}
