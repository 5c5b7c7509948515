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
/// Queries read an in-memory view (`SeriesIndex`) built from the files when the shard opens
/// and kept up to date by every write and delete.
public final class TSI1Index: SeriesIndexing {
    /// The `index` directory.
    public let path: String
    let seriesFile: SeriesFile
    let partitions: [TSI1Partition]
    let memory: SeriesIndex
    /// The names behind 1.6's measurement sketches (`TSI1Index+Sketches.swift`).
    let measurementNames = Mutex(MeasurementNames())

    private init(path: String, seriesFile: SeriesFile, partitions: [TSI1Partition], sharing: DatabaseSeries?) {
        self.path = path
        self.seriesFile = seriesFile
        self.partitions = partitions
        memory = SeriesIndex(sharing: sharing)
    }

    /// Opens (creating if needed) the index of the shard at `shardPath`. Its series are those
    /// the files hold and the series file has not deleted.
    /// `sharing`: the database's parsed series, for the in-memory view to reuse.
    public static func open(shardPath: String, seriesFile: SeriesFile, maxLogFileSize: Int = 1 << 20,
                            sharing: DatabaseSeries? = nil) throws(StoreError) -> TSI1Index {
        try open(indexPath: shardPath + "/" + ManifestPartitions.indexDirectoryName, seriesFile: seriesFile, maxLogFileSize: maxLogFileSize,
                 sharing: sharing)
    }

    /// Opens (creating if needed) the index directory at `path` (`buildtsi` builds one under
    /// a temporary name).
    public static func open(indexPath path: String, seriesFile: SeriesFile, maxLogFileSize: Int = 1 << 20,
                            sharing: DatabaseSeries? = nil) throws(StoreError) -> TSI1Index {
        if mkdir(path, 0o777) != 0 && errno != EEXIST { throw .engine("mkdir \(path): \(String(cString: strerror(errno)))") }
        var partitions: [TSI1Partition] = []
        var live = Set<UInt64>()
        var names = MeasurementNames()
        for number in 0..<ManifestPartitions.count {
            let (partition, files) = try TSI1Partition.open(indexPath: path, number: number, seriesFile: seriesFile, maxLogFileSize: maxLogFileSize)
            partitions.append(partition)
            var ids = Set<UInt64>()
            for file in files {
                switch file {
                case .index(let path):
                    let found = try Self.series(ofIndexFile: path)
                    ids.formUnion(found.series)
                    ids.subtract(found.tombstones)
                    names.live.formUnion(found.names.live)
                    names.dropped.formUnion(found.names.dropped)
                case .log(let entries):
                    for entry in entries {
                        switch entry.kind {
                        case .seriesTombstone?:
                            ids.remove(entry.seriesID)
                        case .measurementTombstone?:
                            names.dropped.insert(entry.name)
                            ids = ids.filter { id in
                                seriesFile.key(forID: id).flatMap(SeriesFileKey.parts(of:)).map { $0.name != entry.name } ?? false
                            }
                        case .tagKeyTombstone?, .tagValueTombstone?:
                            continue
                        case .seriesInsert?, nil:
                            // 1.6 replays any other flag as an insert.
                            ids.insert(entry.seriesID)
                            if let name = seriesFile.key(forID: entry.seriesID).flatMap(SeriesFileKey.parts(of:))?.name { names.live.insert(name) }
                        }
                    }
                }
            }
            live.formUnion(ids)
        }
        let index = TSI1Index(path: path, seriesFile: seriesFile, partitions: partitions, sharing: sharing)
        var keys: [[UInt8]] = []
        keys.reserveCapacity(live.count)
        for id in live.sorted() where !seriesFile.isDeleted(id) {
            guard let parts = seriesFile.key(forID: id).flatMap(SeriesFileKey.parts(of:)) else { continue }
            keys.append(parts.made)
        }
        // The database counts them (and deletes them from the series file once no shard has
        // them), as it counts what a shard's writes add.
        let loaded = index.memory.add(keys)
        sharing?.add(loaded)
        index.measurementNames.withLock { $0 = names }
        for partition in partitions { partition.startLevelCompactions() }
        return index
    }

