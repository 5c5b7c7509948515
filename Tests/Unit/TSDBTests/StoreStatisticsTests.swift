import Foundation
import LineProtocol
import Testing
import TSM

@testable import TSDB

/// The store's 1.x statistics (`database`, `shard` and the engine's `tsm1_*`): 1.6's names and
/// tags, and counters that follow the writes (Spec/statistics.md).
@Suite("Store statistics")
struct StoreStatisticsTests {
    static func points(_ text: String) -> [Point] {
        LineProtocolParser.parse(Array(text.utf8), options: ParseOptions(defaultTime: 1)).points
    }

    static func root() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sundial-stats-\(UUID().uuidString)").path
    }

    /// A shard's tag keys in 1.6 (`tsdb/shard.go` `defaultTags`; `indexType` came in 1.7),
    /// on `shard` and on each engine statistic, as influxd 1.6.7 reports them
    /// (`Tests/Golden/monitor/show-stats-1.6.7.json`).
    static let shardTagKeys = ["database", "engine", "id", "path", "retentionPolicy", "walPath"]

    /// (measurement, tag keys, field keys — nil for the engine's, which TSMTests checks).
    static let keys1x: [(String, [String], [String]?)] = [
        ("database", ["database"], ["numMeasurements", "numSeries"]),
        ("shard", shardTagKeys, [
            "diskBytes", "fieldsCreate", "seriesCreate", "writeBytes", "writePointsDropped", "writePointsErr", "writePointsOk",
            "writeReq", "writeReqErr", "writeReqOk",
        ]),
        ("tsm1_engine", shardTagKeys, nil),
        ("tsm1_cache", shardTagKeys, nil),
        ("tsm1_filestore", shardTagKeys, nil),
        ("tsm1_wal", shardTagKeys, nil),
    ]

    @Test(arguments: keys1x)
    func keysAre1x(name: String, tagKeys: [String], fieldKeys: [String]?) throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        try store.shard(id: 1, database: "db", retentionPolicy: "autogen").write(Self.points("cpu v=1"))
        let all = store.statistics(tags: [:]).filter { $0.name == name }
        #expect(all.count == 1)
        let statistic = try #require(all.first)
        #expect(statistic.tags.keys.sorted() == tagKeys)
        if let fieldKeys { #expect(statistic.values.keys.sorted() == fieldKeys) }
        #expect(statistic.values.values.allSatisfy { if case .integer = $0 { true } else { false } })
    }

    /// The points a partial write dropped (nil when it threw something else or nothing).
    static func dropped(_ body: () throws(WriteError) -> Void) -> Int? {
        do throws(WriteError) {
            try body()
            return nil
        } catch {
            if case .partial(_, let n) = error { return n }
            return nil
        }
    }

    static func integers(_ statistic: Statistic?) -> [String: Int64] {
        (statistic?.values ?? [:]).compactMapValues { if case .integer(let n) = $0 { n } else { nil } }
    }

    static func onDisk(_ directories: [String]) -> Int {
        var total = 0
        for dir in directories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            where name.hasSuffix(".tsm") || name.hasSuffix(".tombstone") || name.hasSuffix(".wal") {
                total += ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size]) as? Int) ?? 0
            }
        }
        return total
    }

    /// Known writes — a full one, a field type conflict, a `time` tag, series over the limit,
    /// new fields, a snapshot, a write the engine refuses — and the counters they leave.
    @Test func countsWrites() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = EngineConfig()
        config.cacheMaxMemorySize = 4096
        let store = Store(dataDir: root + "/data", walDir: root + "/wal", engineConfig: config,
                          limits: SeriesLimits(maxSeriesPerDatabase: 3, maxValuesPerTag: 0))
        let shard = try store.shard(id: 1, database: "db", retentionPolicy: "autogen")
        try shard.write(Self.points("cpu,host=a v=1 1\ncpu,host=b v=2 2"))
        // A field type conflict: dropped and counted.
        #expect(Self.dropped { () throws(WriteError) in try shard.write(Self.points("cpu,host=a v=1i 3\ncpu,host=a v=3 4")) } == 1)
        // A `time` tag: dropped, not counted in writePointsDropped (as in 1.x).
        #expect(Self.dropped { () throws(WriteError) in try shard.write(Self.points("cpu,host=a,time=x v=4 5\ncpu,host=a v=5 6")) } == 1)
        // Two new series past max-series-per-database: both dropped and counted.
        #expect(Self.dropped { () throws(WriteError) in try shard.write(Self.points("cpu,host=c v=1 7\ncpu,host=d v=1 8")) } == 2)
        // A new measurement with two new fields.
        try shard.write(Self.points("mem free=1i,used=2i 9"))
        try shard.engine.snapshot()
        // Past cache-max-memory-size: the engine refuses the write.
        let big = (0..<300).map { "cpu,host=a v=\($0) \(100 + $0)" }.joined(separator: "\n")
        #expect(throws: WriteError.self) { try shard.write(Self.points(big)) }

        try store.shard(id: 2, database: "other", retentionPolicy: "rp").write(Self.points("x v=1 1"))

        let all = store.statistics(tags: ["hostname": "h", "database": "not this one"])
        #expect(all.map(\.name) == ["database", "database"] + Array(repeating: ["shard", "tsm1_engine", "tsm1_cache", "tsm1_filestore", "tsm1_wal"], count: 2).flatMap { $0 })
        #expect(all[0].tags == ["database": "db", "hostname": "h"])
        #expect(Self.integers(all[0]) == ["numSeries": 3, "numMeasurements": 2])
        #expect(all[1].tags == ["database": "other", "hostname": "h"])
        #expect(Self.integers(all[1]) == ["numSeries": 1, "numMeasurements": 1])
        let tags = ["database": "db", "retentionPolicy": "autogen", "id": "1", "engine": "tsm1", "path": root + "/data/db/autogen/1",
                    "walPath": root + "/wal/db/autogen/1", "hostname": "h"]
        for statistic in all[2..<7] { #expect(statistic.tags == tags) }
        #expect(all[7].tags["id"] == "2" && all[7].tags["retentionPolicy"] == "rp")

        #expect(Self.integers(all[2]) == [
            "writeReq": 6, "writeReqOk": 5, "writeReqErr": 1,
            "writePointsOk": 5, "writePointsErr": 300, "writePointsDropped": 3,
            "fieldsCreate": 3, "seriesCreate": 3, "writeBytes": 0,
            "diskBytes": Int64(Self.onDisk([root + "/data/db/autogen/1", root + "/wal/db/autogen/1"])),
        ])
        #expect(Self.integers(all[2])["diskBytes"]! > 0)
        let engine = Self.integers(all[3])
        #expect(engine["cacheCompactions"] == 1 && engine["cacheCompactionErr"] == 0)
        let cache = Self.integers(all[4])
        // Four writes reached the cache (the one with only refused series did not), one was refused.
        #expect(cache["writeOk"] == 4 && cache["writeErr"] == 1 && cache["memBytes"] == 0 && cache["cachedBytes"]! > 0)
        #expect(Self.integers(all[5])["numFiles"] == 1)
        #expect(Self.integers(all[6])["writeOk"] == 4)
    }
}
