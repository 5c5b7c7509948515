#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import LineProtocol
import Synchronization
import TSI
import TSM

/// A shard's `tsi1` index (`<shard>/index/`, `Spec/tsi.md`): series are persisted as 1.6
/// persists them — an id from the database's series file, a series-insert entry in the log
/// file of the partition the series' key hashes to, fsynced before the write that created it
/// is acknowledged; deletes as series and measurement tombstones — so that influxd 1.6 opens
/// the shard's index as its own, and Sundial opens influxd's.
///
/// Queries read the files, as 1.6 does: opening maps the index files and decodes only their
/// series ids into one bitmap per measurement (``TSI1LiveSeries``, a few bytes a series); tag
/// lookups go to the mapped tag blocks and the log files' postings, keys to the series file.
/// Nothing is parsed per series at open, so a restart costs the same at any cardinality; the
/// parsed series and tag keys of measurements queried lately are cached (``TSI1ReadCache``).
public final class TSI1Index: SeriesIndexing {
    /// The `index` directory.
    public let path: String
    let seriesFile: SeriesFile
    let partitions: [TSI1Partition]
    /// The live series by measurement, and all of them.
    let live: Mutex<TSI1LiveSeries>
    let cache = Mutex(TSI1ReadCache())
    /// 1.8's `series-id-set-cache-size` cache of tag-value id sets.
    let tagValues: Mutex<TSI1TagValueCache>
    /// The names behind 1.6's measurement sketches (`TSI1Index+Sketches.swift`).
    let measurementNames: Mutex<MeasurementNames>

    private init(path: String, seriesFile: SeriesFile, partitions: [TSI1Partition], live: TSI1LiveSeries, names: MeasurementNames,
                 seriesIDSetCacheSize: Int) {
        tagValues = Mutex(TSI1TagValueCache(capacity: seriesIDSetCacheSize))
        self.path = path
        self.seriesFile = seriesFile
        self.partitions = partitions
        self.live = Mutex(live)
        measurementNames = Mutex(names)
    }

    /// Opens (creating if needed) the index of the shard at `shardPath`. Its series are those
    /// the files hold and the series file has not deleted.
    /// `sharing`: the database, which counts the shard's series with its other shards'.
    /// `seriesIDSetCacheSize`: 1.8's `series-id-set-cache-size` (tag values whose id sets are
    /// kept; 0: none).
    public static func open(shardPath: String, seriesFile: SeriesFile, maxLogFileSize: Int = 1 << 20,
                            seriesIDSetCacheSize: Int = 100, sharing: DatabaseSeries? = nil) throws(StoreError) -> TSI1Index {
        try open(indexPath: shardPath + "/" + ManifestPartitions.indexDirectoryName, seriesFile: seriesFile, maxLogFileSize: maxLogFileSize,
                 seriesIDSetCacheSize: seriesIDSetCacheSize, sharing: sharing)
    }

    /// Opens (creating if needed) the index directory at `path` (`buildtsi` builds one under
    /// a temporary name).
    public static func open(indexPath path: String, seriesFile: SeriesFile, maxLogFileSize: Int = 1 << 20,
                            seriesIDSetCacheSize: Int = 100, sharing: DatabaseSeries? = nil) throws(StoreError) -> TSI1Index {
        if mkdir(path, 0o777) != 0 && errno != EEXIST { throw .engine("mkdir \(path): \(String(cString: strerror(errno)))") }
        var partitions: [TSI1Partition] = []
        var live = TSI1LiveSeries()
        var names = MeasurementNames()
        for number in 0..<ManifestPartitions.count {
            let (partition, files) = try TSI1Partition.open(indexPath: path, number: number, seriesFile: seriesFile, maxLogFileSize: maxLogFileSize)
            partitions.append(partition)
            let active = partition.log.withLock { $0.name }
            // A partition's series, oldest file first: each file adds its measurements' series
            // and removes its tombstones (the partitions' series are disjoint).
            var series: [[UInt8]: SeriesIDSet] = [:]
            var older: [(name: String, layer: TSI1Layer)] = []
            var postings = TSI1LogPostings()
            for file in files {
                switch file {
                case .index(let name, let filePath):
                    let mapped = try TSI1Layer.mapIndexFile(filePath)
                    do throws(IndexFileError) { try apply(mapped, to: &series, names: &names) } catch {
                        throw .engine("tsi1 index file \(filePath): \(error)")
                    }
                    older.insert((name, .index(mapped)), at: 0)
                case .log(let name, let entries):
                    var read = TSI1LogPostings()
                    apply(entries, to: &series, postings: &read, names: &names, seriesFile: seriesFile)
                    if name == active { postings = read } else { older.insert((name, .log(read)), at: 0) }
                }
            }
            partition.install(postings: postings, older: older)
            partition.materializePending()
            for (name, ids) in series where !ids.isEmpty { live.measurements[name, default: SeriesIDSet()].formUnion(ids) }
        }
        live.removeDeleted(seriesFile.tombstonedIDs)
        let index = TSI1Index(path: path, seriesFile: seriesFile, partitions: partitions, live: live, names: names,
                              seriesIDSetCacheSize: seriesIDSetCacheSize)
        sharing?.register(index)
        for partition in partitions { partition.startLevelCompactions() }
        return index
    }

