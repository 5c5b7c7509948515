import Foundation
import Testing

@testable import Meta

/// `meta.db` (Spec/meta-db.md) against the file a real influxd 1.6.7 wrote
/// (`Tests/Golden/meta/regenerate.sh`), and the client's persistence.
@Suite("meta.db")
struct MetaDBTests {
    static var goldenPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/meta/meta.db").path
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sundial-meta-\(UUID().uuidString)").path
    }

    @Test func readsInfluxdMetaDB() throws {
        let data = try #require(try MetaStore.load(Self.goldenPath))
        #expect(data.databases.map(\.name) == ["alpha", "beta"])
        let alpha = data.databases[0]
        #expect(alpha.defaultRetentionPolicy == "forever")
        #expect(alpha.retentionPolicies.map(\.name) == ["autogen", "hour", "forever"])
        let hour = alpha.retentionPolicies[1]
        #expect(hour.duration == 2 * 3_600_000_000_000 && hour.shardGroupDuration == 3_600_000_000_000 && hour.replicaN == 1)
        #expect(alpha.retentionPolicies[0].shardGroupDuration == 7 * 86_400_000_000_000)
        #expect(alpha.retentionPolicies[0].shardGroups.count == 1)
        #expect(alpha.retentionPolicies[0].subscriptions.map(\.name) == ["sub1"])
        #expect(alpha.retentionPolicies[0].subscriptions.first?.destinations == ["udp://127.0.0.1:9999"])
        #expect(alpha.continuousQueries.map(\.name) == ["cq1"])
        #expect(alpha.continuousQueries.first?.query.hasPrefix("CREATE CONTINUOUS QUERY cq1 ON alpha BEGIN") == true)
        let beta = data.databases[1]
        #expect(beta.defaultRetentionPolicy == "week")
        #expect(beta.retentionPolicies.map(\.name) == ["week"])
        #expect(beta.retentionPolicies.map(\.duration) == [7 * Self.day])
        #expect(beta.retentionPolicies.map(\.shardGroupDuration) == [Self.day])
        #expect(data.users.map(\.name) == ["admin", "reader"])
        #expect(data.users[0].admin && !data.users[1].admin)
        #expect(data.users[0].hash.hasPrefix("$2a$"))
        #expect(data.users[1].privileges.map(\.database).sorted() == ["alpha", "beta"])
        #expect(data.maxShardGroupID == 1 && data.maxShardID == 1)
    }

    /// Loading and saving changes nothing: Sundial writes influxd's bytes.
    @Test func roundTripsInfluxdBytes() throws {
        let data = try #require(try MetaStore.load(Self.goldenPath))
        let dir = Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try MetaStore.save(data, to: dir + "/meta.db")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/meta.db")) == Data(contentsOf: URL(fileURLWithPath: Self.goldenPath)))
        #expect(!FileManager.default.fileExists(atPath: dir + "/meta.dbtmp"))
    }

    @Test func clientPersistsAndAppliesInfluxRules() async throws {
        let dir = Self.temporaryDirectory()
        do {
            let meta = try MetaClient(directory: dir)
            try await meta.createDatabase("db0")
            try await meta.createDatabase("db0")  // existing: fine
            try await meta.createRetentionPolicy(database: "db0", name: "short", duration: 2 * 3_600_000_000_000)
            try await meta.createRetentionPolicy(database: "db0", name: "short", duration: 2 * 3_600_000_000_000)  // identical: fine
            await #expect(throws: MetaError.retentionPolicyExists) {
                try await meta.createRetentionPolicy(database: "db0", name: "short", duration: 3 * 3_600_000_000_000)
            }
            await #expect(throws: MetaError.retentionPolicyDurationTooLow) {
                try await meta.createRetentionPolicy(database: "db0", name: "tiny", duration: 60_000_000_000)
            }
            await #expect(throws: MetaError.incompatibleDurations) {
                try await meta.createRetentionPolicy(database: "db0", name: "odd", duration: 3_600_000_000_000, shardGroupDuration: 2 * 3_600_000_000_000)
            }
            await #expect(throws: MetaError.databaseNotFound("nope")) {
                try await meta.createRetentionPolicy(database: "nope", name: "x", duration: 0)
            }
            await #expect(throws: MetaError.databaseNameRequired) { try await meta.createDatabase("") }
            try await meta.createDatabase("gone")
            try await meta.dropDatabase("gone")
            try await meta.dropRetentionPolicy(database: "nope", name: "x")  // 1.x: no error
            try await meta.createRetentionPolicy(database: "db0", name: "alter", duration: 0)
            try await meta.updateRetentionPolicy(database: "db0", name: "alter", duration: 3 * 86_400_000_000_000, shardGroupDuration: 86_400_000_000_000, makeDefault: true)
            await #expect(throws: MetaError.incompatibleDurations) {
                try await meta.updateRetentionPolicy(database: "db0", name: "alter", shardGroupDuration: 4 * 86_400_000_000_000)
            }
            await #expect(throws: MetaError.retentionPolicyNotFound("none")) {
                try await meta.updateRetentionPolicy(database: "db0", name: "none", replicaN: 2)
            }
            try await meta.updateRetentionPolicy(database: "db0", name: "alter", shardGroupDuration: 60_000_000_000)  // < 1h → 1h
            try await meta.updateRetentionPolicy(database: "db0", name: "autogen", makeDefault: true)
        }
        let reopened = try MetaClient(directory: dir)
        let dbs = reopened.allDatabases()
        #expect(dbs.map(\.name) == ["db0"])
        let db0 = try #require(dbs.first)
        #expect(db0.defaultRetentionPolicy == "autogen")
        #expect(db0.retentionPolicies.map(\.name) == ["autogen", "short", "alter"])
        #expect(db0.retentionPolicies[2].duration == 3 * 86_400_000_000_000)
        #expect(db0.retentionPolicies[2].shardGroupDuration == 3_600_000_000_000)
        #expect(db0.retentionPolicies[0].shardGroupDuration == 7 * 86_400_000_000_000)
        #expect(db0.retentionPolicies[1].shardGroupDuration == 3_600_000_000_000)  // < 2 d → 1 h
        let snapshot = reopened.snapshot()
        #expect(snapshot.index > 1)
    }

    static let day: Int64 = 86_400_000_000_000
    static let hour: Int64 = 3_600_000_000_000
    static let shardDurationTable: [(Int64, Int64)] = [
        (0, 7 * day), (180 * day, 7 * day), (179 * day, day), (2 * day, day), (47 * hour, hour),
    ]

    @Test(arguments: shardDurationTable)
    func shardGroupDurationsFollow1x(duration: Int64, expected: Int64) {
        #expect(Meta_Data.shardGroupDuration(for: duration) == expected)
    }
}
