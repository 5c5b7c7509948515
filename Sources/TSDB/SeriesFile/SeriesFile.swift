import Checksum
import Dispatch
import LineProtocol
import Synchronization
import TSM

#if canImport(Glibc)
import Glibc
#endif

/// A database's series file, `<data>/<db>/_series` (1.x's `tsdb.SeriesFile`): gives every
/// series key a 64-bit id that all the database's shards and both index types share, in the
/// bytes 1.x writes (`Spec/series-file.md`), so that influxd opens it and Sundial opens
/// influxd's. Eight partitions, each appended to by one writer at a time; a partition whose
/// in-memory maps pass `compactThreshold` series is compacted into its `index` file in the
/// background.
///
/// Keys are the series file's own encoding (`SeriesFileKey.encode`, length prefix included).
public final class SeriesFile: Sendable {
    /// 1.x's `SeriesFilePartitionN`.
    public static let partitionCount = 8
    /// 1.x's `DefaultSeriesPartitionCompactThreshold`.
    public static let defaultCompactThreshold = 1 << 17

    public let path: String
    let partitions: [Partition]
    let compactThreshold: Int
    private let compactions = DispatchGroup()
    private let failure = Mutex<SeriesFileError?>(nil)

    private init(path: String, partitions: [Partition], compactThreshold: Int) {
        self.path = path
        self.partitions = partitions
        self.compactThreshold = compactThreshold
    }

    /// Opens the series file at `path`, creating its directories and first segments if needed
    /// (as 1.x does on open), and replays each partition's entries since its index.
    public static func open(path: String, compactThreshold: Int = defaultCompactThreshold) throws(SeriesFileError) -> SeriesFile {
        // As Go's MkdirAll: every missing parent too.
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST { throw .io("mkdir \(prefix): \(SeriesFileBytes.errnoText(errno))") }
        }
        // In parallel: each replays its entries since its index into maps, which at millions
        // of series is a good part of a restart.
        let opened = Parallel.results(partitionCount) { (number) throws(SeriesFileError) in
            let hex = String(number, radix: 16)
            return try Partition.open(number: number, path: path + "/" + (hex.count < 2 ? "0" + hex : hex))
        }
        var partitions: [Partition] = []
        for result in opened { partitions.append(try result.get()) }
        return SeriesFile(path: path, partitions: partitions, compactThreshold: compactThreshold)
    }

    /// The live ids of `keys`, in order, creating the missing series (1.x's
    /// `CreateSeriesListIfNotExists`).
    public func createSeriesListIfNotExists(_ keys: [[UInt8]]) throws(SeriesFileError) -> [UInt64] {
        var ids = [UInt64](repeating: 0, count: keys.count)
        var byPartition = [[Int]](repeating: [], count: Self.partitionCount)
        for (i, key) in keys.enumerated() {
            byPartition[key.withUnsafeBytes { SeriesFileHash.partition(ofKey: $0) }].append(i)
        }
        for (number, indices) in byPartition.enumerated() where !indices.isEmpty {
            if try partitions[number].createSeriesList(keys, indices: indices, ids: &ids, compactThreshold: compactThreshold) {
                startCompaction(partitions[number])
            }
        }
        return ids
    }

    /// The live id of `key`, or 0.
    public func id(forKey key: [UInt8]) -> UInt64 {
        key.withUnsafeBytes { partitions[SeriesFileHash.partition(ofKey: $0)].id(forKey: $0) }
    }

    /// The key (length prefix included) of `id`, deleted or not, or nil for an unknown id.
    public func key(forID id: UInt64) -> [UInt8]? { partition(ofID: id)?.key(forID: id) }

    /// The measurement and tags of `id`'s key, deleted or not; nil for an unknown id or a key
    /// that does not decode.
    public func parts(forID id: UInt64) -> SeriesKey? { key(forID: id).flatMap(SeriesFileKey.parts(of:)) }

    /// Whether `id` is deleted (or was never created).
    public func isDeleted(_ id: UInt64) -> Bool { partition(ofID: id)?.isDeleted(id) ?? false }

    /// The ids deleted since each partition's last compaction (those before it are gone from
    /// the maps: their keys are no longer found).
    public var tombstonedIDs: [UInt64] { partitions.flatMap { p in p.state.withLock { Array($0.tombstones) } } }

    /// Deletes a series for good: writing its key again creates a new id.
    public func delete(_ id: UInt64) throws(SeriesFileError) {
        guard let partition = partition(ofID: id) else { return }
        try partition.delete(id)
    }

    /// 1.x's `SeriesCount`: every insert, deleted ones included, over all partitions.
    public var seriesCount: UInt64 { partitions.reduce(0) { $0 + $1.count } }

    /// Waits for running compactions; returns the first error one met, if any.
    @discardableResult
    public func waitForCompactions() -> SeriesFileError? {
        compactions.wait()
        return failure.withLock { $0 }
    }

    /// Compacts every partition now, whatever its size (for tests and `buildtsi`).
    public func compactAll() throws(SeriesFileError) {
        waitForCompactions()
        for partition in partitions {
            let start = partition.state.withLock { s -> Bool in
                if s.compacting { return false }
                s.compacting = true
                return true
            }
            guard start else { continue }
            try partition.compact()
        }
    }

    /// Waits for compactions and writes every segment's pages to disk.
    public func close() {
        waitForCompactions()
        for partition in partitions {
            for segment in partition.state.withLock({ $0.segments }) { segment.sync() }
        }
    }

    private func partition(ofID id: UInt64) -> Partition? {
        id == 0 ? nil : partitions[SeriesFileHash.partition(ofID: id)]
    }

    /// A compaction reads the segments and writes the index file: off the caller's thread
    /// and off the cooperative pool.
    private func startCompaction(_ partition: Partition) {
        compactions.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { compactions.leave() }
            do throws(SeriesFileError) { try partition.compact() } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
    }
}
