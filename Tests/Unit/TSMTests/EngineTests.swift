import Synchronization
import Foundation
import Testing

@testable import TSM

/// The shard engine: WAL + cache + TSM files (Spec/engine.md).
@Suite("Engine")
struct EngineTests {
    static func k(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func directories() -> (String, String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-engine-\(UUID().uuidString)").path
        return (base + "/data/db/rp/1", base + "/wal/db/rp/1")
    }

    static func engine(_ dirs: (String, String), snapshotAt: Int = 25 << 20) -> Engine {
        var config = EngineConfig()
        config.cacheSnapshotMemorySize = snapshotAt
        return Engine(path: dirs.0, walPath: dirs.1, config: config)
    }

    /// Acknowledged writes survive the process going away without any shutdown step: the
    /// engine is dropped (no snapshot, no close) and a new one replays the WAL.
    @Test func acknowledgedWritesSurviveWithoutShutdown() throws {
        let dirs = Self.directories()
        do {
            let engine = Self.engine(dirs)
            _ = try engine.open()
            try engine.write([(Self.k("cpu#!~#v"), .float([1, 2], [1.5, 2.5])), (Self.k("log#!~#m"), .string([1], [[0xFF, 0x41]]))])
            try engine.write([(Self.k("cpu#!~#v"), .float([2, 3], [20, 30]))])
        }
        let engine = Self.engine(dirs)
        let report = try engine.open()
        #expect(report.walEntries == 2)
        #expect(report.tsmFiles == 0)
        #expect(try engine.read(key: Self.k("cpu#!~#v")) == .float([1, 2, 3], [1.5, 20, 30]))
        #expect(try engine.read(key: Self.k("log#!~#m")) == .string([1], [[0xFF, 0x41]]))
        #expect(try engine.read(key: Self.k("cpu#!~#v"), min: 2, max: 2) == .float([2], [20]))
    }

    @Test func snapshotsToTSMAndDropsWAL() throws {
        let dirs = Self.directories()
        do {
            let engine = Self.engine(dirs, snapshotAt: 3_000)
            _ = try engine.open()
            for batch in 0..<20 {
                let ts = (0..<30).map { Int64(batch * 30 + $0) }
                try engine.write([(Self.k("cpu,host=a#!~#v"), .integer(ts, ts.map { $0 * 10 }))])
            }
            #expect(engine.fileCount >= 2)
            // Overwrite points that are already in a TSM file: the newer value wins.
            try engine.write([(Self.k("cpu,host=a#!~#v"), .integer([0, 5], [-1, -5]))])
            let all = try #require(try engine.read(key: Self.k("cpu,host=a#!~#v")))
            #expect(all.count == 600)
            guard case .integer(_, let vs) = all else { Issue.record("type"); return }
            #expect(vs[0] == -1 && vs[5] == -5 && vs[6] == 60)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dirs.0).sorted()
        #expect(names.first == "000000001-000000001.tsm")
        #expect(names.allSatisfy { $0.hasSuffix(".tsm") })
        let wal = try FileManager.default.contentsOfDirectory(atPath: dirs.1)
        #expect(wal.count <= 1)  // snapshotted segments are removed
        let engine = Self.engine(dirs, snapshotAt: 5_000)
        let report = try engine.open()
        #expect(report.tsmFiles == names.count)
        let again = try #require(try engine.read(key: Self.k("cpu,host=a#!~#v")))
        #expect(again.count == 600)
        guard case .integer(_, let vs) = again else { Issue.record("type"); return }
        #expect(vs[0] == -1 && vs[5] == -5 && vs[599] == 5990)
    }

    @Test func tornWALTailAndLeftoverTempFileRecover() throws {
        let dirs = Self.directories()
        do {
            let engine = Self.engine(dirs)
            _ = try engine.open()
            try engine.write([(Self.k("m#!~#f"), .boolean([1], [true]))])
        }
        // A crash mid-append leaves half an entry; a crash mid-snapshot a .tsm.tmp.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dirs.1 + "/_00001.wal"))
        handle.seekToEndOfFile()
        handle.write(Data([0x01, 0x00, 0x00, 0x10, 0x00, 0xAB]))
        try handle.close()
        #expect(FileManager.default.createFile(atPath: dirs.0 + "/000000002-000000001.tsm.tmp", contents: Data([1, 2, 3])))
        let engine = Self.engine(dirs)
        let report = try engine.open()
        #expect(report.truncatedSegments.count == 1)
        #expect(!FileManager.default.fileExists(atPath: dirs.0 + "/000000002-000000001.tsm.tmp"))
        #expect(try engine.read(key: Self.k("m#!~#f")) == .boolean([1], [true]))
        try engine.write([(Self.k("m#!~#f"), .boolean([2], [false]))])
        let engine2 = Self.engine(dirs)
        _ = try engine2.open()
        #expect(try engine2.read(key: Self.k("m#!~#f")) == .boolean([1, 2], [true, false]))
    }

    @Test func limitsAndConflicts() throws {
        let dirs = Self.directories()
        var config = EngineConfig()
        config.cacheMaxMemorySize = 100
        let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
        _ = try engine.open()
        try engine.write([(Self.k("a"), .float([1], [1]))])
        #expect(throws: EngineError.cache(.fieldTypeConflict)) { try engine.write([(Self.k("a"), .integer([2], [2]))]) }
        #expect(throws: EngineError.cache(.memoryLimitExceeded(17 + 160, 100))) {
            try engine.write([(Self.k("a"), .float(Array(2..<12), Array(repeating: 0, count: 10)))])
        }
        #expect(EngineError.cache(.memoryLimitExceeded(177, 100)).description == "cache-max-memory-size exceeded: (177/100)")
    }

    @Test func fileNamesAre1x() {
        #expect(Engine.fileName(generation: 1, sequence: 1) == "000000001-000000001.tsm")
        #expect(Engine.fileName(generation: 1234, sequence: 4) == "000001234-000000004.tsm")
    }
}

/// The engine's listing and cursor API.
@Suite("Engine catalog")
struct EngineCatalogTests {
    @Test func listsMeasurementsFieldsAndSizes() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        #expect(engine.measurements.isEmpty)
        try engine.write([
            (Array("cpu,host=a#!~#usage".utf8), .float([1, 2], [1, 2])),
            (Array("cpu,host=b#!~#count".utf8), .integer([1], [1])),
            (Array("my\\,m,host=a#!~#on".utf8), .boolean([1], [true])),
        ])
        try engine.snapshot()
        try engine.write([(Array("disk#!~#free".utf8), .unsigned([5], [5]))])
        #expect(engine.measurements == [Array("cpu".utf8), Array("disk".utf8), Array("my\\,m".utf8)])
        let fields = try engine.fields(of: Array("cpu".utf8))
        #expect(fields.map { String(decoding: $0.name, as: UTF8.self) } == ["count", "usage"])
        #expect(fields.map(\.type) == [.integer, .float])
        var descending = engine.cursor(key: Array("cpu,host=a#!~#usage".utf8), ascending: false)
        #expect(try descending.next() == .float([2, 1], [2, 1]))
        #expect(try descending.next() == nil)
        var from2 = engine.cursor(key: Array("cpu,host=a#!~#usage".utf8), min: 2)
        #expect(try from2.next() == .float([2], [2]))
        let tsm = try FileManager.default.contentsOfDirectory(atPath: dirs.0).filter { $0.hasSuffix(".tsm") }
        let tsmBytes = try tsm.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: dirs.0 + "/" + $1)[.size] as? Int) ?? 0) }
        #expect(engine.diskSize > tsmBytes)  // plus the WAL segment holding the last write
    }
}

