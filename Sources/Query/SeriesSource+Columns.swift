import TSDB
import TSM

/// A series' fields as aligned columns: row `r` is the time `times[r]` with, per requested
/// field, its value there (`.null` where the field has none). Built from the typed arrays the
/// engine decodes, so a raw SELECT does not make a dictionary per point.
struct SeriesColumns {
    var times: [Int64] = []
    var values: [[Value]] = []
}

extension SeriesSource {
    /// From the row form (subqueries): one row per stored row, in time order.
    func columns(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64) -> SeriesColumns {
        let rows = rows(series, fields: Set(fields), min: min, max: max).sorted { $0.0 < $1.0 }
        var out = SeriesColumns(times: rows.map(\.0), values: [])
        out.values = fields.map { f in rows.map { $0.1[f] ?? .null } }
        return out
    }
}

extension ShardSource {
    func columns(_ series: ParsedSeriesKey, fields: [String], min: Int64, max: Int64) -> SeriesColumns {
        var found: [(times: [Int64], values: [Value])?] = []
        for field in fields {
            guard let stored = read(series, field: Array(field.utf8), min: min, max: max) else {
                found.append(nil)
                continue
            }
            found.append((stored.timestamps, Self.values(stored)))
        }
        let present = found.compactMap { $0 }
        guard let first = present.first else { return SeriesColumns(times: [], values: fields.map { _ in [] }) }
        // Fields written together share their timestamps: the common case needs no merge.
        if present.allSatisfy({ $0.times == first.times }) {
            let n = first.times.count
            return SeriesColumns(times: first.times, values: found.map { $0?.values ?? Array(repeating: .null, count: n) })
        }
        var times: [Int64] = []
        for p in present { times += p.times }
        times.sort()
        var unique: [Int64] = []
        unique.reserveCapacity(times.count)
        for t in times where unique.last != t { unique.append(t) }
        let values = found.map { column -> [Value] in
            var out = Array(repeating: Value.null, count: unique.count)
            guard let column else { return out }
            var j = 0
            for (t, v) in zip(column.times, column.values) {
                while unique[j] < t { j += 1 }
                out[j] = v
            }
            return out
        }
        return SeriesColumns(times: unique, values: values)
    }

    static func values(_ stored: WALValues) -> [Value] {
        switch stored {
        case .float(_, let v): v.map(Value.float)
        case .integer(_, let v): v.map(Value.integer)
        case .unsigned(_, let v): v.map(Value.unsigned)
        case .boolean(_, let v): v.map(Value.boolean)
        case .string(_, let v): v.map { Value.string(String(decoding: $0, as: UTF8.self)) }
        }
    }
}
