import Coordinator
import Foundation
import LineProtocol
import Logging
import Meta
import Precreator
import Retention
import TSDB
import Testing

/// The retention and shard precreation services on a real store and meta (1.x
/// `services/retention`, `services/precreator`, meta's `ExpiredShardGroups`,
/// `PruneShardGroups` and `PrecreateShardGroups`), with the clock passed in.
@Suite struct RetentionServiceTests {
    static let hour: Int64 = 3_600_000_000_000
    static let day = 24 * hour

    /// A store and meta with database `db` whose default policy `short` keeps `duration` in
    /// groups of one hour, and points written at each of `times`.
    static func setUp(duration: Int64, times: [Int64], now: Int64) async throws -> (MetaClient, Store, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-retention-\(UUID())").path
        let meta = MetaClient()
        try await meta.createDatabase("db")
        try await meta.createRetentionPolicy(database: "db", name: "short", duration: duration, shardGroupDuration: hour, makeDefault: true)
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        // Each point is written when it was current (older ones would be past the policy).
        for time in times {
            let writer = PointsWriter(meta: meta, store: store, now: { Swift.max(now, time) })
            let points = LineProtocolParser.parse(Array("m v=1 \(time)".utf8), options: ParseOptions(defaultTime: 0)).points
            try await writer.writePoints(database: "db", retentionPolicy: "", points: points)
        }
        return (meta, store, root)
    }

    /// (policy duration, hours after the group's end the check runs, expired?): a group
    /// expires once its end plus the duration is strictly before now; INF (0) never.
    @Test(arguments: [
        (hour, 0 as Int64, false), (hour, 1, false), (hour, 2, true),
        (day, 24, false), (day, 25, true), (0, 10_000, false),
    ])
    func expiresAs1x(duration: Int64, hoursAfterEnd: Int64, expired: Bool) async throws {
        let writtenAt = 100 * Self.hour + Self.hour / 2  // group [100 h, 101 h)
        let (meta, store, root) = try await Self.setUp(duration: duration, times: [writtenAt], now: writtenAt)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let now = 101 * Self.hour + hoursAfterEnd * Self.hour + (expired ? 1 : 0)
        #expect(meta.expiredShardGroups(now: now).map(\.id) == (expired ? [1] : []))
        _ = store
    }

    /// An expired group is marked deleted and its shard goes from the store and the disk (data
    /// and WAL); other groups stay. Two weeks later the group is pruned from meta.
    @Test func deletesExpiredShardsThenPrunes() async throws {
        let old = 100 * Self.hour + 1, recent = 103 * Self.hour + 1
        let (meta, store, root) = try await Self.setUp(duration: Self.hour, times: [old, recent], now: old)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(Set(store.shardIDs) == [1, 2])
        let service = RetentionService(meta: meta, store: store, checkInterval: .seconds(1800), checkIntervalLiteral: "30m", logger: Logger(label: "test"))
        let now = 103 * Self.hour + Self.hour / 2  // group 1 ended at 101 h + 1 h < now; group 2 has not
        await service.check(now: now)
        #expect(store.shardIDs == [2])
        for dir in ["data", "wal"] {
            #expect(!FileManager.default.fileExists(atPath: "\(root)/\(dir)/db/short/1"))
            #expect(FileManager.default.fileExists(atPath: "\(root)/\(dir)/db/short/2"))
        }
        #expect(meta.deletedShardGroups().map(\.id) == [1])
        #expect(meta.expiredShardGroups(now: now).isEmpty)
        #expect(meta.shardIDs(database: "db") == [1, 2])  // still in meta.db, marked deleted
        // Not yet two weeks: kept. Then pruned (and group 2, expired by then, marked deleted).
        await service.check(now: now + 13 * Self.day)
        #expect(Set(meta.deletedShardGroups().map(\.id)) == [1, 2])
        #expect(store.shardIDs.isEmpty)
        await service.check(now: now + 14 * Self.day + Self.hour)
        #expect(meta.deletedShardGroups().map(\.id) == [2])
        #expect(meta.shardIDs(database: "db") == [2])
    }

    /// The last group of a policy ending strictly within (now, now + advance) gets its
    /// successor, once; a group ending at either bound, later, or already past gets none.
    @Test(arguments: [
        (50 as Int64, true), (1, true), (60, false), (90, false), (0, false), (-10, false),
    ])
    func precreatesTheNextGroup(minutesBeforeEnd: Int64, precreated: Bool) async throws {
        let writtenAt = 100 * Self.hour + 1  // group [100 h, 101 h)
        let (meta, _, root) = try await Self.setUp(duration: Self.day, times: [writtenAt], now: writtenAt)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let minute = Self.hour / 60
        // now = end - minutesBeforeEnd; advance-period 60 m: precreated when 0 < minutesBeforeEnd < 60.
        let now = 101 * Self.hour - minutesBeforeEnd * minute
        let service = PrecreatorService(meta: meta, checkInterval: .seconds(600), advancePeriod: 60 * minute,
                                        literals: ("10m", "1h"), logger: Logger(label: "test"))
        await service.precreate(now: now)
        let next = meta.shardGroup(database: "db", policy: "short", containing: 101 * Self.hour)
        #expect((next != nil) == precreated)
        if let next {
            #expect(next.start == 101 * Self.hour && next.end == 102 * Self.hour && next.id == 2)
            // Asked again: it exists, nothing more is made.
            await service.precreate(now: now)
            #expect(meta.shardIDs(database: "db") == [1, 2])
        }
    }

    /// A deleted last group gets no successor (1.x skips it).
    @Test func noSuccessorForADeletedGroup() async throws {
        let writtenAt = 100 * Self.hour + 1
        let (meta, _, root) = try await Self.setUp(duration: Self.day, times: [writtenAt], now: writtenAt)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await meta.deleteShardGroup(database: "db", policy: "short", id: 1, now: writtenAt)
        let results = try await meta.precreateShardGroups(from: 101 * Self.hour - 10, to: 102 * Self.hour)
        #expect(results.isEmpty)
        await #expect(throws: MetaError.shardGroupNotFound) {
            try await meta.deleteShardGroup(database: "db", policy: "short", id: 9, now: writtenAt)
        }
    }
}
