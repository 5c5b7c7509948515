import Dispatch
import Foundation
import Synchronization
import Testing

@testable import TSM

/// The engine's concurrency model (Spec/engine.md): snapshots and compactions hold no lock
/// that writers or readers wait on, deletes stop compactions, the WAL groups per key.
@Suite("Engine concurrency")
struct EngineConcurrencyTests {
    static func k(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Runs `body` on its own thread; the result, or nil if it did not finish within `seconds`.
    static func onThread<T: Sendable>(seconds: Double = 20, _ body: @escaping @Sendable () throws -> T) -> Result<T, any Error>? {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        Thread.detachNewThread {
            let r = Result { try body() }
            result.withLock { $0 = r }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return result.withLock { $0 }
    }

    /// A gate a background step waits at until the test opens it.
    final class Gate: Sendable {
        let entered = DispatchSemaphore(value: 0)
        let released = DispatchSemaphore(value: 0)
        func hold() {
            entered.signal()
            released.wait()
        }
    }

    static func ints(_ range: Range<Int>) -> WALValues {
        .integer(range.map(Int64.init), range.map { Int64($0) * 3 })
    }

    /// While a snapshot writes its file, writes go on and reads see the snapshot's points.
    @Test func snapshotHoldsNoLockWritersOrReadersWaitOn() throws {
        let engine = EngineTests.engine(EngineTests.directories())
        _ = try engine.open()
        try engine.write([(Self.k("a#!~#v"), Self.ints(0..<500))])
        let gate = Gate()
        engine.hooks.withLock { $0.snapshotWriting = { gate.hold() } }
        let snapshot = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? engine.snapshot()
            snapshot.signal()
        }
        gate.entered.wait()
        engine.hooks.withLock { $0.snapshotWriting = nil }
        let wrote = Self.onThread { try engine.write([(Self.k("b#!~#v"), Self.ints(0..<10)), (Self.k("a#!~#v"), Self.ints(500..<510))]) }
        #expect(wrote.map { (try? $0.get()) != nil } == true)
        let read = Self.onThread { try engine.read(key: Self.k("a#!~#v")) }
        #expect(read.flatMap { try? $0.get() } == Self.ints(0..<510))
        #expect(engine.fileCount == 0)
        gate.released.signal()
        #expect(snapshot.wait(timeout: .now() + 20) == .success)
        #expect(engine.fileCount == 1)
        #expect(try engine.read(key: Self.k("a#!~#v")) == Self.ints(0..<510))
        #expect(try engine.read(key: Self.k("b#!~#v")) == Self.ints(0..<10))
        // The points written during the snapshot are still in the cache, and in the WAL.
        let reopened = EngineTests.engine((engine.path, engine.walPath))
        _ = try reopened.open()
        #expect(try reopened.read(key: Self.k("a#!~#v")) == Self.ints(0..<510))
    }

    /// While a compaction merges, writes, reads and even a snapshot go on.
    @Test func compactionHoldsNoLockWritersOrReadersWaitOn() throws {
        let engine = EngineTests.engine(EngineTests.directories())
        _ = try engine.open()
        for part in 0..<3 {
            try engine.write([(Self.k("a#!~#v"), Self.ints(part * 100..<(part + 1) * 100))])
            try engine.snapshot()
        }
        #expect(engine.fileCount == 3)
        let gate = Gate()
        engine.hooks.withLock { $0.compactionMerging = { gate.hold() } }
        let compaction = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? engine.compactFull()
            compaction.signal()
        }
        gate.entered.wait()
        engine.hooks.withLock { $0.compactionMerging = nil }
        let work = Self.onThread { () throws -> WALValues? in
            try engine.write([(Self.k("a#!~#v"), Self.ints(300..<310))])
            try engine.snapshot()
            return try engine.read(key: Self.k("a#!~#v"))
        }
        #expect(work.flatMap { try? $0.get() } == Self.ints(0..<310))
        #expect(engine.fileCount == 4)
        gate.released.signal()
        #expect(compaction.wait(timeout: .now() + 20) == .success)
        // The three inputs became one file; the snapshot taken meanwhile stays.
        #expect(engine.fileCount == 2)
        #expect(try engine.read(key: Self.k("a#!~#v")) == Self.ints(0..<310))
    }

