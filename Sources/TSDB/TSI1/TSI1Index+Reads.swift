import LineProtocol
import Synchronization
import TSI
import TSM

/// A tsi1 shard's live series as id bitmaps (1.6's partitions keep the same `seriesIDSet`):
/// by measurement, and all of them. Built at open from the files' id lists, kept by every
/// write and delete; what every read starts from.
struct TSI1LiveSeries: Sendable {
    /// Only measurements with series are present.
    var measurements: [[UInt8]: SeriesIDSet] = [:]
    var all = SeriesIDSet()
    /// Bumped for a measurement whenever its series change (what ``TSI1ReadCache`` checks).
    var versions: [[UInt8]: UInt64] = [:]
    private var clock: UInt64 = 0

    init() {}

    /// Sets `all` from the measurements and drops the deleted ids (at open).
    mutating func removeDeleted(_ deleted: [UInt64]) {
        if !deleted.isEmpty {
            let gone = SeriesIDSet(deleted)
            for name in measurements.keys { measurements[name]!.subtract(gone) }
            measurements = measurements.filter { !$0.value.isEmpty }
        }
        all = SeriesIDSet()
        for ids in measurements.values { all.formUnion(ids) }
    }

    private mutating func touch(_ name: [UInt8]) {
        clock += 1
        versions[name] = clock
    }

    /// Adds a series; false if it was there.
    mutating func insert(_ id: UInt64, measurement name: [UInt8]) -> Bool {
        guard !all.contains(id) else { return false }
        all.insert(id)
        measurements[name, default: SeriesIDSet()].insert(id)
        touch(name)
        return true
    }

    /// Removes a series; false if it was not there.
    mutating func remove(_ id: UInt64, measurement name: [UInt8]) -> Bool {
        guard all.contains(id) else { return false }
        all.remove(id)
        measurements[name]?.remove(id)
        if measurements[name]?.isEmpty == true { measurements[name] = nil }
        touch(name)
        return true
    }

    /// Removes a measurement's series.
    mutating func drop(_ name: [UInt8]) {
        guard let ids = measurements.removeValue(forKey: name) else { return }
        all.subtract(ids)
        touch(name)
    }
}

/// The parsed series and tag keys of the measurements a tsi1 index was read for lately, each
/// valid while the measurement's version is unchanged. Bounded: past `maxSeries` parsed
/// series in all, it is emptied (a measurement larger than that is parsed for every read).
struct TSI1ReadCache: Sendable {
    struct Entry: Sendable {
        var version: UInt64
        var series: [ParsedSeriesKey]?
        var tagKeys: Set<String>?
    }

    static let maxSeries = 1 << 18
    var entries: [[UInt8]: Entry] = [:]
    var held = 0

    func series(_ name: [UInt8], _ version: UInt64) -> [ParsedSeriesKey]? {
        entries[name].flatMap { $0.version == version ? $0.series : nil }
    }

    func tagKeys(_ name: [UInt8], _ version: UInt64) -> Set<String>? {
        entries[name].flatMap { $0.version == version ? $0.tagKeys : nil }
    }

    private mutating func entry(_ name: [UInt8], _ version: UInt64) -> Entry {
        guard let e = entries[name], e.version == version else {
            held -= entries[name]?.series?.count ?? 0
            return Entry(version: version)
        }
        return e
    }

    mutating func store(_ name: [UInt8], _ version: UInt64, series: [ParsedSeriesKey]) {
        guard series.count <= Self.maxSeries else { return }
        var e = entry(name, version)
        held += series.count - (e.series?.count ?? 0)
        e.series = series
        entries[name] = e
        if held > Self.maxSeries {
            entries = [name: e]
            held = series.count
        }
    }

    mutating func store(_ name: [UInt8], _ version: UInt64, tagKeys: Set<String>) {
        var e = entry(name, version)
        e.tagKeys = tagKeys
        entries[name] = e
    }

    mutating func forget(_ name: [UInt8]) {
        held -= entries.removeValue(forKey: name)?.series?.count ?? 0
    }

    var estimatedBytes: Int {
        entries.values.reduce(0) { $0 + ($1.series?.reduce(0) { $0 + $1.estimatedBytes } ?? 0) }
    }
}

extension TSI1Index {
    public var version: IndexVersion { .tsi1 }

    /// The series file's encoding of a line-protocol key.
    private func id(of key: some Collection<UInt8>) -> UInt64 {
        seriesFile.id(forKey: SeriesKey(escaped: key).seriesFileEncoding)
    }

    public func contains(_ key: [UInt8]) -> Bool {
        let id = id(of: key)
        return id != 0 && live.withLock { $0.all.contains(id) }
    }

    public func contains(_ key: ByteKey) -> Bool { contains(key.bytes) }

    public var measurements: [String] {
        live.withLock { Array($0.measurements.keys) }.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }

    public func hasMeasurement(_ name: String) -> Bool { live.withLock { $0.measurements[Array(name.utf8)] != nil } }

    /// The measurement's live ids and version.
    private func liveIDs(_ name: [UInt8]) -> (ids: SeriesIDSet, version: UInt64)? {
        live.withLock { l in l.measurements[name].map { ($0, l.versions[name] ?? 0) } }
    }