/// The cold-shard rules of 1.x's engine check.
@Suite("Engine maintenance")
struct EngineMaintenanceTests {
    @Test func coldCacheSnapshotsThenColdShardCompactsFully() throws {
        let dirs = EngineTests.directories()
        var config = EngineConfig()
        config.cacheSnapshotWriteColdDuration = 10 * 1_000_000_000
        config.compactFullWriteColdDuration = 60 * 1_000_000_000
        let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
        _ = try engine.open()
        try engine.write([(Array("a#!~#v".utf8), .float([1], [1]))])
        try engine.snapshot()
        try engine.write([(Array("a#!~#v".utf8), .float([2], [2]))])
        let t0 = Engine.monotonicNow()
        try engine.maintain(now: t0 + 5 * 1_000_000_000)
        #expect(engine.fileCount == 1)  // not cold yet
        try engine.maintain(now: t0 + 11 * 1_000_000_000)
        #expect(engine.fileCount == 2)  // cold cache snapshotted
        #expect(engine.cacheSize == 0)
        try engine.maintain(now: t0 + 61 * 1_000_000_000)
        #expect(engine.fileCount == 1)  // cold shard fully compacted
        #expect(try engine.read(key: Array("a#!~#v".utf8)) == .float([1, 2], [1, 2]))
    }
}

/// `wal-fsync-delay`: concurrent writes share fsyncs, and every write is durable on return.
@Suite("Engine group commit")
struct EngineGroupCommitTests {
    @Test func concurrentWritesShareFsyncs() async throws {
        let dirs = EngineTests.directories()
        var config = EngineConfig()
        // Long enough that the writers below overlap even on a busy 2-core machine.
        config.walFsyncDelay = 100_000_000
        let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
        _ = try engine.open()
        // Eight OS threads (the cooperative pool may have only two), released together.
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let failures = Mutex(0)
        for writer in 0..<8 {
            done.enter()
            Thread.detachNewThread {
                start.wait()
                for n in 0..<10 {
                    do { try engine.write([(Array("w\(writer)#!~#v".utf8), .integer([Int64(n)], [Int64(n)]))]) } catch { failures.withLock { $0 += 1 } }
                }
                done.leave()
            }
        }
        for _ in 0..<8 { start.signal() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in done.notify(queue: .global()) { c.resume() } }
        #expect(failures.withLock { $0 } == 0)
        let stats = engine.walStatistics
        #expect(stats.entries == 80)
        #expect(stats.fsyncs < 80)
        let reopened = EngineTests.engine(dirs)
        #expect(try reopened.open().walEntries == 80)
    }
}
