import LineProtocol
import TSM

/// A write's points grouped by series, in first-seen order, each point's series key hashed
/// once: what the series limits, the index and the engine's values are built from.
struct PointBatch {
    /// Each series and the positions of its points in the write.
    var series: [(key: ByteKey, points: [Int])] = []

    init(_ points: [Point]) {
        var slot: [ByteKey: Int] = [:]
        slot.reserveCapacity(min(points.count, 1024))
        for (i, point) in points.enumerated() {
            let key = ByteKey(Array(point.seriesKey))
            if let s = slot[key] {
                series[s].points.append(i)
            } else {
                slot[key] = series.count
                series.append((key, [i]))
            }
        }
    }

    /// The engine's values for the points marked in `keep` — one entry per TSM key
    /// (`series key#!~#field`, the field name unescaped as 1.x stores it; a field named `time`
    /// is skipped) — and the series with a kept point that `known` does not hold.
    func values(_ points: [Point], keep: [Bool], known: (any SeriesIndexing)?) -> (series: [(key: [UInt8], values: WALValues)], newSeries: [[UInt8]]) {
        var out: [(key: [UInt8], values: WALValues)] = []
        var fresh: [[UInt8]] = []
        var columns: [Column] = []
        for (seriesKey, positions) in series {
            columns.removeAll(keepingCapacity: true)
            var kept = false
            for i in positions where keep[i] {
                kept = true
                let point = points[i]
                var ordinal = 0
                point.forEachField { name, value in
                    defer { ordinal += 1 }
                    if name.count == 4 && name.elementsEqual("time".utf8) { return }
                    // Points of a series usually list the same fields in the same order.
                    let c: Int
                    if ordinal < columns.count && columns[ordinal].name.elementsEqual(name) {
                        c = ordinal
                    } else if let found = columns.firstIndex(where: { $0.name.elementsEqual(name) }) {
                        c = found
                    } else {
                        c = columns.count
                        columns.append(Column(name: Array(name), series: seriesKey.bytes, value: value))
                    }
                    columns[c].append(point.time, value)
                }
            }
            guard kept else { continue }
            if let known, !known.contains(seriesKey) { fresh.append(seriesKey.bytes) }
            for column in columns { out.append((column.key, column.values)) }
        }
        return (out, fresh)
    }

    /// One field of one series: its TSM key and points, in typed arrays appended in place.
    struct Column {
        /// The field name as written (escaped).
        let name: [UInt8]
        let key: [UInt8]
        let type: FieldType
        var times: [Int64] = []
        var floats: [Double] = []
        var integers: [Int64] = []
        var unsigneds: [UInt64] = []
        var booleans: [Bool] = []
        var strings: [[UInt8]] = []

        init(name: [UInt8], series: [UInt8], value: FieldValue) {
            self.name = name
            key = series + TSMFormat.fieldSeparator + Point.unescapedFieldKey(name)
            type = FieldType(value)
        }

        /// Appends a point; a value of another type (validation drops those) is skipped.
        mutating func append(_ time: Int64, _ value: FieldValue) {
            switch value {
            case .float(let x) where type == .float: floats.append(x)
            case .integer(let x) where type == .integer: integers.append(x)
            case .unsigned(let x) where type == .unsigned: unsigneds.append(x)
            case .boolean(let x) where type == .boolean: booleans.append(x)
            case .string(let x) where type == .string: strings.append(Array(x.utf8))
            default: return
            }
            times.append(time)
        }

        var values: WALValues {
            switch type {
            case .float: .float(times, floats)
            case .integer: .integer(times, integers)
            case .unsigned: .unsigned(times, unsigneds)
            case .boolean: .boolean(times, booleans)
            case .string: .string(times, strings)
            }
        }
    }
}
