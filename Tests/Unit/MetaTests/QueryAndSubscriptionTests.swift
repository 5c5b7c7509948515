import Testing

@testable import Meta

/// Continuous queries and subscriptions as 1.x stores them.
@Suite("Meta CQs and subscriptions")
struct QueryAndSubscriptionTests {
    @Test func continuousQueries() async throws {
        let meta = MetaClient()
        try await meta.createDatabase("db")
        let q = "CREATE CONTINUOUS QUERY cq ON db BEGIN SELECT mean(v) INTO db.autogen.x FROM db.autogen.m GROUP BY time(1h) END"
        try await meta.createContinuousQuery(database: "db", name: "cq", query: q)
        try await meta.createContinuousQuery(database: "db", name: "cq", query: q.lowercased())  // same, ignoring case
        await #expect(throws: MetaError.continuousQueryExists) { try await meta.createContinuousQuery(database: "db", name: "cq", query: q + " ") }
        await #expect(throws: MetaError.databaseNotFound("x")) { try await meta.createContinuousQuery(database: "x", name: "cq", query: q) }
        #expect(meta.continuousQueries().first?.queries.map(\.name) == ["cq"])
        try await meta.dropContinuousQuery(database: "db", name: "cq")
        try await meta.dropContinuousQuery(database: "db", name: "cq")  // missing: fine
        #expect(meta.continuousQueries().first?.queries.isEmpty == true)
    }

    @Test(arguments: [
        ("udp://h:9000", true), ("http://h:80", true), ("https://h:443/x", true),
        ("udp://h", false), ("tcp://h:1", false), ("h:1", false), ("", false),
    ])
    func subscriptionURLs(url: String, valid: Bool) {
        #expect(Meta_Data.isValidSubscriptionURL(url) == valid)
    }

    @Test func subscriptions() async throws {
        let meta = MetaClient()
        try await meta.createDatabase("db")
        try await meta.createSubscription(database: "db", policy: "autogen", name: "s", mode: "ALL", destinations: ["udp://h:1"])
        await #expect(throws: MetaError.subscriptionExists) {
            try await meta.createSubscription(database: "db", policy: "autogen", name: "s", mode: "ANY", destinations: ["udp://h:2"])
        }
        await #expect(throws: MetaError.invalidSubscriptionURL("udp://h")) {
            try await meta.createSubscription(database: "db", policy: "autogen", name: "t", mode: "ALL", destinations: ["udp://h"])
        }
        await #expect(throws: MetaError.retentionPolicyNotFound("rp")) {
            try await meta.createSubscription(database: "db", policy: "rp", name: "t", mode: "ALL", destinations: ["udp://h:1"])
        }
        try await meta.dropSubscription(database: "db", policy: "autogen", name: "s")
        await #expect(throws: MetaError.subscriptionNotFound) { try await meta.dropSubscription(database: "db", policy: "autogen", name: "s") }
    }
}
