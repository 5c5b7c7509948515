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
}
