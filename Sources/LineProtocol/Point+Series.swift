/// A series key built from unescaped parts, as 1.x's `models.MakeKey` builds one for inputs
/// that do not speak line protocol (Prometheus remote write): the measurement is unescaped
/// then escaped (so `a\,b` and `a,b` are the same name), tags are sorted by key, the last of
/// duplicate keys wins, and tags with empty values are left out.
public struct SeriesKeyBuilder: Sendable {
    public private(set) var key: [UInt8] = []

    public init() {}

    /// Builds the key of `measurement` with `tags` (unescaped bytes, any order).
    public mutating func build(measurement: UnsafeRawBufferPointer, tags: [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)]) {
        key.removeAll(keepingCapacity: true)
        appendMeasurement(measurement)
        // A stable sort keeps input order among equal keys: the last of each run wins.
        let order = tags.indices.sorted { a, b in
            let c = Self.compare(tags[a].key, tags[b].key)
            return c != 0 ? c < 0 : a < b
        }
        for (n, i) in order.enumerated() {
            if n + 1 < order.count, Self.compare(tags[i].key, tags[order[n + 1]].key) == 0 { continue }
            guard !tags[i].value.isEmpty else { continue }
            key.append(ASCII.comma)
            append(tags[i].key, escaping: Escaping.tag)
            key.append(ASCII.equals)
            append(tags[i].value, escaping: Escaping.tag)
        }
    }

    private mutating func appendMeasurement(_ name: UnsafeRawBufferPointer) {
        var i = 0
        while i < name.count {
            let b = name[i]
            // 1.x unescapes `\,` and `\ ` first, so they are escaped once, not twice.
            if b == ASCII.backslash, i + 1 < name.count, name[i + 1] == ASCII.comma || name[i + 1] == ASCII.space {
                i += 1
                continue
            }
            if b == ASCII.comma || b == ASCII.space { key.append(ASCII.backslash) }
            key.append(b)
            i += 1
        }
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer, escaping escapable: [UInt8]) {
        for b in bytes {
            if escapable.contains(b) { key.append(ASCII.backslash) }
            key.append(b)
        }
    }

    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

/// Why a point built from parts was refused, in 1.x's words (`models.NewPoint`).
public struct PointError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

extension Point {
    /// The earliest and latest times a point may carry (1.x's `models.MinNanoTime`/`MaxNanoTime`).
    public static let minTime = Int64.min + 2
    public static let maxTime = Int64.max - 1

    /// A point with one float field on a key from ``SeriesKeyBuilder``, checked as 1.x's
    /// `models.NewPoint` checks it: the time first, then the key length. The caller drops NaN
    /// and ±Inf before (1.x refuses them here).
    public init(seriesKey: [UInt8], floatField field: String, value: Double, time: Int64) throws(PointError) {
        guard time >= Self.minTime, time <= Self.maxTime else {
            throw PointError(description: "time outside range \(Self.minTime) - \(Self.maxTime)")
        }
        let size = seriesKey.count + 4 + field.utf8.count
        guard size <= ScanError.maxKeyLength else {
            throw PointError(description: "max key length exceeded: \(size) > \(ScanError.maxKeyLength)")
        }
        var storage = seriesKey
        storage.reserveCapacity(seriesKey.count + field.utf8.count + 25)
        Escaping.escape(field, Escaping.fieldKey, into: &storage)
        storage.append(ASCII.equals)
        Self.appendValue(.float(value), to: &storage)
        self.init(storage: storage, keyCount: seriesKey.count, time: time)
    }
}
