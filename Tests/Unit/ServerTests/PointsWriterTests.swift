import Coordinator
import Foundation
import LineProtocol
import Meta
import TSDB
import TSM
import Testing

/// The points writer's shard mapping and retention window (1.x `MapShards`).
@Suite struct PointsWriterTests {
    static let hour: Int64 = 3_600_000_000_000

    static func points(_ lines: String) -> [Point] {
        LineProtocolParser.parse(Array(lines.utf8), options: ParseOptions(defaultTime: 0)).points
    }

    /// A damaged meta.db's shard group without shards (found by tools/fuzz/metadb): the write
    /// is an error, where it trapped (1.x panics dividing by zero).
    @Test func aShardGroupWithoutShardsIsAnError() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-pw-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var data = Meta_Data()
        data.term = 0
        data.index = 1
        data.clusterID = 1
        data.maxNodeID = 0
        data.maxShardGroupID = 1
        data.maxShardID = 0
        var group = Meta_ShardGroupInfo()
        group.id = 1
        group.startTime = 0
        group.endTime = Self.hour
        group.deletedAt = 0
        var rp = Meta_RetentionPolicyInfo()
        rp.name = "autogen"
        rp.duration = 0
        rp.shardGroupDuration = Self.hour
        rp.replicaN = 1
        rp.shardGroups = [group]
        var db = Meta_DatabaseInfo()
        db.name = "db"
        db.defaultRetentionPolicy = "autogen"
        db.retentionPolicies = [rp]
        data.databases = [db]
        try FileManager.default.createDirectory(atPath: root + "/meta", withIntermediateDirectories: true)
        try MetaStore.save(data, to: root + "/meta/meta.db")
        let meta = try MetaClient(directory: root + "/meta")
        let writer = PointsWriter(meta: meta, store: Store(dataDir: root + "/data", walDir: root + "/wal"), now: { 0 })
        await #expect(throws: WriteError.server("shard group 1 has no shards")) {
            try await writer.writePoints(database: "db", retentionPolicy: "", points: Self.points("m v=1 5"))
        }
    }

    @Test func retentionWindowDropsAs1x() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-pw-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meta = MetaClient()
        try await meta.createDatabase("db")
        try await meta.createRetentionPolicy(database: "db", name: "short", duration: Self.hour, shardGroupDuration: Self.hour, makeDefault: true)
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        let now = 10 * Self.hour + Self.hour / 2  // window starts at 9.5 h
        let writer = PointsWriter(meta: meta, store: store, now: { now })
        // 9.7 h is inside; 9.2 h is before the window but inside the 9 h group made for it;
        // 8.5 h has no group: dropped.
        let batch = Self.points("m v=1 \(97 * Self.hour / 10)\nm v=2 \(92 * Self.hour / 10)\nm v=3 \(85 * Self.hour / 10)")
        await #expect(throws: WriteError.partial(reason: "points beyond retention policy", dropped: 1)) {
            try await writer.writePoints(database: "db", retentionPolicy: "", points: batch)
        }
        await #expect(throws: WriteError.client("database not found: \"nope\"")) {
            try await writer.writePoints(database: "nope", retentionPolicy: "", points: batch)
        }
        await #expect(throws: WriteError.server("retention policy not found: other")) {
            try await writer.writePoints(database: "db", retentionPolicy: "other", points: batch)
        }
        let shard = try store.shard(id: 1, database: "db", retentionPolicy: "short")
        let stored = try shard.engine.read(key: Array("m#!~#v".utf8))
        #expect(stored?.timestamps == [92 * Self.hour / 10, 97 * Self.hour / 10])
        #expect(store.openShards.count == 1)
    }

    @Test func fieldConflictsArePartialAndPersistAcrossReopen() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-pw-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meta = MetaClient()
        try await meta.createDatabase("db")
        do {
            let writer = PointsWriter(meta: meta, store: Store(dataDir: root + "/data", walDir: root + "/wal"))
            try await writer.writePoints(database: "db", retentionPolicy: "", points: Self.points("m f=1i 1000"))
            await #expect(throws: WriteError.self) {
                try await writer.writePoints(database: "db", retentionPolicy: "", points: Self.points("m f=1.5 2000\nm g=1 3000"))
            }
        }
        // A new store (a restart) knows the field type from fields.idx.
        let shard = try Store(dataDir: root + "/data", walDir: root + "/wal").shard(id: 1, database: "db", retentionPolicy: "autogen")
        #expect(shard.fieldSet.type(of: "f", in: "m") == .integer)
        #expect(shard.fieldSet.type(of: "g", in: "m") == .float)
        #expect(throws: WriteError.self) { try shard.write(Self.points("m f=\"s\" 4000")) }
    }

    /// 1.x's `write` statistic keys (`coordinator/points_writer.go`; influxd 1.6.7's `_internal`
    /// in `Tests/Golden/monitor/internal-1.6.7.json`).
    static let writeFieldKeys1x = [
        "pointReq", "pointReqLocal", "req", "subWriteDrop", "subWriteOk", "writeDrop", "writeError", "writeOk", "writeTimeout",
    ]

    final class Subscriber: WriteSubscriber {
        func pointsWritten(database: String, retentionPolicy: String, points: [Point]) {}
    }

    /// The counters after known writes: one with a point beyond the retention policy, one to a
    /// missing database, one with a field type conflict, one over two shards.
    @Test func writeStatistics() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-pw-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meta = MetaClient()
        try await meta.createDatabase("db")
        try await meta.createRetentionPolicy(database: "db", name: "short", duration: Self.hour, shardGroupDuration: Self.hour, makeDefault: true)
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        let now = 10 * Self.hour + Self.hour / 2
        let writer = PointsWriter(meta: meta, store: store, now: { now }, subscriber: Subscriber())
        func counters() throws -> [String: Int64] {
            let all = writer.statistics(tags: ["hostname": "h"])
            #expect(all.map(\.name) == ["write"])
            let statistic = try #require(all.first)
            #expect(statistic.tags == ["hostname": "h"])
            #expect(statistic.values.keys.sorted() == Self.writeFieldKeys1x)
            return statistic.values.compactMapValues { if case .integer(let n) = $0 { n } else { nil } }
        }
        #expect(try counters() == Dictionary(uniqueKeysWithValues: Self.writeFieldKeys1x.map { ($0, 0) }))

        // 9.7 h and 9.2 h to the 9 h shard; 8.5 h dropped.
        let batch = Self.points("m v=1 \(97 * Self.hour / 10)\nm v=2 \(92 * Self.hour / 10)\nm v=3 \(85 * Self.hour / 10)")
        await #expect(throws: WriteError.self) { try await writer.writePoints(database: "db", retentionPolicy: "", points: batch) }
        await #expect(throws: WriteError.self) { try await writer.writePoints(database: "nope", retentionPolicy: "", points: batch) }
        // A type conflict: the shard's partial write is a shard write error, and is not forwarded.
        await #expect(throws: WriteError.self) {
            try await writer.writePoints(database: "db", retentionPolicy: "", points: Self.points("m v=1i \(97 * Self.hour / 10)"))
        }
        // Two shard groups (9 h and 10 h): two shard writes.
        try await writer.writePoints(database: "db", retentionPolicy: "",
                                     points: Self.points("m v=4 \(95 * Self.hour / 10)\nm v=5 \(102 * Self.hour / 10)"))
        #expect(try counters() == [
            "req": 4, "pointReq": 9, "pointReqLocal": 5, "writeOk": 3, "writeError": 1, "writeDrop": 1,
            "subWriteOk": 2, "subWriteDrop": 0, "writeTimeout": 0,
        ])
    }
}
