#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

    /// The engine's values for the points marked in `keep`, and what validating them needs.
    struct Built {
        /// One entry per TSM key (`series key#!~#field`, the field name unescaped as 1.x stores it).
        var values: [(key: [UInt8], values: WALValues)] = []
        /// The series with a kept point that the index does not hold.
        var fresh: [[UInt8]] = []
        /// Every (measurement, field, kind) written, once per series: fields are validated per
        /// column, not per point.
        var fields: [(measurement: String, field: [UInt8], kind: FieldKind)] = []
        /// A `time` tag or field, or a field written with two kinds in one series: the points
        /// must be validated one by one (1.x's rules drop single points for these).
        var irregular = false
    }

    /// Builds the engine's values of the points marked in `keep`, field by field.
    func build(_ points: [Point], keep: [Bool], known: (any SeriesIndexing)?) -> Built {
        var built = Built()
        var columns: [Column] = []
        let time = Array("time".utf8)
        for (seriesKey, positions) in series {
            columns.removeAll(keepingCapacity: true)
            var kept = false
            for i in positions where keep[i] {
                kept = true
                let point = points[i]
                var ordinal = 0
                point.forEachRawField { name, value in
                    defer { ordinal += 1 }
                    if Self.equal(name, time) {
                        built.irregular = true
                        return
                    }
                    // Points of a series usually list the same fields in the same order.
                    let c: Int
                    if ordinal < columns.count && Self.equal(name, columns[ordinal].name) {
                        c = ordinal
                    } else if let found = columns.firstIndex(where: { Self.equal(name, $0.name) }) {
                        c = found
                    } else {
                        c = columns.count
                        columns.append(Column(name: Array(name), series: seriesKey.bytes, kind: value.kind))
                    }
                    if !columns[c].append(point.time, value) { built.irregular = true }
                }
            }
            guard kept else { continue }
            if Self.mayHaveTimeTag(seriesKey.bytes) { built.irregular = true }
            if let known, !known.contains(seriesKey) { built.fresh.append(seriesKey.bytes) }
            let measurement = ParsedSeriesKey.measurementName(seriesKey.bytes)
            for column in columns {
                built.values.append((column.key, column.values))
                built.fields.append((measurement, column.name, column.kind))
            }
        }
        return built
    }

    /// Whether a series key may hold a `time` tag (`,time=` outside an escape); a false alarm
    /// only sends the write down the point-by-point validation.
    static func mayHaveTimeTag(_ key: [UInt8]) -> Bool {
        let pattern = Array(",time=".utf8)
        guard key.count >= pattern.count else { return false }
        return key.withUnsafeBytes { k in
            pattern.withUnsafeBytes { p in
                var i = 0
                while i + p.count <= k.count {
                    if k[i] == UInt8(ascii: ","), memcmp(k.baseAddress! + i, p.baseAddress!, p.count) == 0 { return true }
                    i += 1
                }
                return false
            }
        }
    }

    @inline(__always) static func equal(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 }
    }

    /// One field of one series: its TSM key and points, in typed arrays appended in place.
    struct Column {
        /// The field name as written (escaped).
        let name: [UInt8]
        let key: [UInt8]
        let kind: FieldKind
        var times: [Int64] = []
        var floats: [Double] = []
        var integers: [Int64] = []
        var unsigneds: [UInt64] = []
        var booleans: [Bool] = []
        var strings: [[UInt8]] = []

        init(name: [UInt8], series: [UInt8], kind: FieldKind) {
            self.name = name
            var key: [UInt8] = []
            key.reserveCapacity(series.count + TSMFormat.fieldSeparator.count + name.count)
            key += series
            key += TSMFormat.fieldSeparator
            key += Point.unescapedFieldKey(name)
            self.key = key
            self.kind = kind
        }

        /// Appends a point; false (and nothing appended) for a value of another kind.
        mutating func append(_ time: Int64, _ value: RawFieldValue) -> Bool {
            guard value.kind == kind else { return false }
            switch kind {
            case .float: floats.append(value.float)
            case .integer: integers.append(value.integer)
            case .unsigned: unsigneds.append(value.unsigned)
            case .boolean: booleans.append(value.boolean)
            case .string: strings.append(value.stringBytes)
            }
            times.append(time)
            return true
        }

        var values: WALValues {
            switch kind {
            case .float: .float(times, floats)
            case .integer: .integer(times, integers)
            case .unsigned: .unsigned(times, unsigneds)
            case .boolean: .boolean(times, booleans)
            case .string: .string(times, strings)
            }
        }
    }
}