    /// What an index file says of a partition's series, over what older files said.
    private static func apply(_ file: IndexFile, to series: inout [[UInt8]: SeriesIDSet], names: inout MeasurementNames) throws(IndexFileError) {
        for measurement in file.measurements {
            let name = Array(measurement.name)
            if measurement.isTombstoned {
                names.dropped.insert(name)
                series[name] = nil
                continue
            }
            names.live.insert(name)
            series[name, default: SeriesIDSet()].insert(contentsOf: try measurement.series.ids())
        }
        let tombstones = try file.tombstoneSeriesIDSet()
        guard !tombstones.isEmpty else { return }
        for name in series.keys { series[name]!.subtract(tombstones) }
    }

    /// What a log file's entries say of a partition's series, in order, over what older files
    /// said; its inserts also go to `postings`.
    private static func apply(_ entries: [LogEntry], to series: inout [[UInt8]: SeriesIDSet], postings: inout TSI1LogPostings,
                              names: inout MeasurementNames, seriesFile: SeriesFile) {
        for entry in entries {
            switch entry.kind {
            case .seriesTombstone?:
                guard let name = seriesFile.key(forID: entry.seriesID).flatMap(SeriesFileKey.name(of:)) else { continue }
                series[name]?.remove(entry.seriesID)
            case .measurementTombstone?:
                names.dropped.insert(entry.name)
                series[entry.name] = nil
            case .tagKeyTombstone?, .tagValueTombstone?:
                continue
            case .seriesInsert?, nil:
                // 1.6 replays any other flag as an insert. Only the name and tag keys are read
                // now; the postings are built in the background after open.
                guard let bytes = seriesFile.key(forID: entry.seriesID),
                      let name = postings.addPending(entry.seriesID, key: bytes) else { continue }
                series[name, default: SeriesIDSet()].insert(entry.seriesID)
                names.live.insert(name)
            }
        }
    }

    /// The tsi1 partition of a series: its line-protocol key's xxhash, as 1.6.
    static func partition(of key: [UInt8]) -> Int { ManifestPartitions.partition(ofKey: key) }

    @discardableResult
    public func add(_ keys: some Sequence<[UInt8]>) throws(StoreError) -> [ParsedSeriesKey] {
        var seen = Set<ByteKey>()
        var candidates: [(key: [UInt8], parts: SeriesKey, encoding: [UInt8], id: UInt64)] = []
        for key in keys where seen.insert(ByteKey(key)).inserted {
            let parts = SeriesKey(escaped: key)
            let encoding = parts.seriesFileEncoding
            candidates.append((key, parts, encoding, seriesFile.id(forKey: encoding)))
        }
        let fresh = live.withLock { l in candidates.filter { $0.id == 0 || !l.all.contains($0.id) } }
        guard !fresh.isEmpty else { return [] }
        let ids: [UInt64]
        do throws(SeriesFileError) {
            ids = try seriesFile.createSeriesListIfNotExists(fresh.map { $0.encoding })
        } catch {
            throw .engine("series file: \(error)")
        }
        var entries = [[LogEntry]](repeating: [], count: partitions.count)
        var inserted = [[(id: UInt64, key: SeriesKey)]](repeating: [], count: partitions.count)
        for (series, id) in zip(fresh, ids) {
            let p = Self.partition(of: series.key)
            entries[p].append(.seriesInsert(id))
            inserted[p].append((id, series.parts))
        }
        try append(entries, inserted: inserted)
        let isNew = live.withLock { l in zip(fresh, ids).map { series, id in l.insert(id, measurement: series.parts.name) } }
        measurementNames.withLock { n in for series in fresh { n.live.insert(series.parts.name) } }
        tagValues.withLock { cache in
            guard !cache.isEmpty else { return }
            for series in fresh {
                for tag in series.parts.tags { cache.remove(TSI1TagValueCache.key(series.parts.name, tag.key, tag.value)) }
            }
        }
        return zip(fresh, isNew).compactMap { series, new in new ? ParsedSeriesKey(parts: series.parts) : nil }
    }

