import Foundation
import LineProtocol
import Testing
import TSI
import TSM

@testable import TSDB

/// A tsi1 index answers from its files: series in compacted (mapped) index files, in rotated
/// and active logs, before and after a reopen, with deletes and new writes on top, the same
/// as an inmem index given the same series.
@Suite struct TSI1ReadsTests {
    static func root() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sundial-tsi1-reads-\(UUID().uuidString)").path
    }

    /// 300 series over two measurements; `cpu` has a `rack` tag only on even hosts.
    static let keys: [[UInt8]] = (0..<300).map { i in
        let name = i % 3 == 0 ? "disk" : "cpu"
        let rack = name == "cpu" && i % 2 == 0 ? ",rack=r\(i % 5)" : ""
        return Array("\(name),host=h\(i)\(rack),region=\(["eu", "us"][i % 2])".utf8)
    }

    /// What every read answers, as text, for comparing two indexes.
    static func answers(_ index: any SeriesIndexing) -> [String] {
        var out = ["measurements \(index.measurements)", "count \(index.count)"]
        for m in ["cpu", "disk", "none"] {
            out.append("\(m) has \(index.hasMeasurement(m)) n \(index.seriesCount(of: m))")
            out.append("\(m) series \(index.series(of: m).map { String(decoding: $0.key, as: UTF8.self) }.sorted())")
            out.append("\(m) tag keys \(index.tagKeys(of: m).sorted())")
            for (k, v) in [("region", "eu"), ("rack", "r2"), ("host", "h7"), ("host", "h0"), ("region", "nowhere")] {
                let keys = index.seriesKeys(of: m, tag: k, value: v)
                out.append("\(m) \(k)=\(v) \(keys.map { String(decoding: $0.bytes, as: UTF8.self) }.sorted())")
                out.append("\(m) \(k)=\(v) parsed \(index.series(of: m, keys: keys).count)")
            }
        }
        out.append("all \(Set(index.allSeries.map(\.key)).count)")
        return out
    }

    /// Removes every `cpu` series with a rack (the `rack` key has no live series left) and the
    /// hosts 0 to 9 of `disk`.
    static func deletes(_ index: any SeriesIndexing) throws {
        try index.remove(keys.filter { String(decoding: $0, as: UTF8.self).contains("rack=") })
        try index.remove(keys.filter { k in (0..<10).contains { String(decoding: k, as: UTF8.self).hasPrefix("disk,host=h\($0),") } })
    }

    @Test(arguments: [64, 1 << 20])
    func answersAsInmem(maxLogFileSize: Int) throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let reference = SeriesIndex()
        reference.add(Self.keys)
        do {
            let (index, file) = try TSI1IndexTests.open(root, maxLogFileSize: maxLogFileSize)
            for batch in stride(from: 0, to: Self.keys.count, by: 30) { try index.add(Array(Self.keys[batch..<batch + 30])) }
            index.waitForCompactions()
            #expect(Self.answers(index) == Self.answers(reference))
            file.close()
        }
        let file = try SeriesFile.open(path: root + "/_series")
        let index = try TSI1Index.open(shardPath: root + "/shard", seriesFile: file, maxLogFileSize: maxLogFileSize)
        if maxLogFileSize == 64 {
            // The series are in mapped index files: nothing but bitmaps and empty logs.
            let files = try (0..<8).flatMap { try #require(try Manifest.read(path: root + "/shard/index/\($0)/MANIFEST")).files }
            #expect(files.contains { ManifestFileName.kind($0) == .index })
        }
        #expect(Self.answers(index) == Self.answers(reference))
        // Cached reads see later changes.
        try Self.deletes(index)
        try Self.deletes(reference)
        #expect(Self.answers(index) == Self.answers(reference))
        let more = (300..<330).map { Array("cpu,host=h\($0),rack=new".utf8) }
        try index.add(more)
        reference.add(more)
        #expect(Self.answers(index) == Self.answers(reference))
        index.waitForCompactions()
        file.close()
        let reopened = try TSI1Index.open(shardPath: root + "/shard", seriesFile: try SeriesFile.open(path: root + "/_series"))
        #expect(Self.answers(reopened) == Self.answers(reference))
    }

    /// The tag-value cache (`series-id-set-cache-size`; 0 disables it, 1 evicts on every other
    /// value) never hides a series added or shows one removed after a lookup.
    @Test(arguments: [0, 1, 100])
    func tagValueCacheFollowsWrites(capacity: Int) throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (index, _) = try TSI1IndexTests.open(root, maxLogFileSize: 256, seriesIDSetCacheSize: capacity)
        func eu() -> Set<String> { Set(index.seriesKeys(of: "cpu", tag: "region", value: "eu").map { String(decoding: $0.bytes, as: UTF8.self) }) }
        try index.add([Array("cpu,host=a,region=eu".utf8), Array("cpu,host=b,region=us".utf8)])
        #expect(eu() == ["cpu,host=a,region=eu"])
        _ = index.seriesKeys(of: "cpu", tag: "region", value: "us")
        try index.add([Array("cpu,host=c,region=eu".utf8)])
        #expect(eu() == ["cpu,host=a,region=eu", "cpu,host=c,region=eu"])
        try index.remove([Array("cpu,host=a,region=eu".utf8)])
        #expect(eu() == ["cpu,host=c,region=eu"])
        for i in 0..<50 { try index.add([Array("cpu,host=x\(i),region=eu".utf8)]) }
        index.waitForCompactions()
        #expect(eu().count == 51)
    }

    /// Opening reads no key beyond the logs' names: what the index holds for series in index
    /// files is their id bitmaps, a few bytes a series.
    @Test func openHoldsBitmapsNotKeys() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keys = (0..<20_000).map { Array("m,host=host-number-\($0),region=somewhere-far-away-\($0 % 7)".utf8) }
        do {
            let (index, file) = try TSI1IndexTests.open(root, maxLogFileSize: 4096)
            for batch in stride(from: 0, to: keys.count, by: 1000) { try index.add(Array(keys[batch..<batch + 1000])) }
            index.waitForCompactions()
            file.close()
        }
        let index = try TSI1Index.open(shardPath: root + "/shard", seriesFile: try SeriesFile.open(path: root + "/_series"), maxLogFileSize: 4096)
        #expect(index.count == keys.count)
        #expect(index.estimatedBytes < keys.count * 16, "\(index.estimatedBytes) bytes for \(keys.count) series")
        #expect(index.seriesKeys(of: "m", tag: "host", value: "host-number-12345").map(\.bytes) == [keys[12345]])
        #expect(index.tagKeys(of: "m") == ["host", "region"])
    }
}
