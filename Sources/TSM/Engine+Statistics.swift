import LineProtocol
import Synchronization

// 1.x's tsm1 statistics (InfluxDB 1.6 `tsdb/engine/tsm1/{engine,cache,wal,file_store}.go`):
// `tsm1_engine`, `tsm1_cache`, `tsm1_filestore` and `tsm1_wal`, with 1.x's field names, every
// value an int64. The counters are relaxed atomics bumped where the engine already does the
// work; reading them takes no lock and does no I/O (sizes are kept as files are written and
// removed). What each counts in Sundial: Spec/statistics.md.

/// The kinds of TSM compaction 1.x counts apart.
enum CompactionKind: Hashable, Sendable {
    /// A level plan (1 to 3): 1.x's `tsmLevelNCompaction…`.
    case level(Int)
    /// Level-4 generations merged again (`PlanOptimize`).
    case optimize
    /// Every file of a cold shard into one (or ``Engine/compactFull()``).
    case full
}

/// The counters of one kind of compaction (or of cache snapshots).
final class CompactionCounters: Sendable {
    /// Completed successfully.
    let runs = Atomic<Int64>(0)
    /// Running now.
    let active = Atomic<Int64>(0)
    /// Failed.
    let errors = Atomic<Int64>(0)
    /// Wall time spent, ns (successes, failures and aborted runs alike, as 1.x adds it).
    let durationNs = Atomic<Int64>(0)
    /// Plans waiting at the last planning (compactions only).
    let queue = Atomic<Int64>(0)

    /// `<prefix>Compactions`, `<prefix>CompactionsActive`, `<prefix>CompactionErr`,
    /// `<prefix>CompactionDuration` and, with `queue`, `<prefix>CompactionQueue`.
    func add(to values: inout [String: StatisticValue], prefix: String, queue withQueue: Bool) {
        values[prefix + "Compactions"] = .integer(runs.load(ordering: .relaxed))
        values[prefix + "CompactionsActive"] = .integer(active.load(ordering: .relaxed))
        values[prefix + "CompactionErr"] = .integer(errors.load(ordering: .relaxed))
        values[prefix + "CompactionDuration"] = .integer(durationNs.load(ordering: .relaxed))
        if withQueue { values[prefix + "CompactionQueue"] = .integer(queue.load(ordering: .relaxed)) }
    }
}

/// An engine's snapshot and compaction counters (1.x's `EngineStatistics`).
final class EngineCounters: Sendable {
    /// Cache snapshots (1.x calls them cache compactions).
    let cache = CompactionCounters()
    /// Level 1, 2 and 3 compactions.
    let levels = [CompactionCounters(), CompactionCounters(), CompactionCounters()]
    let optimize = CompactionCounters()
    let full = CompactionCounters()

    func compactions(_ kind: CompactionKind) -> CompactionCounters {
        switch kind {
        case .level(let n): levels[n - 1]
        case .optimize: optimize
        case .full: full
        }
    }
}

/// The cache's counters (1.x's `CacheStatistics`; the sizes are the cache's own atomics).
final class CacheCounters: Sendable {
    /// Bytes moved into snapshots.
    let cachedBytes = Atomic<Int64>(0)
    /// Snapshots started since the last one written (1.x's `snapshotAttempts`).
    let snapshotAttempts = Atomic<Int64>(0)
    /// Monotonic ns of the last snapshot (the cache's creation before the first).
    let lastSnapshot = Atomic<UInt64>(0)
    /// Milliseconds spent writing snapshots (each snapshot's time truncated to ms, as 1.x adds it).
    let compactionTimeMs = Atomic<Int64>(0)
    let writeOK = Atomic<Int64>(0)
    let writeErr = Atomic<Int64>(0)
    let writeDropped = Atomic<Int64>(0)
}

