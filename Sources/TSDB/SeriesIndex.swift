import LineProtocol
import Synchronization
import TSM

/// A series key taken apart: unescaped measurement and tags, in key order.
public struct ParsedSeriesKey: Sendable, Hashable {
    /// The key as stored (`cpu,host=a`).
    public var key: [UInt8]
    public var measurement: String
    public var tags: [(key: String, value: String)]

    public static func == (a: Self, b: Self) -> Bool { a.key == b.key }
    public func hash(into h: inout Hasher) { h.combine(key) }

    /// The value of tag `name`, or "" (1.x treats a missing tag as the empty string).
    public func tag(_ name: String) -> String { tags.first { $0.key == name }?.value ?? "" }

    /// Takes a stored line-protocol key apart (`LineProtocol.SeriesKey`).
    public init(_ key: [UInt8]) {
        self.key = key
        let parts = SeriesKey(escaped: key)
        measurement = String(decoding: parts.name, as: UTF8.self)
        tags = parts.tags.map { (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)) }
    }

    /// A series from its unescaped parts (as the series file holds them); its key is the one
    /// 1.x's `models.MakeKey` builds from them.
    public init(parts: SeriesKey) {
        key = parts.made
        measurement = String(decoding: parts.name, as: UTF8.self)
        tags = parts.tags.map { (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)) }
    }

    /// 1.x's series order (`CompareSeriesKeys`): measurement, then tag by tag (key, then
    /// value), as bytes; a key whose tags are a prefix of another's comes first.
    public static func precedes(_ a: (measurement: String, tags: [(key: String, value: String)]),
                                _ b: (measurement: String, tags: [(key: String, value: String)])) -> Bool {
        if a.measurement != b.measurement { return a.measurement.utf8.lexicographicallyPrecedes(b.measurement.utf8) }
        for (x, y) in zip(a.tags, b.tags) {
            if x.key != y.key { return x.key.utf8.lexicographicallyPrecedes(y.key.utf8) }
            if x.value != y.value { return x.value.utf8.lexicographicallyPrecedes(y.value.utf8) }
        }
        return a.tags.count < b.tags.count
    }

    /// The key as 1.x's `SHOW SERIES` prints it, rebuilt from the parts (`models.MakeKey`):
    /// `a\=b,t=1` is stored as written but shown as `a=b,t=1`.
    public var madeKey: String {
        String(decoding: SeriesKey(name: Array(measurement.utf8), tags: tags.map { .init(key: Array($0.key.utf8), value: Array($0.value.utf8)) }).made,
               as: UTF8.self)
    }
}

/// A shard's series index: what the metadata statements, deletes and the series limits read.
/// 1.x has two: `inmem` (`SeriesIndex`, rebuilt from the TSM keys when the shard opens) and
/// `tsi1` (`TSI1Index`, persisted in the shard's `index` directory). Adding and removing series
/// may fail where the index persists them.
public protocol SeriesIndexing: Sendable {
    /// Which of 1.x's indexes this is: what the series limits and the metadata statements
    /// follow (they differ between the two in 1.x).
    var version: IndexVersion { get }
    @discardableResult func add(_ keys: some Sequence<[UInt8]>) throws(StoreError) -> [ParsedSeriesKey]
    func contains(_ key: [UInt8]) -> Bool
    /// Whether the shard holds the series (a hash lookup, no parsing).
    func contains(_ key: ByteKey) -> Bool
    /// Measurement names, sorted by their bytes.
    var measurements: [String] { get }
    /// Whether the shard has series of the measurement (without listing and sorting them all).
    func hasMeasurement(_ name: String) -> Bool
    func series(of measurement: String) -> [ParsedSeriesKey]
    /// The measurement's series among `keys`.
    func series(of measurement: String, keys: Set<ByteKey>) -> [ParsedSeriesKey]
    /// The keys of the measurement's series whose tag `key` is `value` (the postings list,
    /// shared rather than copied: a query's `WHERE host = 'a'` hashes no key to get it).
    func seriesKeys(of measurement: String, tag key: String, value: String) -> Set<ByteKey>
    /// How many series the measurement has.
    func seriesCount(of measurement: String) -> Int
    /// The tag keys the measurement's series have.
    func tagKeys(of measurement: String) -> Set<String>
    var allSeries: [ParsedSeriesKey] { get }
    var count: Int { get }
    /// An estimate of the memory the index holds, in bytes (`SHOW STATS FOR 'indexes'`).
    var estimatedBytes: Int { get }
    @discardableResult func remove(measurement: String) throws(StoreError) -> [ParsedSeriesKey]
    @discardableResult func remove(_ keys: [[UInt8]]) throws(StoreError) -> [ParsedSeriesKey]
}

