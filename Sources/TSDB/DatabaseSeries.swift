import Synchronization
import TSI
import TSM

/// The series of a whole database (1.x's in-memory index is per database): how many shards
/// hold each series, and the values of each tag — what `max-series-per-database` and
/// `max-values-per-tag` count. It also keeps one parsed copy of each series for the shards'
/// indexes to share (``canonical(_:)``): a database's shards hold the same series, and
/// each parsing its own copy multiplied the index's memory by the number of shards.
public final class DatabaseSeries: Sendable {
    struct Entry {
        var key: ParsedSeriesKey
        var shards: Int
    }

    struct State {
        var series: [ByteKey: Entry] = [:]
        /// measurement → tag key → value → series holding it; nil until `max-values-per-tag`
        /// first asks (only inmem shards do), then kept up to date: a tsi1 database never pays
        /// for it, at open or on writes.
        var tagValues: [String: [String: [String: Int]]]?

        /// `tagValues`, built from the series if nothing asked before.
        mutating func tagValuesBuilt() -> [String: [String: [String: Int]]] {
            if let built = tagValues { return built }
            var built: [String: [String: [String: Int]]] = [:]
            for entry in series.values {
                for tag in entry.key.tags { built[entry.key.measurement, default: [:]][tag.key, default: [:]][tag.value, default: 0] += 1 }
            }
            tagValues = built
            return built
        }
        /// measurement → its series.
        var measurements: [String: Int] = [:]
    }

    private let state = Mutex(State())
    /// The database's open tsi1 indexes, which count their series themselves (by series id,
    /// as 1.6's store unions its shards' id sets); held weakly, so a closed shard's drops out.
    private let tsi1 = Mutex<[ObjectIdentifier: WeakTSI1Index]>([:])
    /// The counts of `state`, kept so that reading them (the limits, the `database`
    /// statistic) takes no lock.
    private let seriesCount = Atomic<Int>(0)
    private let measurementCount = Atomic<Int>(0)

    public init() {}

    /// Number of distinct series the database's inmem shards hold (what `max-series-per-database`
    /// counts: only inmem enforces it).
    var inmemCount: Int { seriesCount.load(ordering: .relaxed) }

    private func publishCounts(_ s: State) {
        seriesCount.store(s.series.count, ordering: .relaxed)
        measurementCount.store(s.measurements.count, ordering: .relaxed)
    }

    /// The database's tsi1 indexes now open.
    var tsi1Indexes: [TSI1Index] {
        tsi1.withLock { t in
            t = t.filter { $0.value.index != nil }
            return t.values.compactMap(\.index)
        }
    }

    /// A tsi1 index opened for one of the database's shards.
    func register(_ index: TSI1Index) {
        tsi1.withLock { $0[ObjectIdentifier(index)] = WeakTSI1Index(index: index) }
    }

    /// A tsi1 shard going: its index no longer counts. Returns the ids it held that no other
    /// tsi1 index of the database holds (1.6's `DeleteShard` deletes those from the series file).
    func unregister(_ index: TSI1Index) -> SeriesIDSet {
        tsi1.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(index)) }
        return orphans(index.seriesIDSet, leaving: index)
    }

    /// The ids among `ids` no tsi1 index of the database other than `leaving` holds.
    func orphans(_ ids: SeriesIDSet, leaving: TSI1Index) -> SeriesIDSet {
        var left = ids
        for other in tsi1Indexes where other !== leaving { left.subtract(other.seriesIDSet) }
        return left
    }

    /// Number of distinct series in the database (the `database` statistic's `numSeries`):
    /// those its inmem shards hold plus the distinct ids of its tsi1 indexes (a series in
    /// shards of both kinds counts twice).
    public var count: Int {
        var ids = SeriesIDSet()
        for index in tsi1Indexes { ids.formUnion(index.seriesIDSet) }
        return inmemCount + ids.count
    }

    /// Number of distinct measurements with series (`numMeasurements`), counted the same way.
    public var measurementsCount: Int {
        var names = Set<String>()
        for index in tsi1Indexes { names.formUnion(index.measurements) }
        return measurementCount.load(ordering: .relaxed) + names.count
    }

    func contains(_ key: [UInt8]) -> Bool { state.withLock { $0.series[ByteKey(key)] != nil } }

    /// The series of `keys`, parsed: the copy another shard already holds where there is one
    /// (its bytes, measurement and tags are then shared, not duplicated), else a new parse.
    func canonical(_ keys: [[UInt8]]) -> [ParsedSeriesKey] {
        let known = state.withLock { s in keys.map { s.series[ByteKey($0)]?.key } }
        return zip(keys, known).map { key, found in found ?? ParsedSeriesKey(key) }
    }

    func hasTagValue(_ measurement: String, _ key: String, _ value: String) -> Bool {
        state.withLock { $0.tagValuesBuilt()[measurement]?[key]?[value] != nil }
    }

    func tagValueCount(_ measurement: String, _ key: String) -> Int {
        state.withLock { $0.tagValuesBuilt()[measurement]?[key]?.count ?? 0 }
    }

    /// A shard gained these series.
    func add(_ keys: [ParsedSeriesKey]) {
        state.withLock { s in
            // A shard opening adds all its series at once: grow the table once.
            if keys.count > 1024 { s.series.reserveCapacity(s.series.count + keys.count) }
            for key in keys {
                let k = ByteKey(key.key)
                if let i = s.series.index(forKey: k) {
                    s.series.values[i].shards += 1
                    continue
                }
                s.series[k] = Entry(key: key, shards: 1)
                s.measurements[key.measurement, default: 0] += 1
                guard s.tagValues != nil else { continue }
                for tag in key.tags { s.tagValues![key.measurement, default: [:]][tag.key, default: [:]][tag.value, default: 0] += 1 }
            }
            publishCounts(s)
        }
    }

    /// A shard lost these series; returns those no shard has any more.
    @discardableResult
    func remove(_ keys: [ParsedSeriesKey]) -> [[UInt8]] {
        state.withLock { s in
            var gone: [[UInt8]] = []
            for key in keys {
                let k = ByteKey(key.key)
                guard let n = s.series[k]?.shards else { continue }
                if n > 1 { s.series[k]?.shards = n - 1; continue }
                s.series[k] = nil
                gone.append(key.key)
                let series = (s.measurements[key.measurement] ?? 1) - 1
                s.measurements[key.measurement] = series > 0 ? series : nil
                guard s.tagValues != nil else { continue }
                for tag in key.tags {
                    let left = (s.tagValues![key.measurement]?[tag.key]?[tag.value] ?? 1) - 1
                    s.tagValues![key.measurement]?[tag.key]?[tag.value] = left > 0 ? left : nil
                }
            }
            publishCounts(s)
            return gone
        }
    }
}

/// 1.x's `[data]` series limits; 0 disables a limit.
public struct SeriesLimits: Sendable, Hashable {
    public var maxSeriesPerDatabase: Int
    public var maxValuesPerTag: Int

    public init(maxSeriesPerDatabase: Int = 1_000_000, maxValuesPerTag: Int = 100_000) {
        self.maxSeriesPerDatabase = maxSeriesPerDatabase
        self.maxValuesPerTag = maxValuesPerTag
    }
}

/// A weak reference to a tsi1 index, for ``DatabaseSeries``' registry.
struct WeakTSI1Index: @unchecked Sendable {
    weak var index: TSI1Index?
}
