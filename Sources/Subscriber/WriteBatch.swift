import LineProtocol

/// One accepted write as it is forwarded (1.x's `WritePointsRequest`).
struct WriteBatch: Sendable {
    var database: String
    var retentionPolicy: String
    var points: [Point]
}

/// A running subscription's identity: 1.x's `subEntry`.
struct SubscriptionKey: Sendable, Hashable {
    var database: String
    var retentionPolicy: String
    var name: String
}

/// Where writes are routed: a database and retention policy.
struct Route: Sendable, Hashable {
    var database: String
    var retentionPolicy: String
}