    private func liveVersion(_ name: [UInt8]) -> UInt64? { live.withLock { $0.versions[name] } }

    /// The series of `ids`, their keys read from the series file (an id it no longer knows is
    /// skipped).
    private func resolve(_ ids: SeriesIDSet) -> [ParsedSeriesKey] {
        ids.ids.compactMap { id in seriesFile.parts(forID: id).map(ParsedSeriesKey.init(parts:)) }
    }

    public func series(of measurement: String) -> [ParsedSeriesKey] {
        let name = Array(measurement.utf8)
        guard let (ids, version) = liveIDs(name) else { return [] }
        if let cached = cache.withLock({ $0.series(name, version) }) { return cached }
        let series = resolve(ids)
        cache.withLock { $0.store(name, version, series: series) }
        return series
    }

    public func series(of measurement: String, keys: Set<ByteKey>) -> [ParsedSeriesKey] {
        guard let (ids, _) = liveIDs(Array(measurement.utf8)) else { return [] }
        return keys.compactMap { key in
            let id = id(of: key.bytes)
            return id != 0 && ids.contains(id) ? ParsedSeriesKey(key.bytes) : nil
        }
    }

    public func seriesKeys(of measurement: String, tag key: String, value: String) -> Set<ByteKey> {
        let name = Array(measurement.utf8)
        guard let (ids, _) = liveIDs(name) else { return [] }
        let (k, v) = (Array(key.utf8), Array(value.utf8))
        let cacheKey = TSI1TagValueCache.key(name, k, v)
        var found: SeriesIDSet
        if let cached = tagValues.withLock({ $0.ids(cacheKey) }) {
            found = cached
        } else {
            let before = liveVersion(name)
            found = SeriesIDSet()
            for partition in partitions { partition.snapshot.ids(measurement: name, key: k, value: v, into: &found) }
            // Kept only if no series of the measurement came or went while the files were read
            // (an add drops the entries of its tag values after changing the version).
            tagValues.withLock { cache in if liveVersion(name) == before { cache.store(cacheKey, found) } }
        }
        var keys = Set<ByteKey>()
        for id in found.intersection(ids).ids {
            guard let parts = seriesFile.parts(forID: id) else { continue }
            keys.insert(ByteKey(parts.made))
        }
        return keys
    }

    public func tagKeys(of measurement: String) -> Set<String> {
        let name = Array(measurement.utf8)
        guard let (ids, version) = liveIDs(name) else { return [] }
        if let cached = cache.withLock({ $0.tagKeys(name, version) }) { return cached }
        var keys = Set<[UInt8]>()
        for partition in partitions { keys.formUnion(partition.snapshot.tagKeys(measurement: name, holding: ids)) }
        let strings = Set(keys.map { String(decoding: $0, as: UTF8.self) })
        cache.withLock { $0.store(name, version, tagKeys: strings) }
        return strings
    }

    public var allSeries: [ParsedSeriesKey] { measurements.flatMap { series(of: $0) } }

    public var count: Int { live.withLock { $0.all.count } }

    public func seriesCount(of measurement: String) -> Int { live.withLock { $0.measurements[Array(measurement.utf8)]?.count ?? 0 } }

    /// The id bitmaps, the log files' postings and the cached parsed series.
    public var estimatedBytes: Int {
        let bitmaps = live.withLock { l in l.measurements.isEmpty ? 0 : l.measurements.values.reduce(l.all.byteCount) { $0 + $1.byteCount } }
        return bitmaps + partitions.reduce(0) { $0 + $1.postingsBytes } + cache.withLock { $0.estimatedBytes }
    }
}

/// 1.8's tag-value series-id set cache (`series-id-set-cache-size`; 1.6.7 accepts the key and
/// has no such cache): the ids a measurement's tag value has in the files, for the most
/// recently used `capacity` values. An entry goes when a series with that tag value is added;
/// deletes leave it (readers intersect with the live series). 0 disables it.
struct TSI1TagValueCache: Sendable {
    let capacity: Int
    private var entries: [ByteKey: (ids: SeriesIDSet, used: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = max(0, capacity) }

    var isEmpty: Bool { entries.isEmpty }

    /// The key of one tag value: each part behind its length.
    static func key(_ name: [UInt8], _ key: [UInt8], _ value: [UInt8]) -> ByteKey {
        var out: [UInt8] = []
        out.reserveCapacity(name.count + key.count + value.count + 12)
        for part in [name, key, value] {
            withUnsafeBytes(of: UInt32(part.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: part)
        }
        return ByteKey(out)
    }

    mutating func ids(_ key: ByteKey) -> SeriesIDSet? {
        guard entries[key] != nil else { return nil }
        clock += 1
        entries[key]!.used = clock
        return entries[key]!.ids
    }

    mutating func store(_ key: ByteKey, _ ids: SeriesIDSet) {
        guard capacity > 0 else { return }
        clock += 1
        entries[key] = (ids, clock)
        if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries[oldest] = nil
        }
    }

    mutating func remove(_ key: ByteKey) { entries[key] = nil }
}
