/// The subscriber service's counters (1.x's `subscriber` statistics): service-wide totals and
/// one entry per destination of each running subscription.
public struct SubscriberStatistics: Sendable, Hashable {
    /// Subscriptions that could not be started (bad mode, URL or CA file), each time tried.
    public var createFailures: Int64
    /// Points of the writes every destination they went to accepted.
    public var pointsWritten: Int64
    /// Writes dropped because a subscription's buffer was full, and writes some destination
    /// failed.
    public var writeFailures: Int64
    /// The destinations of the running subscriptions, sorted by database, policy, name and
    /// destination.
    public var destinations: [DestinationStatistics]
}

/// One destination of one running subscription.
public struct DestinationStatistics: Sendable, Hashable {
    public var database: String
    public var retentionPolicy: String
    /// The subscription's name.
    public var name: String
    /// `ALL` or `ANY`.
    public var mode: String
    /// The destination URL as stored.
    public var destination: String
    /// Points this destination accepted.
    public var pointsWritten: Int64
    /// Writes this destination failed.
    public var writeFailures: Int64

    /// 1.x's tags for this entry.
    public var tags: [String: String] {
        ["database": database, "retention_policy": retentionPolicy, "name": name, "mode": mode, "destination": destination]
    }
}