/// The series a shard holds, by measurement (1.x's `inmem` index): rebuilt from the TSM keys
/// when the shard opens, extended on every write, trimmed on deletes. Per measurement it keeps
/// postings (tag key → value → series) so that `WHERE host = 'a'` reads only that series.
/// Field keys come from the shard's `fields.idx`.
public final class SeriesIndex: SeriesIndexing {
    /// Keyed by `ByteKey`: a series key hashes as one run of bytes (every write looks its
    /// series up here).
    struct Measurement {
        var series: [ByteKey: ParsedSeriesKey] = [:]
        var postings: [String: [String: Set<ByteKey>]] = [:]
        /// `postings.keys` as a set, kept up to date so that every query does not build it.
        var tagKeys: Set<String> = []

        mutating func insert(_ s: ParsedSeriesKey) {
            let key = ByteKey(s.key)
            series[key] = s
            for (k, v) in s.tags {
                if postings[k] == nil { tagKeys.insert(k) }
                postings[k, default: [:]][v, default: []].insert(key)
            }
        }

        mutating func remove(_ bytes: [UInt8]) -> ParsedSeriesKey? {
            let key = ByteKey(bytes)
            guard let s = series.removeValue(forKey: key) else { return nil }
            for (k, v) in s.tags {
                postings[k]?[v]?.remove(key)
                if postings[k]?[v]?.isEmpty == true { postings[k]?[v] = nil }
                if postings[k]?.isEmpty == true {
                    postings[k] = nil
                    tagKeys.remove(k)
                }
            }
            return s
        }
    }

    struct State {
        var measurements: [String: Measurement] = [:]
        /// Every series key, for membership tests without parsing the measurement out.
        var all: Set<ByteKey> = []
    }

    private let state = Mutex(State())
    /// `state.all.count`, kept so that ``count`` (the shard's `seriesCreate` statistic) takes
    /// no lock.
    private let seriesCount = Atomic<Int>(0)
    /// Kept as series come and go, so that reading it scans nothing.
    private let bytes = Atomic<Int>(0)

    /// Where new series are parsed: the database's shared copies (nil: each parsed here).
    let shared: DatabaseSeries?

    /// An empty index; `shared` gives it the database's parsed series to reuse.
    public init(sharing shared: DatabaseSeries? = nil) {
        self.shared = shared
    }

    public var version: IndexVersion { .inmem }

    /// The parsed series of `keys`, shared with the database's other shards when they hold them.
    func parse(_ keys: [[UInt8]]) -> [ParsedSeriesKey] {
        shared?.canonical(keys) ?? keys.map(ParsedSeriesKey.init)
    }

    /// Adds series keys (already-known ones are skipped cheaply); returns the new ones.
    @discardableResult
    public func add(_ keys: some Sequence<[UInt8]>) -> [ParsedSeriesKey] {
        // Keys not held yet are parsed (or taken from the database's copies) outside the lock.
        // An empty index (a shard opening) takes them all without looking each up.
        let fresh = state.withLock { s in s.all.isEmpty ? Array(keys) : keys.filter { !s.all.contains(ByteKey($0)) } }
        guard !fresh.isEmpty else { return [] }
        let parsed = parse(fresh)
        return state.withLock { s in
            if s.all.isEmpty {
                let added = Self.load(parsed, into: &s)
                bytes.add(added.reduce(0) { $0 + $1.estimatedBytes }, ordering: .relaxed)
                seriesCount.store(s.all.count, ordering: .relaxed)
                return added
            }
            var added: [ParsedSeriesKey] = []
            for series in parsed {
                guard s.all.insert(ByteKey(series.key)).inserted else { continue }
                s.measurements[series.measurement, default: Measurement()].insert(series)
                bytes.add(series.estimatedBytes, ordering: .relaxed)
                added.append(series)
            }
            if !added.isEmpty { seriesCount.store(s.all.count, ordering: .relaxed) }
            return added
        }
    }

