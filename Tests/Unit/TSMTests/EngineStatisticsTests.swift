import Foundation
import LineProtocol
import Synchronization
import Testing

@testable import TSM

/// The engine's 1.x statistics (`tsm1_engine`, `tsm1_cache`, `tsm1_filestore`, `tsm1_wal`):
/// 1.6's names, and counters that follow what the engine did (Spec/statistics.md).
@Suite("Engine statistics")
struct EngineStatisticsTests {
    static func k(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Every field key 1.6 reports, from `tsdb/engine/tsm1/{engine,cache,file_store,wal}.go`
    /// and `Tests/Golden/monitor/internal-1.6.7.json` (influxd 1.6.7's `_internal`).
    static let fieldKeys1x: [(String, [String])] = [
        ("tsm1_engine", [
            "cacheCompactionDuration", "cacheCompactionErr", "cacheCompactions", "cacheCompactionsActive",
            "tsmFullCompactionDuration", "tsmFullCompactionErr", "tsmFullCompactionQueue", "tsmFullCompactions", "tsmFullCompactionsActive",
            "tsmLevel1CompactionDuration", "tsmLevel1CompactionErr", "tsmLevel1CompactionQueue", "tsmLevel1Compactions", "tsmLevel1CompactionsActive",
            "tsmLevel2CompactionDuration", "tsmLevel2CompactionErr", "tsmLevel2CompactionQueue", "tsmLevel2Compactions", "tsmLevel2CompactionsActive",
            "tsmLevel3CompactionDuration", "tsmLevel3CompactionErr", "tsmLevel3CompactionQueue", "tsmLevel3Compactions", "tsmLevel3CompactionsActive",
            "tsmOptimizeCompactionDuration", "tsmOptimizeCompactionErr", "tsmOptimizeCompactionQueue", "tsmOptimizeCompactions",
            "tsmOptimizeCompactionsActive",
        ]),
        ("tsm1_cache", ["WALCompactionTimeMs", "cacheAgeMs", "cachedBytes", "diskBytes", "memBytes", "snapshotCount", "writeDropped", "writeErr", "writeOk"]),
        ("tsm1_filestore", ["diskBytes", "numFiles"]),
        ("tsm1_wal", ["currentSegmentDiskBytes", "oldSegmentsDiskBytes", "writeErr", "writeOk"]),
    ]

    /// The integer fields of statistic `name` (a float or a missing statistic fails the test).
    static func fields(_ engine: Engine, _ name: String) -> [String: Int64] {
        guard let statistic = engine.statistics(tags: [:]).first(where: { $0.name == name }) else {
            Issue.record("no \(name) statistic")
            return [:]
        }
        return statistic.values.mapValues { value in
            guard case .integer(let n) = value else {
                Issue.record("\(name): \(value) is not an int64")
                return -1
            }
            return n
        }
    }

    /// Bytes of the files in `directories` whose names end with one of `suffixes` (what `ls`
    /// says, to check the sizes the engine keeps without a `stat`).
    static func onDisk(_ directories: [String], _ suffixes: [String] = [".tsm", ".tombstone", ".wal"]) -> Int {
        var total = 0
        for dir in directories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where suffixes.contains(where: name.hasSuffix) {
                total += ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size]) as? Int) ?? 0
            }
        }
        return total
    }

    @Test(arguments: fieldKeys1x)
    func fieldKeysAre1x(name: String, keys: [String]) throws {
        let engine = EngineTests.engine(EngineTests.directories())
        _ = try engine.open()
        let all = engine.statistics(tags: ["database": "db", "hostname": "h"])
        #expect(all.map(\.name) == ["tsm1_engine", "tsm1_cache", "tsm1_filestore", "tsm1_wal"])
        let statistic = try #require(all.first { $0.name == name })
        #expect(statistic.values.keys.sorted() == keys)
        #expect(statistic.tags == ["database": "db", "hostname": "h"])
        #expect(statistic.values.values.allSatisfy { if case .integer = $0 { true } else { false } })
    }

    /// Writes, a snapshot, an empty snapshot: the cache, WAL and file store counters and sizes.
    @Test func writesAndSnapshot() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        try engine.write([(Self.k("cpu#!~#v"), .float([1, 2], [1, 2]))])
        try engine.write([(Self.k("cpu#!~#v"), .float([3], [3])), (Self.k("mem#!~#v"), .integer([1], [1]))])
        let cached = engine.cacheSize
        #expect(cached > 0)
        var cache = Self.fields(engine, "tsm1_cache")
        #expect(cache["writeOk"] == 2 && cache["writeErr"] == 0 && cache["writeDropped"] == 0)
        #expect(cache["memBytes"] == Int64(cached) && cache["diskBytes"] == 0 && cache["cachedBytes"] == 0 && cache["snapshotCount"] == 0)
        var wal = Self.fields(engine, "tsm1_wal")
        #expect(wal["writeOk"] == 2 && wal["writeErr"] == 0)
        #expect(wal["currentSegmentDiskBytes"] == Int64(Self.onDisk([dirs.1])) && wal["oldSegmentsDiskBytes"] == 0)
        #expect(Self.fields(engine, "tsm1_filestore") == ["diskBytes": 0, "numFiles": 0])
        #expect(engine.diskSize == Self.onDisk([dirs.0, dirs.1]))

        try engine.snapshot()
        let stats = Self.fields(engine, "tsm1_engine")
        #expect(stats["cacheCompactions"] == 1 && stats["cacheCompactionErr"] == 0 && stats["cacheCompactionsActive"] == 0)
        #expect(stats["cacheCompactionDuration"]! > 0)
        cache = Self.fields(engine, "tsm1_cache")
        #expect(cache["cachedBytes"] == Int64(cached) && cache["memBytes"] == 0 && cache["diskBytes"] == 0 && cache["snapshotCount"] == 0)
        #expect(cache["WALCompactionTimeMs"]! <= stats["cacheCompactionDuration"]! / 1_000_000)
        #expect(cache["cacheAgeMs"]! < 60_000)
        let files = Self.fields(engine, "tsm1_filestore")
        #expect(files["numFiles"] == 1 && files["diskBytes"] == Int64(Self.onDisk([dirs.0], [".tsm"])) && files["diskBytes"]! > 0)
        wal = Self.fields(engine, "tsm1_wal")
        #expect(wal["oldSegmentsDiskBytes"] == 0 && wal["currentSegmentDiskBytes"] == 0)
        #expect(engine.diskSize == Self.onDisk([dirs.0, dirs.1]))

        // A snapshot of an empty cache is no cache compaction (1.x never runs one).
        try engine.snapshot()
        #expect(Self.fields(engine, "tsm1_engine")["cacheCompactions"] == 1)
    }

    /// A snapshot whose file cannot be written: an error, a pending attempt, the bytes back in
    /// the cache; the retry clears them.
    @Test func failedSnapshotThenRetry() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        try engine.write([(Self.k("cpu#!~#v"), .float([1, 2], [1, 2]))])
        let cached = Int64(engine.cacheSize)
        try FileManager.default.removeItem(atPath: dirs.0)
        #expect(throws: EngineError.self) { try engine.snapshot() }
        var stats = Self.fields(engine, "tsm1_engine")
        #expect(stats["cacheCompactions"] == 0 && stats["cacheCompactionErr"] == 1 && stats["cacheCompactionsActive"] == 0)
        var cache = Self.fields(engine, "tsm1_cache")
        #expect(cache["snapshotCount"] == 1 && cache["cachedBytes"] == 0 && cache["memBytes"] == cached)

        try FileManager.default.createDirectory(atPath: dirs.0, withIntermediateDirectories: true)
        try engine.snapshot()
        stats = Self.fields(engine, "tsm1_engine")
        #expect(stats["cacheCompactions"] == 1 && stats["cacheCompactionErr"] == 1)
        cache = Self.fields(engine, "tsm1_cache")
        #expect(cache["snapshotCount"] == 0 && cache["cachedBytes"] == cached && cache["memBytes"] == 0)
    }

    /// A key written with another type: the cache write counts as written, dropped and an
    /// error (1.x's WriteMulti); the WAL write still succeeds.
    @Test func cacheTypeConflict() throws {
        let engine = EngineTests.engine(EngineTests.directories())
        _ = try engine.open()
        try engine.write([(Self.k("a#!~#v"), .float([1], [1]))])
        #expect(throws: EngineError.cache(.fieldTypeConflict)) {
            try engine.write([(Self.k("a#!~#v"), .integer([2], [2])), (Self.k("b#!~#v"), .float([2], [2]))])
        }
        let cache = Self.fields(engine, "tsm1_cache")
        #expect(cache["writeOk"] == 2 && cache["writeDropped"] == 1 && cache["writeErr"] == 1)
        #expect(Self.fields(engine, "tsm1_wal")["writeOk"] == 2)
    }

    /// A write past `cache-max-memory-size` is refused whole: a cache error, no WAL write.
    @Test func cacheMemoryLimit() throws {
        let dirs = EngineTests.directories()
        var config = EngineConfig()
        config.cacheMaxMemorySize = 64
        let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
        _ = try engine.open()
        #expect(throws: EngineError.self) { try engine.write([(Self.k("a#!~#v"), .float(Array(1...10), Array(repeating: 1, count: 10)))]) }
        let cache = Self.fields(engine, "tsm1_cache")
        #expect(cache["writeOk"] == 0 && cache["writeErr"] == 1 && cache["writeDropped"] == 0 && cache["memBytes"] == 0)
        #expect(Self.fields(engine, "tsm1_wal")["writeOk"] == 0)
    }

    /// Segments rolled by size are old segments until a snapshot removes them; a reopened
    /// engine finds the same sizes, and its cache counts the replayed writes (as 1.x's does).
    @Test func walSegmentsAcrossRollsSnapshotAndReopen() throws {
        let dirs = EngineTests.directories()
        var config = EngineConfig()
        config.walSegmentSize = 64
        do {
            let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
            _ = try engine.open()
            for n in 0..<6 { try engine.write([(Self.k("cpu,host=h\(n)#!~#v"), .float([Int64(n)], [Double(n)]))]) }
            let segments = try FileManager.default.contentsOfDirectory(atPath: dirs.1).filter { $0.hasSuffix(".wal") }.sorted()
            #expect(segments.count > 2)
            let last = Self.onDisk([dirs.1], [segments.last!])
            let wal = Self.fields(engine, "tsm1_wal")
            #expect(wal["currentSegmentDiskBytes"] == Int64(last))
            #expect(wal["oldSegmentsDiskBytes"] == Int64(Self.onDisk([dirs.1]) - last))
            #expect(wal["writeOk"] == 6)
        }
        let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
        _ = try engine.open()
        var wal = Self.fields(engine, "tsm1_wal")
        #expect(wal["oldSegmentsDiskBytes"]! + wal["currentSegmentDiskBytes"]! == Int64(Self.onDisk([dirs.1])))
        #expect(wal["oldSegmentsDiskBytes"]! > 0 && wal["writeOk"] == 0)
        #expect(Self.fields(engine, "tsm1_cache")["writeOk"] == 6)
        try engine.snapshot()
        wal = Self.fields(engine, "tsm1_wal")
        #expect(wal["oldSegmentsDiskBytes"] == 0 && wal["currentSegmentDiskBytes"] == 0)
        #expect(engine.diskSize == Self.onDisk([dirs.0, dirs.1]))
    }

    /// 16 level-1 files: two level-1 compactions, the queue going 2, 1, 0 and one running at a
    /// time; the file store's sizes follow (opened, then replaced).
    @Test func levelCompactionsQueueAndCounts() throws {
        let dirs = EngineTests.directories()
        try FileManager.default.createDirectory(atPath: dirs.0, withIntermediateDirectories: true)
        for generation in 1...16 {
            var writer = try TSMWriter(path: dirs.0 + "/" + Engine.fileName(generation: generation, sequence: 1))
            try writer.write(key: Self.k("cpu#!~#v"), timestamps: [Int64(generation)], values: [Double(generation)])
            try writer.finish()
        }
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        var files = Self.fields(engine, "tsm1_filestore")
        #expect(files["numFiles"] == 16 && files["diskBytes"] == Int64(Self.onDisk([dirs.0])))
        let seen = Mutex<[[Int64]]>([])
        engine.hooks.withLock {
            $0.compactionMerging = {
                let s = Self.fields(engine, "tsm1_engine")
                seen.withLock { $0.append([s["tsmLevel1CompactionsActive"]!, s["tsmLevel1CompactionQueue"]!]) }
            }
        }
        #expect(try engine.compactLevels() == 2)
        engine.hooks.withLock { $0.compactionMerging = nil }
        #expect(seen.withLock { $0 } == [[1, 2], [1, 1]])
        let stats = Self.fields(engine, "tsm1_engine")
        #expect(stats["tsmLevel1Compactions"] == 2 && stats["tsmLevel1CompactionsActive"] == 0 && stats["tsmLevel1CompactionQueue"] == 0)
        #expect(stats["tsmLevel1CompactionErr"] == 0 && stats["tsmLevel1CompactionDuration"]! > 0)
        #expect(stats["tsmLevel2Compactions"] == 0 && stats["tsmFullCompactions"] == 0 && stats["tsmOptimizeCompactions"] == 0)
        files = Self.fields(engine, "tsm1_filestore")
        #expect(files["numFiles"] == 2 && files["diskBytes"] == Int64(Self.onDisk([dirs.0])))
    }

    /// Deletes grow the tombstone files, counted in the file store's bytes; a full compaction
    /// counts as one and drops them; a reopened engine finds the same size.
    @Test func tombstonesAndFullCompaction() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        for t in 1...2 {
            try engine.write([(Self.k("cpu#!~#v"), .float([Int64(t)], [Double(t)])), (Self.k("mem#!~#v"), .float([Int64(t)], [1]))])
            try engine.snapshot()
        }
        try engine.deleteRange(keys: [Self.k("cpu#!~#v")], min: 1, max: 1)
        #expect(Self.onDisk([dirs.0], [".tombstone"]) > 0)
        var files = Self.fields(engine, "tsm1_filestore")
        #expect(files["numFiles"] == 2 && files["diskBytes"] == Int64(Self.onDisk([dirs.0])))
        #expect(engine.diskSize == Self.onDisk([dirs.0, dirs.1]))

        try engine.compactFull()
        let stats = Self.fields(engine, "tsm1_engine")
        #expect(stats["tsmFullCompactions"] == 1 && stats["tsmFullCompactionErr"] == 0 && stats["tsmFullCompactionsActive"] == 0)
        #expect(stats["tsmLevel1Compactions"] == 0)
        files = Self.fields(engine, "tsm1_filestore")
        #expect(files["numFiles"] == 1 && files["diskBytes"] == Int64(Self.onDisk([dirs.0])))
        #expect(Self.onDisk([dirs.0], [".tombstone"]) == 0)

        try engine.deleteRange(keys: [Self.k("mem#!~#v")], min: 2, max: 2)
        let reopened = EngineTests.engine(dirs)
        _ = try reopened.open()
        #expect(Self.fields(reopened, "tsm1_filestore") == ["numFiles": 1, "diskBytes": Int64(Self.onDisk([dirs.0]))])
        #expect(reopened.diskSize == Self.onDisk([dirs.0, dirs.1]))
    }
}
