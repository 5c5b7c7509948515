import Foundation
import LineProtocol
import Testing
import TSI
import TSM

@testable import TSDB

/// The tsi1 index of a shard: series persisted in the partitions' log files and found again
/// after a reopen, deletes as tombstones, and which index a shard on disk keeps.
@Suite struct TSI1IndexTests {
    static func root() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sundial-tsi1-\(UUID().uuidString)").path
    }

    static func points(_ text: String) -> [Point] {
        LineProtocolParser.parse(Array(text.utf8), options: ParseOptions(defaultTime: 1)).points
    }

    /// 30 series (the 30 distinct keys of i % 2, i % 10, i % 3), each twice; tags in key order.
    static let keys: [[UInt8]] = (0..<60).map { Array("\(["cpu", "disk\\ io"][$0 % 2]),dc=d\($0 % 3),host=h\\,\($0 % 10)".utf8) }

    /// The index of the shard at `root/shard` over the series file at `root/_series`.
    static func open(_ root: String, maxLogFileSize: Int = 1 << 20, seriesIDSetCacheSize: Int = 100) throws -> (TSI1Index, SeriesFile) {
        let file = try SeriesFile.open(path: root + "/_series")
        try FileManager.default.createDirectory(atPath: root + "/shard", withIntermediateDirectories: true)
        return (try TSI1Index.open(shardPath: root + "/shard", seriesFile: file, maxLogFileSize: maxLogFileSize,
                                   seriesIDSetCacheSize: seriesIDSetCacheSize), file)
    }

    @Test func seriesSurviveAReopen() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let (index, file) = try Self.open(root)
            let added = try index.add(Self.keys)
            #expect(added.count == 30)
            #expect(try index.add(Self.keys).isEmpty)
            file.close()
        }
        let (index, _) = try Self.open(root)
        #expect(index.count == 30)
        #expect(Set(index.allSeries.map(\.key)) == Set(Self.keys))
        #expect(index.seriesKeys(of: "disk io", tag: "host", value: "h,1").count == 3)
        // One insert per series over the eight partitions, each in the partition its key hashes to.
        var inserts = 0
        for p in 0..<8 {
            let log = try LogFileReplay.read(path: root + "/shard/index/\(p)/L0-00000001.tsl")
            #expect(log.isClean)
            inserts += log.entries.count
        }
        #expect(inserts == 30)
        #expect(try Manifest.read(path: root + "/shard/index/0/MANIFEST")?.files == ["L0-00000001.tsl"])
    }

    @Test func deletesAreTombstones() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let (index, file) = try Self.open(root)
            try index.add(Self.keys)
            let dropped = try index.remove([Self.keys[0], Self.keys[2]])
            #expect(dropped.count == 2)
            try index.remove(measurement: "disk io")
            #expect(index.measurements == ["cpu"])
            file.close()
        }
        let (index, file) = try Self.open(root)
        #expect(index.measurements == ["cpu"] && index.count == 13)
        #expect(!index.contains(Self.keys[0]) && index.contains(Self.keys[4]))
        // The index leaves the series file alone: the shard deletes a series from it only once
        // no shard of the database has it.
        #expect(file.id(forKey: SeriesKey(escaped: Self.keys[0]).seriesFileEncoding) != 0)
        // A measurement tombstone in every partition.
        for p in 0..<8 {
            let log = try LogFileReplay.read(path: root + "/shard/index/\(p)/L0-00000001.tsl")
            #expect(log.entries.last == .measurementTombstone(name: Array("disk io".utf8)))
        }
    }

    /// Past `maxLogFileSize` a log is compacted into an L1 index file that replaces it in the
    /// MANIFEST; the series it holds and the tombstones written after it are found again.
    @Test func fullLogsAreCompacted() throws {
        let root = Self.root()
        let keys = (0..<400).map { Array("m\($0 % 3),host=h\\ \($0)".utf8) }
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let (index, file) = try Self.open(root, maxLogFileSize: 64)
            for batch in stride(from: 0, to: keys.count, by: 20) { try index.add(Array(keys[batch..<batch + 20])) }
            index.waitForCompactions()
            try index.remove([keys[0], keys[1]])
            try index.remove(measurement: "m2")
            index.waitForCompactions()
            file.close()
        }
        var indexFiles = 0
        var levels = Set<Int>()
        for p in 0..<8 {
            let files = try #require(try Manifest.read(path: root + "/shard/index/\(p)/MANIFEST")).files
            #expect(files.first.map { ManifestFileName.kind($0) == .log } == true)
            for name in files where ManifestFileName.kind(name) == .index {
                indexFiles += 1
                levels.insert(ManifestFileName.parse(name)?.level ?? 0)
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/shard/index/\(p)/\(name)")))
                #expect(throws: Never.self) { try IndexFile(bytes: bytes) }
            }
            // Compacted logs are gone; only the listed files remain (and no temporary ones).
            let onDisk = try FileManager.default.contentsOfDirectory(atPath: root + "/shard/index/\(p)").filter { $0 != "MANIFEST" }
            #expect(Set(onDisk) == Set(files))
        }
        #expect(indexFiles >= 8)
        // L1 files were merged into higher levels, and no level holds two files in a row.
        #expect(levels.contains { $0 >= 2 }, "\(levels)")
        for p in 0..<8 {
            let files = try #require(try Manifest.read(path: root + "/shard/index/\(p)/MANIFEST")).files
            #expect(TSI1Partition.nextMerge(files) == nil, "\(files)")
        }
        let (index, _) = try Self.open(root)
        let expected = Set(keys.enumerated().filter { $0.offset > 1 && $0.offset % 3 != 2 }.map(\.element))
        #expect(Set(index.allSeries.map(\.key)) == expected)
        #expect(index.measurements == ["m0", "m1"])
    }

    /// Which files a level compaction takes, walking from the oldest end (`Spec/tsi.md` §3).
    @Test(arguments: [
        (["L0-00000003.tsl", "L1-00000002.tsi", "L1-00000001.tsi"], "L1-00000001.tsi L1-00000002.tsi 1"),
        (["L0-00000005.tsl", "L1-00000003.tsi", "L2-00000004.tsi"], ""),
        (["L0-00000009.tsl", "L1-00000008.tsi", "L2-00000007.tsi", "L2-00000006.tsi", "L3-00000001.tsi"], "L2-00000006.tsi L2-00000007.tsi 2"),
        // A log file not first in the list stops every walk that reaches it.
        (["L0-00000004.tsl", "L1-00000003.tsi", "L1-00000002.tsi", "L0-00000001.tsl"], ""),
    ])
    func levelCompactionPicksTheOldestPair(files: [String], expected: String) {
        let pick = TSI1Partition.nextMerge(files).map { "\($0.older) \($0.newer) \($0.level)" } ?? ""
        #expect(pick == expected)
    }

    /// A damaged tail (a write cut short) is where the log ends; the next entry overwrites it.
    @Test func damagedTailIsOverwritten() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let (index, file) = try Self.open(root)
            try index.add([Array("m,t=1".utf8)])
            file.close()
        }
        let partition = TSI1Index.partition(of: Array("m,t=1".utf8))
        let path = root + "/shard/index/\(partition)/L0-00000001.tsl"
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        try (good + Data([0x00, 0x07, 0x00])).write(to: URL(fileURLWithPath: path))
        let (index, _) = try Self.open(root)
        #expect(index.count == 1)
        let key = (0..<100).lazy.map { Array("m,t=x\($0)".utf8) }.first { TSI1Index.partition(of: $0) == partition }!
        try index.add([key])
        let log = try LogFileReplay.read(path: path)
        #expect(log.isClean && log.entries.count == 2)
    }

    /// As 1.6's DeleteShard: a deleted shard's series that no other shard holds leave the
    /// series file; those another shard holds stay.
    @Test func deletedShardsLeaveTheSeriesFile() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Store(dataDir: root + "/data", walDir: root + "/wal", indexVersion: .tsi1)
        try store.shard(id: 1, database: "db", retentionPolicy: "rp").write(Self.points("cpu,host=a v=1\ncpu,host=b v=2"))
        try store.shard(id: 2, database: "db", retentionPolicy: "rp").write(Self.points("cpu,host=b v=3\ncpu,host=c v=4"))
        let file = try store.seriesFile(of: "db")
        func id(_ key: String) -> UInt64 { file.id(forKey: SeriesKey(escaped: Array(key.utf8)).seriesFileEncoding) }
        #expect(id("cpu,host=a") != 0 && id("cpu,host=b") != 0)
        await store.deleteShard(1)
        #expect(id("cpu,host=a") == 0 && id("cpu,host=b") != 0 && id("cpu,host=c") != 0)
        #expect(store.series(of: "db").count == 2)
    }

    /// After a restart the database counts the series the index files hold (they were read
    /// from the files, not written again), and a shard deleted then still takes its own series
    /// out of the series file.
    @Test func reopenedShardsCountTheirSeries() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = Store(dataDir: root + "/data", walDir: root + "/wal", indexVersion: .tsi1)
            try store.shard(id: 1, database: "db", retentionPolicy: "rp").write(Self.points("cpu,host=a v=1\ncpu,host=b v=2"))
            try store.shard(id: 2, database: "db", retentionPolicy: "rp").write(Self.points("cpu,host=b v=3\ncpu,host=c v=4"))
            await store.close()
        }
        let store = Store(dataDir: root + "/data", walDir: root + "/wal", indexVersion: .tsi1)
        _ = try store.shard(id: 1, database: "db", retentionPolicy: "rp")
        _ = try store.shard(id: 2, database: "db", retentionPolicy: "rp")
        #expect(store.series(of: "db").count == 3)
        let file = try store.seriesFile(of: "db")
        func id(_ key: String) -> UInt64 { file.id(forKey: SeriesKey(escaped: Array(key.utf8)).seriesFileEncoding) }
        await store.deleteShard(1)
        #expect(id("cpu,host=a") == 0 && id("cpu,host=b") != 0 && id("cpu,host=c") != 0)
        #expect(store.series(of: "db").count == 2)
    }

    /// As 1.6: a new shard takes `index-version`; a shard on disk keeps the index it has.
    @Test func shardsKeepTheirIndex() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let tsi = Store(dataDir: root + "/data", walDir: root + "/wal", indexVersion: .tsi1)
            try tsi.shard(id: 1, database: "db", retentionPolicy: "rp").write(Self.points("cpu,host=a v=1\nmem,host=b v=2"))
            let inmem = Store(dataDir: root + "/data", walDir: root + "/wal", indexVersion: .inmem)
            try inmem.shard(id: 2, database: "db", retentionPolicy: "rp").write(Self.points("cpu,host=c v=1"))
            tsi.closeSeriesFiles()
        }
        let store = Store(dataDir: root + "/data", walDir: root + "/wal", indexVersion: .tsi1)
        let first = try store.shard(id: 1, database: "db", retentionPolicy: "rp")
        let second = try store.shard(id: 2, database: "db", retentionPolicy: "rp")
        #expect(first.index is TSI1Index && second.index is SeriesIndex)
        #expect(first.index.count == 2 && second.index.count == 1)
        #expect(FileManager.default.fileExists(atPath: root + "/data/db/_series/00/0000"))
        #expect(!FileManager.default.fileExists(atPath: root + "/data/db/rp/2/index"))
    }
}