extension Engine {
    /// 1.x's `Engine.Statistics`: `tsm1_engine`, `tsm1_cache`, `tsm1_filestore` and `tsm1_wal`,
    /// each with `tags` (the shard's).
    ///
    /// `tsm1_engine` fields: `cacheCompactions`, `cacheCompactionsActive`, `cacheCompactionErr`,
    /// `cacheCompactionDuration` (ns) — cache snapshots; then for `tsmLevel1`, `tsmLevel2`,
    /// `tsmLevel3`, `tsmOptimize` and `tsmFull`: `<kind>Compactions`, `<kind>CompactionsActive`,
    /// `<kind>CompactionErr`, `<kind>CompactionDuration` (ns) and `<kind>CompactionQueue`.
    /// Unlike 1.6, `cacheCompactionsActive` is 1 while a snapshot is written (1.6 never sets
    /// it), optimize compactions count as `tsmOptimize…` (1.6 runs them through its full
    /// strategy and counts them as `tsmFull…`), and `tsmFullCompactionQueue` is 1 while a full
    /// compaction is due (1.6 never sets it and puts the full plans in the optimize queue).
    public func statistics(tags: [String: String]) -> [Statistic] {
        var values: [String: StatisticValue] = [:]
        values.reserveCapacity(29)
        counters.cache.add(to: &values, prefix: "cache", queue: false)
        for (i, level) in counters.levels.enumerated() { level.add(to: &values, prefix: "tsmLevel\(i + 1)", queue: true) }
        counters.optimize.add(to: &values, prefix: "tsmOptimize", queue: true)
        counters.full.add(to: &values, prefix: "tsmFull", queue: true)
        return [Statistic(name: "tsm1_engine", tags: tags, values: values),
                cache.statistics(tags: tags), fileStore.statistics(tags: tags), wal.statistics(tags: tags)]
    }

    /// Bytes of the shard on disk: TSM files, their tombstones and the WAL segments (1.x's
    /// `Engine.DiskSize`, the shard's `diskBytes`). Read from counters, no `stat`.
    public var diskSize: Int { fileStore.diskBytes + wal.diskBytes }
}

extension Cache {
    /// 1.x's `tsm1_cache`: `memBytes` (live and snapshot bytes), `diskBytes` (the snapshot
    /// being written), `snapshotCount` (snapshots started since the last one written: 1 while
    /// one is written, more after failures), `cacheAgeMs` (since the last snapshot, now),
    /// `cachedBytes` (bytes moved into snapshots), `WALCompactionTimeMs` (time writing
    /// snapshots), `writeOk`, `writeErr`, `writeDropped` (writes into the cache: refused by
    /// `cache-max-memory-size`, or with a key of a conflicting type — then counted as written,
    /// dropped and an error, as 1.x does). WAL replay writes count too, as in 1.x.
    public func statistics(tags: [String: String]) -> Statistic {
        let age = Engine.monotonicNow() &- counters.lastSnapshot.load(ordering: .relaxed)
        return Statistic(name: "tsm1_cache", tags: tags, values: [
            "memBytes": .count(size),
            "diskBytes": .count(snapshotSize),
            "snapshotCount": .integer(counters.snapshotAttempts.load(ordering: .relaxed)),
            "cacheAgeMs": .integer(Int64(clamping: age / 1_000_000)),
            "cachedBytes": .integer(counters.cachedBytes.load(ordering: .relaxed)),
            "WALCompactionTimeMs": .integer(counters.compactionTimeMs.load(ordering: .relaxed)),
            "writeOk": .integer(counters.writeOK.load(ordering: .relaxed)),
            "writeErr": .integer(counters.writeErr.load(ordering: .relaxed)),
            "writeDropped": .integer(counters.writeDropped.load(ordering: .relaxed)),
        ])
    }
}

extension FileStore {
    /// 1.x's `tsm1_filestore`: `diskBytes` (TSM files and their tombstone files) and
    /// `numFiles` (TSM files).
    public func statistics(tags: [String: String]) -> Statistic {
        Statistic(name: "tsm1_filestore", tags: tags, values: [
            "diskBytes": .count(diskBytes),
            "numFiles": .count(numFiles),
        ])
    }
}

extension WAL {
    /// Bytes of every segment on disk.
    public var diskBytes: Int { oldBytes.load(ordering: .relaxed) + currentBytes.load(ordering: .relaxed) }

    /// 1.x's `tsm1_wal`: `oldSegmentsDiskBytes` (closed segments not yet removed by a
    /// snapshot), `currentSegmentDiskBytes` (the segment being appended to), `writeOk` and
    /// `writeErr` (the engine's writes: appended and fsynced, or failed; deletes are not
    /// counted, as in 1.x).
    public func statistics(tags: [String: String]) -> Statistic {
        Statistic(name: "tsm1_wal", tags: tags, values: [
            "oldSegmentsDiskBytes": .count(oldBytes.load(ordering: .relaxed)),
            "currentSegmentDiskBytes": .count(currentBytes.load(ordering: .relaxed)),
            "writeOk": .integer(writesOK.load(ordering: .relaxed)),
            "writeErr": .integer(writesFailed.load(ordering: .relaxed)),
        ])
    }
}
