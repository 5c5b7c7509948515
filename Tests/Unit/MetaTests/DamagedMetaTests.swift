import Foundation
import Testing

@testable import Meta

/// Metadata a damaged meta.db can hold but 1.x never writes (found by tools/fuzz/metadb): the
/// server answers an error where it used to trap.
@Suite("Damaged metadata")
struct DamagedMetaTests {
    /// A client over a meta.db holding `data`.
    static func client(_ data: Meta_Data) throws -> (MetaClient, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-damaged-meta-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try MetaStore.save(data, to: dir + "/meta.db")
        return (try MetaClient(directory: dir), dir)
    }

    static func withPolicy(shardGroupDuration: Int64, maxShardID: UInt64 = 0, index: UInt64 = 1) -> Meta_Data {
        var data = MetaClient.fresh()
        data.index = index
        data.maxShardID = maxShardID
        var rp = Meta_RetentionPolicyInfo()
        rp.name = "autogen"
        rp.duration = 0
        rp.shardGroupDuration = shardGroupDuration
        rp.replicaN = 1
        var db = Meta_DatabaseInfo()
        db.name = "db"
        db.defaultRetentionPolicy = "autogen"
        db.retentionPolicies = [rp]
        data.databases = [db]
        return data
    }

    /// A shard group duration of 0 or less made a group that holds no time, and the write that
    /// asked for it trapped on the missing group.
    @Test(arguments: [Int64(0), -3_600_000_000_000])
    func nonPositiveShardGroupDurationIsAnError(_ duration: Int64) async throws {
        let (meta, dir) = try Self.client(Self.withPolicy(shardGroupDuration: duration))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        await #expect(throws: MetaError.corrupt("retention policy autogen has shard group duration \(duration)")) {
            try await meta.shardGroup(database: "db", policy: "autogen", for: 1_600_000_000_000_000_000)
        }
    }

    /// The last shard id taken: a new group is an error, not an overflow trap.
    @Test func exhaustedShardIDsAreAnError() async throws {
        let (meta, dir) = try Self.client(Self.withPolicy(shardGroupDuration: 3_600_000_000_000, maxShardID: .max))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        await #expect(throws: MetaError.corrupt("no shard group or shard id left")) {
            try await meta.shardGroup(database: "db", policy: "autogen", for: 0)
        }
    }

    /// The largest index: the next change wraps it as 1.x's uint64 does instead of trapping.
    @Test func largestIndexWraps() async throws {
        let (meta, dir) = try Self.client(Self.withPolicy(shardGroupDuration: 3_600_000_000_000, index: .max))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await meta.createDatabase("other")
        #expect(meta.snapshot().index == 0)
    }
}