    /// Whether the shard holds the series.
    public func contains(_ key: [UInt8]) -> Bool { contains(ByteKey(key)) }

    public func contains(_ key: ByteKey) -> Bool { state.withLock { $0.all.contains(key) } }

    /// Measurement names, sorted by their bytes.
    public var measurements: [String] {
        state.withLock { Array($0.measurements.keys) }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    public func hasMeasurement(_ name: String) -> Bool {
        state.withLock { $0.measurements[name] != nil }
    }

    /// The series of a measurement.
    public func series(of measurement: String) -> [ParsedSeriesKey] {
        state.withLock { $0.measurements[measurement].map { Array($0.series.values) } ?? [] }
    }

    public func series(of measurement: String, keys: Set<ByteKey>) -> [ParsedSeriesKey] {
        state.withLock { s in
            guard let m = s.measurements[measurement] else { return [] }
            return keys.compactMap { m.series[$0] }
        }
    }

    public func seriesKeys(of measurement: String, tag key: String, value: String) -> Set<ByteKey> {
        state.withLock { $0.measurements[measurement]?.postings[key]?[value] ?? [] }
    }

    public func seriesCount(of measurement: String) -> Int {
        state.withLock { $0.measurements[measurement]?.series.count ?? 0 }
    }

    public func tagKeys(of measurement: String) -> Set<String> {
        state.withLock { $0.measurements[measurement]?.tagKeys ?? [] }
    }

    /// Every series.
    public var allSeries: [ParsedSeriesKey] { state.withLock { $0.measurements.values.flatMap(\.series.values) } }

    public var count: Int { seriesCount.load(ordering: .relaxed) }

    public var estimatedBytes: Int { bytes.load(ordering: .relaxed) }

    /// Removes a measurement; returns the series it had.
    @discardableResult
    public func remove(measurement: String) -> [ParsedSeriesKey] {
        state.withLock { s in
            guard let gone = s.measurements.removeValue(forKey: measurement) else { return [] }
            for key in gone.series.keys { s.all.remove(key) }
            bytes.subtract(gone.series.values.reduce(0) { $0 + $1.estimatedBytes }, ordering: .relaxed)
            seriesCount.store(s.all.count, ordering: .relaxed)
            return Array(gone.series.values)
        }
    }

    /// Removes series; returns those that were present.
    @discardableResult
    public func remove(_ keys: [[UInt8]]) -> [ParsedSeriesKey] {
        state.withLock { s in
            var removed: [ParsedSeriesKey] = []
            for key in keys {
                guard s.all.remove(ByteKey(key)) != nil else { continue }
                let m = ParsedSeriesKey.measurementName(key)
                if let gone = s.measurements[m]?.remove(key) {
                    bytes.subtract(gone.estimatedBytes, ordering: .relaxed)
                    removed.append(gone)
                }
                if s.measurements[m]?.series.isEmpty == true { s.measurements[m] = nil }
            }
            seriesCount.store(s.all.count, ordering: .relaxed)
            return removed
        }
    }
}

extension ParsedSeriesKey {
    /// What one series costs the index, roughly: its key three times (the parsed series, the
    /// series table, the membership set), each tag's strings plus a postings entry, and the
    /// hash-table slots.
    var estimatedBytes: Int {
        3 * key.count + tags.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 32 } + 144
    }

    /// The unescaped measurement of a series key, without parsing its tags.
    static func measurementName(_ key: [UInt8]) -> String { String(decoding: SeriesKey.name(ofEscaped: key), as: UTF8.self) }
}