    /// Writes each partition's entries, then waits for the partitions written to be durable,
    /// their fsyncs running side by side (on Dispatch's threads, not the cooperative pool).
    private func append(_ entries: [[LogEntry]], inserted: [[(id: UInt64, key: SeriesKey)]]? = nil, dropped: [[UInt8]] = []) throws(StoreError) {
        var written: [(TSI1Partition, UInt64)] = []
        for (i, (partition, list)) in zip(partitions, entries).enumerated() {
            if let end = try partition.write(list, inserted: inserted?[i] ?? [], dropped: dropped) { written.append((partition, end)) }
        }
        if written.count == 1 {
            try written[0].0.waitDurable(written[0].1)
            return
        }
        let waits = written
        let failure = Mutex<StoreError?>(nil)
        DispatchQueue.concurrentPerform(iterations: waits.count) { i in
            do throws(StoreError) { try waits[i].0.waitDurable(waits[i].1) } catch { failure.withLock { $0 = $0 ?? error } }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    @discardableResult
    public func remove(_ keys: [[UInt8]]) throws(StoreError) -> [ParsedSeriesKey] {
        let held = heldSeries(keys)
        try tombstone(held)
        let removed = live.withLock { l in held.filter { l.remove($0.id, measurement: $0.parts.name) } }
        // As 1.6's DropMeasurementIfSeriesNotExist: a measurement left without series is dropped.
        for name in Set(removed.map { $0.parts.name }) where !live.withLock({ $0.measurements[name] != nil }) {
            try dropMeasurement(name)
        }
        return removed.map { ParsedSeriesKey(parts: $0.parts) }
    }

    @discardableResult
    public func remove(measurement: String) throws(StoreError) -> [ParsedSeriesKey] {
        let name = Array(measurement.utf8)
        // The live ids give the series straight away (their keys for the partitions): no
        // key is looked up again to find an id the bitmap already has.
        let ids = live.withLock { $0.measurements[name]?.ids } ?? []
        let held = ids.compactMap { id in seriesFile.parts(forID: id).map { (key: $0.made, parts: $0, id: id) } }
        try tombstone(held)
        try dropMeasurement(name)
        return held.map { ParsedSeriesKey(parts: $0.parts) }
    }

    /// The series among `keys` the index holds, with their ids and parts.
    private func heldSeries(_ keys: [[UInt8]]) -> [(key: [UInt8], parts: SeriesKey, id: UInt64)] {
        let found = keys.map { key in
            let parts = SeriesKey(escaped: key)
            return (key, parts, seriesFile.id(forKey: parts.seriesFileEncoding))
        }
        return live.withLock { l in found.filter { $0.2 != 0 && l.all.contains($0.2) } }
    }

    /// A series tombstone for each series, in its key's partition.
    private func tombstone(_ series: [(key: [UInt8], parts: SeriesKey, id: UInt64)]) throws(StoreError) {
        var entries = [[LogEntry]](repeating: [], count: partitions.count)
        for s in series { entries[Self.partition(of: s.key)].append(.seriesTombstone(s.id)) }
        try append(entries)
    }

    /// A measurement tombstone in every partition, as 1.6 writes one.
    private func dropMeasurement(_ name: [UInt8]) throws(StoreError) {
        try append(partitions.map { _ in [.measurementTombstone(name: name)] }, dropped: [name])
        measurementNames.withLock { _ = $0.dropped.insert(name) }
        live.withLock { $0.drop(name) }
        cache.withLock { $0.forget(name) }
    }

    /// The series file ids of keys the index holds (for deleting them from the series file
    /// once no shard has them).
    func seriesIDs(_ keys: [[UInt8]]) -> [UInt64] {
        keys.map { seriesFile.id(forKey: SeriesKey(escaped: $0).seriesFileEncoding) }.filter { $0 != 0 }
    }

    /// Waits for the log compactions running in the background.
    public func waitForCompactions() {
        for partition in partitions { partition.compactions.wait() }
    }

    /// The ids of the series the index holds (1.6's `SeriesIDSet`, what `SHOW SERIES
    /// CARDINALITY` unions across shards).
    public var seriesIDSet: SeriesIDSet { live.withLock { $0.all } }
}