    /// A delete makes a running compaction give up (its output removed, its inputs kept),
    /// then applies to every file.
    @Test func deleteAbortsARunningCompaction() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        for part in 0..<2 {
            try engine.write([(Self.k("a#!~#v"), Self.ints(part * 100..<(part + 1) * 100)), (Self.k("b#!~#v"), Self.ints(0..<5))])
            try engine.snapshot()
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: dirs.0).filter { $0.hasSuffix(".tsm") }.sorted()
        let gate = Gate()
        engine.hooks.withLock { $0.compactionMerging = { gate.hold() } }
        let compaction = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? engine.compactFull()
            compaction.signal()
        }
        gate.entered.wait()
        engine.hooks.withLock { $0.compactionMerging = nil }
        let delete = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? engine.deleteRange(keys: [Self.k("a#!~#v")], min: 50, max: 149)
            delete.signal()
        }
        // The delete has asked compactions to stop and is waiting for this one.
        while engine.stopping.load(ordering: .relaxed) == 0 { usleep(1000) }
        #expect(delete.wait(timeout: .now() + 0.2) == .timedOut)
        gate.released.signal()
        #expect(compaction.wait(timeout: .now() + 20) == .success)
        #expect(delete.wait(timeout: .now() + 20) == .success)
        let after = try FileManager.default.contentsOfDirectory(atPath: dirs.0).filter { $0.hasSuffix(".tsm") }.sorted()
        #expect(after == before)
        let kept = Array(0..<50) + Array(150..<200)
        #expect(try engine.read(key: Self.k("a#!~#v")) == .integer(kept.map(Int64.init), kept.map { Int64($0) * 3 }))
        // Compactions run again afterwards, tombstones applied.
        try engine.compactFull()
        #expect(engine.fileCount == 1)
        #expect(try engine.read(key: Self.k("a#!~#v")) == .integer(kept.map(Int64.init), kept.map { Int64($0) * 3 }))
        #expect(try engine.read(key: Self.k("b#!~#v")) == Self.ints(0..<5))
    }

    /// 1.x's WAL reader keeps only the last record of a key in an entry: a write that names a
    /// key twice is logged as one record with every value.
    @Test func walEntriesHoldOneRecordPerKey() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        try engine.write([(Self.k("a#!~#v"), .float([1], [1])), (Self.k("b#!~#v"), .float([1], [10])), (Self.k("a#!~#v"), .float([2], [2]))])
        let segment = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dirs.1 + "/_00001.wal")))
        let entries = segment.withUnsafeBytes { WAL.readEntries($0) }.entries
        #expect(entries == [.write([(Self.k("a#!~#v"), .float([1, 2], [1, 2])), (Self.k("b#!~#v"), .float([1], [10]))])])
    }

    /// Concurrent writers' entries all replay, whatever order their appends finished in.
    @Test func concurrentAppendsReplayWhole() throws {
        let dirs = EngineTests.directories()
        var config = EngineConfig()
        config.walSegmentSize = 4096  // many segment rolls under contention
        do {
            let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
            _ = try engine.open()
            let group = DispatchGroup()
            let failures = Mutex(0)
            for writer in 0..<6 {
                group.enter()
                Thread.detachNewThread {
                    for n in 0..<60 {
                        let t = Int64(n)
                        do { try engine.write([(Self.k("w\(writer)#!~#v"), .integer([t], [t * 7]))]) } catch { failures.withLock { $0 += 1 } }
                    }
                    group.leave()
                }
            }
            #expect(group.wait(timeout: .now() + 60) == .success)
            #expect(failures.withLock { $0 } == 0)
            #expect(engine.walStatistics.entries == 360)
        }
        let reopened = Engine(path: dirs.0, walPath: dirs.1, config: config)
        let report = try reopened.open()
        #expect(report.walEntries == 360)
        #expect(report.truncatedSegments.isEmpty)
        for writer in 0..<6 {
            #expect(try reopened.read(key: Self.k("w\(writer)#!~#v")) == .integer((0..<60).map(Int64.init), (0..<60).map { Int64($0) * 7 }))
        }
    }

    /// A compaction copies a full block that overlaps nothing as it is, and merges the rest.
    @Test func compactionCopiesFullBlocksUnchanged() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        try engine.write([(Self.k("a#!~#v"), Self.ints(0..<2000)), (Self.k("b#!~#v"), Self.ints(0..<10))])
        try engine.snapshot()
        try engine.write([(Self.k("a#!~#v"), Self.ints(5000..<6000)), (Self.k("b#!~#v"), Self.ints(5..<20))])
        try engine.snapshot()
        func blocks(of key: String) throws -> [[UInt8]] {
            var out: [[UInt8]] = []
            for file in engine.fileStore.files {
                guard let (_, entries) = file.reader.entries(for: Self.k(key)) else { continue }
                for entry in entries { out.append(try file.reader.withBlock(entry) { Array($0) }) }
            }
            return out
        }
        let before = try blocks(of: "a#!~#v")
        #expect(before.count == 3)
        try engine.compactFull()
        #expect(engine.fileCount == 1)
        #expect(try blocks(of: "a#!~#v") == before)
        #expect(try engine.read(key: Self.k("a#!~#v")) == .integer((Array(0..<2000) + Array(5000..<6000)).map(Int64.init),
                                                                    (Array(0..<2000) + Array(5000..<6000)).map { Int64($0) * 3 }))
        #expect(try engine.read(key: Self.k("b#!~#v")) == Self.ints(0..<20))
    }

    /// A compaction starts a new output file past `maxTSMFileSize`, numbered on.
    @Test func compactionRollsOutputFiles() throws {
        let dirs = EngineTests.directories()
        var config = EngineConfig()
        config.maxTSMFileSize = 4096
        let engine = Engine(path: dirs.0, walPath: dirs.1, config: config)
        _ = try engine.open()
        // Values that do not compress, so that the 20 keys take several files of 4 KiB.
        func noise(_ key: Int, _ range: Range<Int>) -> WALValues {
            .float(range.map(Int64.init), range.map { Double(($0 &* 2_654_435_761 &+ key &* 40_503) % 1_000_003) / 7.0 })
        }
        for part in 0..<2 {
            try engine.write((0..<20).map { (Self.k("k\($0)#!~#v"), noise($0, part * 300..<(part + 1) * 300)) })
            try engine.snapshot()
        }
        try engine.compactFull()
        let names = try FileManager.default.contentsOfDirectory(atPath: dirs.0).filter { $0.hasSuffix(".tsm") }.sorted()
        #expect(names.count > 1)
        #expect(names.first == "000000002-000000002.tsm")
        #expect(names.enumerated().allSatisfy { $0.element == Engine.fileName(generation: 2, sequence: 2 + $0.offset) })
        for key in 0..<20 { #expect(try engine.read(key: Self.k("k\(key)#!~#v")) == noise(key, 0..<600)) }
    }

    /// A corrupt block is an error naming its file, never missing rows.
    @Test func corruptBlockIsAnErrorNamingTheFile() throws {
        let dirs = EngineTests.directories()
        do {
            let engine = EngineTests.engine(dirs)
            _ = try engine.open()
            try engine.write([(Self.k("a#!~#v"), Self.ints(0..<100))])
            try engine.snapshot()
        }
        let path = dirs.0 + "/000000001-000000001.tsm"
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 20)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: 20)
        handle.write(Data([byte ^ 0xFF]))
        try handle.close()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        let error = #expect(throws: EngineError.self) { _ = try engine.read(key: Self.k("a#!~#v")) }
        guard case .read(let file, .checksumMismatch)? = error else {
            Issue.record("not a checksum error: \(String(describing: error))")
            return
        }
        #expect(file == path)
        #expect(error?.description.contains(path) == true)
    }

    /// An engine asked for compactions again while one of its compactions runs (the store asks
    /// every second) gets its next compaction when that one ends: the queue keeps draining.
    @Test func scheduledCompactionsContinueWhenRequestedDuringOne() throws {
        let dirs = EngineTests.directories()
        let scheduler = EngineScheduler(maxConcurrentCompactions: 1, compactThroughput: 0)
        defer { scheduler.shutdown() }
        let engine = Engine(path: dirs.0, walPath: dirs.1, scheduler: scheduler)
        _ = try engine.open()
        let gate = Gate()
        engine.hooks.withLock { $0.compactionMerging = { gate.hold() } }
        for part in 0..<16 {
            try engine.write([(Self.k("a#!~#v"), Self.ints(part * 10..<(part + 1) * 10))])
            try engine.snapshot()
            if part == 7 {
                gate.entered.wait()  // the first level-1 compaction is running
                engine.hooks.withLock { $0.compactionMerging = nil }
            }
        }
        for _ in 0..<3 { try engine.tick() }
        gate.released.signal()
        var waited = 0
        while engine.fileCount != 2 && waited < 400 {
            usleep(50_000)
            waited += 1
        }
        let names = engine.fileStore.files.map(\.name)
        #expect(names == [TSMFileName(generation: 8, sequence: 2), TSMFileName(generation: 16, sequence: 2)])
        #expect(try engine.read(key: Self.k("a#!~#v")) == Self.ints(0..<160))
    }

    /// Writes, reads, snapshots, compactions and deletes at once, on the background scheduler,
    /// checked against a model of what must be there.
    @Test func backgroundWorkUnderConcurrentWritesAndDeletes() throws {
        let dirs = EngineTests.directories()
        var config = EngineConfig()
        config.cacheSnapshotMemorySize = 16 * 1024
        let scheduler = EngineScheduler(maxConcurrentCompactions: 2, compactThroughput: 0)
        defer { scheduler.shutdown() }
        let engine = Engine(path: dirs.0, walPath: dirs.1, config: config, scheduler: scheduler)
        _ = try engine.open()
        let writers = 4, rounds = 100
        let group = DispatchGroup()
        let failures = Mutex<[String]>([])
        for w in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                for r in 0..<rounds {
                    let times = (0..<10).map { Int64(r * 10 + $0) }
                    do {
                        try engine.write([(Self.k("w\(w),x#!~#v"), .integer(times, times.map { $0 * Int64(w + 1) })),
                                          (Self.k("w\(w),y#!~#v"), .integer(times, times))])
                        if r % 25 == 24 {
                            // Each writer deletes part of its own series now and then.
                            try engine.deleteRange(keys: [Self.k("w\(w),y#!~#v")], min: Int64(r * 10 - 100), max: Int64(r * 10 - 51))
                        }
                        _ = try engine.read(key: Self.k("w\((w + 1) % writers),x#!~#v"))
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
                group.leave()
            }
        }
        // The store's once-a-second check, much more often: it queues the snapshots (a scheduled
        // engine does not snapshot from its writers) and the compactions.
        let writing = Atomic(true)
        let ticker = DispatchGroup()
        ticker.enter()
        Thread.detachNewThread {
            while writing.load(ordering: .relaxed) {
                do { try engine.tick() } catch { failures.withLock { $0.append("tick: \(error)") } }
                usleep(2_000)
            }
            ticker.leave()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        writing.store(false, ordering: .relaxed)
        ticker.wait()
        #expect(failures.withLock { $0 } == [])
        func expected(_ w: Int) -> (x: WALValues, y: WALValues) {
            let all: [Int64] = (0..<(rounds * 10)).map(Int64.init)
            var deleted = Set<Int64>()
            for r in 0..<rounds where r % 25 == 24 {
                for t in (r * 10 - 100)...(r * 10 - 51) { deleted.insert(Int64(t)) }
            }
            let y = all.filter { !deleted.contains($0) }
            return (.integer(all, all.map { $0 * Int64(w + 1) }), .integer(y, y))
        }
        for w in 0..<writers {
            #expect(try engine.read(key: Self.k("w\(w),x#!~#v")) == expected(w).x)
            #expect(try engine.read(key: Self.k("w\(w),y#!~#v")) == expected(w).y)
        }
        #expect(engine.fileCount > 0, "the ticks snapshotted while the writers wrote")
        engine.close()
        let reopened = EngineTests.engine(dirs)
        _ = try reopened.open()
        for w in 0..<writers {
            #expect(try reopened.read(key: Self.k("w\(w),x#!~#v")) == expected(w).x)
            #expect(try reopened.read(key: Self.k("w\(w),y#!~#v")) == expected(w).y)
        }
    }
}
