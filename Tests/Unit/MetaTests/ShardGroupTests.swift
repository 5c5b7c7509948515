import Foundation
import Testing

@testable import Meta

/// Shard groups as 1.x creates them.
@Suite("Meta shard groups")
struct ShardGroupTests {
    /// influxd 1.6.7 made one group for a point at 1.5e18 ns in a 7-day policy; Sundial
    /// computes the same bounds (weeks counted from Go's zero time: Mondays).
    @Test func boundsMatchInfluxd() throws {
        let data = try #require(try MetaStore.load(MetaDBTests.goldenPath))
        let group = try #require(data.databases[0].retentionPolicies[0].shardGroups.first)
        #expect(group.startTime <= 1_500_000_000_000_000_000 && 1_500_000_000_000_000_000 < group.endTime)
        #expect(Meta_Data.truncate(1_500_000_000_000_000_000, to: 7 * 86_400_000_000_000) == group.startTime)
        #expect(group.endTime - group.startTime == 7 * 86_400_000_000_000)
        // 1.5e18 ns is Friday 2017-07-14; the group starts on Monday 2017-07-10.
        #expect(group.startTime == 1_499_644_800_000_000_000)
    }

    /// The earliest times fall in a group whose truncated start lies before Int64.min: it starts
    /// at the earliest time instead of trapping (a write at such a time crashed the daemon).
    @Test(arguments: [Int64.min + 2, Int64.min + 1_000_000, Int64.min + 86_400_000_000_000])
    func earliestTimesGetAGroup(time: Int64) async throws {
        let meta = MetaClient()
        try await meta.createDatabase("db")
        let group = try await meta.shardGroup(database: "db", policy: "autogen", for: time)
        #expect(group.start <= time && time < group.end)
        #expect(group.start >= Int64.min && group.end - group.start <= 7 * 86_400_000_000_000)
    }

    @Test func createsOnDemandAndReuses() async throws {
        let meta = MetaClient()
        try await meta.createDatabase("db")
        try await meta.createRetentionPolicy(database: "db", name: "h", duration: 2 * 3_600_000_000_000)
        let a = try await meta.shardGroup(database: "db", policy: "h", for: 5_000_000_000)
        let b = try await meta.shardGroup(database: "db", policy: "h", for: 3_599_999_999_999)
        let c = try await meta.shardGroup(database: "db", policy: "h", for: 3_600_000_000_000)
        #expect(a == b)
        #expect(a.start == 0 && a.end == 3_600_000_000_000)
        #expect(c.id == a.id + 1 && c.shardIDs == [a.shardIDs[0] + 1])
        let early = try await meta.shardGroup(database: "db", policy: "h", for: -1)  // before the epoch
        #expect(early.start == -3_600_000_000_000)
        let groups = meta.snapshot().databases[0].retentionPolicies[1].shardGroups
        #expect(groups.map(\.startTime) == groups.map(\.startTime).sorted())
        let last = try await meta.shardGroup(database: "db", policy: "autogen", for: Int64.max - 2)
        #expect(last.end == Int64.max)
        await #expect(throws: MetaError.retentionPolicyNotFound("nope")) { try await meta.shardGroup(database: "db", policy: "nope", for: 0) }
    }
}
