import Checksum
import Foundation
import Testing
@testable import TSDB

/// The live series file (`SeriesFile`): ids handed out as 1.x does, entries the reader and
/// `verify-seriesfile` accept, tombstones, reopening, and compaction into index files.
@Suite struct SeriesFileWriterTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "sundial-seriesfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func key(_ measurement: String, _ tags: [(String, String)]) -> [UInt8] {
        SeriesFileKey.encode(measurement: Array(measurement.utf8), tags: tags.map { (Array($0.0.utf8), Array($0.1.utf8)) })
    }

    static func keys(_ n: Int, offset: Int = 0) -> [[UInt8]] {
        (offset..<(offset + n)).map { key(["cpu", "disk io", "m,e"][$0 % 3], [("host", "h \($0)"), ("region", "r=\($0 % 4)")]) }
    }

    @Test func idsFollowEachPartitionsSequence() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try SeriesFile.open(path: dir + "/_series")
        let keys = Self.keys(200)
        let ids = try file.createSeriesListIfNotExists(keys)
        var next = (0..<8).map { UInt64($0) + 1 }
        for (key, id) in zip(keys, ids) {
            let partition = key.withUnsafeBytes { SeriesFileHash.partition(ofKey: $0) }
            #expect(id == next[partition])
            next[partition] += 8
        }
        // Known keys keep their ids; a key twice in a batch gets one.
        let again = try file.createSeriesListIfNotExists([keys[5], Self.key("new", []), keys[7], Self.key("new", [])])
        #expect(again[0] == ids[5] && again[2] == ids[7])
        #expect(again[1] == again[3] && again[1] != 0 && !ids.contains(again[1]))
        #expect(file.seriesCount == 201)
        for (key, id) in zip(keys, ids) {
            #expect(file.key(forID: id) == key)
            #expect(file.id(forKey: key) == id)
        }
    }

    @Test func deletedSeriesGetNewIDs() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try SeriesFile.open(path: dir + "/_series")
        let keys = Self.keys(10)
        let ids = try file.createSeriesListIfNotExists(keys)
        try file.delete(ids[3])
        try file.delete(ids[3])
        try file.delete(999_999)
        #expect(file.isDeleted(ids[3]) && !file.isDeleted(ids[4]))
        #expect(file.id(forKey: keys[3]) == 0)
        let recreated = try file.createSeriesListIfNotExists([keys[3]])[0]
        #expect(recreated != ids[3] && recreated != 0)
        #expect(file.id(forKey: keys[3]) == recreated)
        file.close()

        // Reopened, everything holds; the reader sees one tombstone and eleven inserts.
        let reopened = try SeriesFile.open(path: dir + "/_series")
        #expect(reopened.isDeleted(ids[3]) && reopened.id(forKey: keys[3]) == recreated)
        #expect(try reopened.createSeriesListIfNotExists(keys) == ids.enumerated().map { $0.offset == 3 ? recreated : $0.element })
        let series = try SeriesFileReader.open(path: dir + "/_series").series()
        #expect(series.count == 11)
        #expect(series.filter(\.deleted).map(\.id) == [ids[3]])
        // A new id continues each partition's sequence after a reopen.
        let fresh = try reopened.createSeriesListIfNotExists([Self.key("after", [("a", "b")])])[0]
        let partition = Self.key("after", [("a", "b")]).withUnsafeBytes { SeriesFileHash.partition(ofKey: $0) }
        let highest = series.filter { $0.partition == partition }.map(\.id).max() ?? UInt64(partition + 1) - 8
        #expect(fresh == highest + 8)
    }

    /// Segments fill up to their maximum size (4 MiB for `0000`); the next entry opens `0001`.
    @Test func fullSegmentRollsOver() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try SeriesFile.open(path: dir + "/_series", compactThreshold: 0)
        let long = String(repeating: "x", count: 60_000)
        // About 70 keys of 60 kB in one partition pass 4 MiB.
        var keys: [[UInt8]] = []
        var i = 0
        while keys.count < 80 {
            let key = Self.key("big", [("k", long + "\(i)")])
            if key.withUnsafeBytes({ SeriesFileHash.partition(ofKey: $0) }) == 2 { keys.append(key) }
            i += 1
        }
        let ids = try file.createSeriesListIfNotExists(keys)
        #expect(FileManager.default.fileExists(atPath: dir + "/_series/02/0001"))
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/_series/02/0001")[.size] as? Int
        #expect(size == 8 << 20)
        file.close()
        let reopened = try SeriesFile.open(path: dir + "/_series", compactThreshold: 0)
        for (key, id) in zip(keys, ids) { #expect(reopened.id(forKey: key) == id) }
        // The first segment, sealed, is not scanned at open: its keys still read by id, and
        // new series in the partition continue after the highest id of the active segment.
        #expect(reopened.key(forID: ids[0]) != nil)
        let more = try reopened.createSeriesListIfNotExists(Array(keys.prefix(1)) + [Self.key("big", [("k", long + "\(i)")])])
        #expect(more[0] == ids[0])
        #expect(!ids.contains(more[1]) && more[1] != 0)
        #expect(try SeriesFileReader.open(path: dir + "/_series").series().count == 81)
    }

    /// Past the threshold a partition writes its `index`; lookups then go through the mapped
    /// maps, the reader's lookups agree, and series deleted before the compaction are left out.
    @Test func compactionWritesTheIndex() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/_series"
        let file = try SeriesFile.open(path: path, compactThreshold: 30)
        let keys = Self.keys(400)
        let ids = try file.createSeriesListIfNotExists(Array(keys[0..<100]))
        try file.delete(ids[0])
        let more = try file.createSeriesListIfNotExists(Array(keys[100...]))
        #expect(file.waitForCompactions() == nil)
        let all = ids + more
        #expect(file.isDeleted(ids[0]))
        for (key, id) in zip(keys, all).dropFirst() { #expect(file.id(forKey: key) == id) }
        file.close()

        let reader = try SeriesFileReader.open(path: path)
        for (name, partition) in reader.partitions {
            let header = partition.index?.header
            #expect(header != nil, "partition \(name) has no index")
            let lookup = partition.lookup()
            for (key, id) in zip(keys, all) where SeriesFileHash.partition(ofID: id) == Int(name, radix: 16) {
                #expect(lookup.id(forKey: key) == (id == ids[0] ? 0 : id))
                #expect((lookup.offset(forID: id) != 0) == (id != ids[0]))
            }
            #expect((header?.count ?? 0) >= 30)
        }
        let reopened = try SeriesFile.open(path: path)
        for (key, id) in zip(keys, all).dropFirst() { #expect(reopened.id(forKey: key) == id && reopened.key(forID: id) == key) }
        #expect(reopened.id(forKey: keys[0]) == 0)
    }

    /// The builder places values as 1.x's compactor: rebuilding a partition's index from its
    /// own segments with the header's max offset and count gives back the same bytes.
    @Test func rebuiltIndexIsByteIdentical() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/_series"
        let file = try SeriesFile.open(path: path, compactThreshold: 0)
        _ = try file.createSeriesListIfNotExists(Self.keys(2000))
        try file.compactAll()
        let first = try (0..<8).map { try Data(contentsOf: URL(fileURLWithPath: path + "/0\($0)/index")) }
        try file.compactAll()
        let second = try (0..<8).map { try Data(contentsOf: URL(fileURLWithPath: path + "/0\($0)/index")) }
        #expect(first == second)
        let header = try SeriesFileIndex(data: [UInt8](first[0])).header
        #expect(header.count == file.partitions[0].count)
        var capacity: Int64 = 2
        while capacity < Int64(header.count) * 100 / 90 { capacity *= 2 }
        #expect(header.capacity == capacity)
    }
}