    /// The series of a `.tsi` file: every id its live measurements hold, and its tombstone set
    /// (which also covers series of older files).
    static func series(ofIndexFile path: String) throws(StoreError) -> (series: Set<UInt64>, tombstones: Set<UInt64>, names: MeasurementNames) {
        do {
            let file = try IndexFile(bytes: SeriesFileBytes.readFile(path))
            var series = Set<UInt64>()
            var names = MeasurementNames()
            for measurement in file.measurements {
                if measurement.isTombstoned {
                    names.dropped.insert(Array(measurement.name))
                    continue
                }
                names.live.insert(Array(measurement.name))
                series.formUnion(try measurement.series.ids())
            }
            return (series, Set(try file.tombstoneSeriesIDSet().ids), names)
        } catch {
            throw .engine("tsi1 index file \(path): \(error)")
        }
    }

    /// The tsi1 partition of a series: its line-protocol key's xxhash, as 1.6.
    static func partition(of key: [UInt8]) -> Int { ManifestPartitions.partition(ofKey: key) }

    @discardableResult
    public func add(_ keys: some Sequence<[UInt8]>) throws(StoreError) -> [ParsedSeriesKey] {
        var seen = Set<ByteKey>()
        let fresh = keys.filter { !memory.contains(ByteKey($0)) && seen.insert(ByteKey($0)).inserted }
        guard !fresh.isEmpty else { return [] }
        let ids: [UInt64]
        do throws(SeriesFileError) {
            ids = try seriesFile.createSeriesListIfNotExists(fresh.map { SeriesKey(escaped: $0).seriesFileEncoding })
        } catch {
            throw .engine("series file: \(error)")
        }
        var entries = [[LogEntry]](repeating: [], count: partitions.count)
        for (key, id) in zip(fresh, ids) { entries[Self.partition(of: key)].append(.seriesInsert(id)) }
        try append(entries)
        let added = memory.add(fresh)
        measurementNames.withLock { n in for series in added { n.live.insert(Array(series.measurement.utf8)) } }
        return added
    }

    /// Writes each partition's entries, then waits for the partitions written to be durable,
    /// their fsyncs running side by side (on Dispatch's threads, not the cooperative pool).
    private func append(_ entries: [[LogEntry]]) throws(StoreError) {
        var written: [(TSI1Partition, UInt64)] = []
        for (partition, list) in zip(partitions, entries) {
            if let end = try partition.write(list) { written.append((partition, end)) }
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
        try tombstone(keys)
        let removed = memory.remove(keys)
        // As 1.6's DropMeasurementIfSeriesNotExist: a measurement left without series is dropped.
        for name in Set(removed.map(\.measurement)) where !memory.hasMeasurement(name) {
            try dropMeasurement(Array(name.utf8))
        }
        return removed
    }

    @discardableResult
    public func remove(measurement: String) throws(StoreError) -> [ParsedSeriesKey] {
        try tombstone(memory.series(of: measurement).map(\.key))
        try dropMeasurement(Array(measurement.utf8))
        return memory.remove(measurement: measurement)
    }

    /// A series tombstone for each key the series file knows, in the key's partition.
    private func tombstone(_ keys: [[UInt8]]) throws(StoreError) {
        var entries = [[LogEntry]](repeating: [], count: partitions.count)
        for key in keys where memory.contains(ByteKey(key)) {
            let id = seriesFile.id(forKey: SeriesKey(escaped: key).seriesFileEncoding)
            if id != 0 { entries[Self.partition(of: key)].append(.seriesTombstone(id)) }
        }
        try append(entries)
    }

    /// A measurement tombstone in every partition, as 1.6 writes one.
    private func dropMeasurement(_ name: [UInt8]) throws(StoreError) {
        try append(partitions.map { _ in [.measurementTombstone(name: name)] })
        measurementNames.withLock { _ = $0.dropped.insert(name) }
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

    // MARK: Reads: the in-memory view

    public var version: IndexVersion { .tsi1 }

    public func contains(_ key: [UInt8]) -> Bool { memory.contains(key) }
    public func contains(_ key: ByteKey) -> Bool { memory.contains(key) }
    public var measurements: [String] { memory.measurements }
    public func hasMeasurement(_ name: String) -> Bool { memory.hasMeasurement(name) }
    public func series(of measurement: String) -> [ParsedSeriesKey] { memory.series(of: measurement) }
    public func series(of measurement: String, keys: Set<ByteKey>) -> [ParsedSeriesKey] { memory.series(of: measurement, keys: keys) }
    public func seriesKeys(of measurement: String, tag key: String, value: String) -> Set<ByteKey> {
        memory.seriesKeys(of: measurement, tag: key, value: value)
    }
    public func tagKeys(of measurement: String) -> Set<String> { memory.tagKeys(of: measurement) }
    public var allSeries: [ParsedSeriesKey] { memory.allSeries }
    public var count: Int { memory.count }
    public var estimatedBytes: Int { memory.estimatedBytes }
}
