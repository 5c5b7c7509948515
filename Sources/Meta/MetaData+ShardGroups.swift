/// Shard groups (1.x `CreateShardGroup`): each retention policy's time is cut into groups of
/// its shard group duration, one shard per group on a single node.
extension Meta_Data {
    /// 1.x's `models.MaxNanoTime`.
    static let maxNanoTime = Int64.max - 1

    /// Go's `time.Truncate(d)` on Unix nanoseconds: multiples of `d` counted from Go's zero
    /// time (January 1, year 1 UTC), not from the Unix epoch — so weekly groups start on
    /// Mondays, as in 1.x. A group starting before the earliest representable time starts at
    /// it (Go would wrap the start's UnixNano to a time in the far future).
    static func truncate(_ unixNanos: Int64, to d: Int64) -> Int64 {
        guard d > 0 else { return unixNanos }
        let zeroToUnix = Int128(62_135_596_800) * 1_000_000_000
        let sinceZero = Int128(unixNanos) + zeroToUnix
        let remainder = ((sinceZero % Int128(d)) + Int128(d)) % Int128(d)
        return Int64(clamping: Int128(unixNanos) - remainder)
    }

    /// The live shard group of `database`/`policy` containing `timestamp`, if any.
    func shardGroup(database: String, policy: String, containing timestamp: Int64) -> Meta_ShardGroupInfo? {
        guard let d = databaseIndex(database), let rp = databases[d].retentionPolicies.first(where: { $0.name == policy }) else { return nil }
        return rp.shardGroups.first { $0.startTime <= timestamp && timestamp < $0.endTime && $0.deletedAt == 0 }
    }

    /// Creates the shard group for `timestamp` unless one exists; groups stay sorted by start.
    mutating func createShardGroup(database: String, policy: String, timestamp: Int64) throws(MetaError) {
        guard let d = databaseIndex(database) else { throw .databaseNotFound(database) }
        guard let r = databases[d].retentionPolicies.firstIndex(where: { $0.name == policy }) else { throw .retentionPolicyNotFound(policy) }
        if shardGroup(database: database, policy: policy, containing: timestamp) != nil { return }
        let duration = databases[d].retentionPolicies[r].shardGroupDuration
        // 1.x never writes these (a damaged meta.db): a group would hold no time, or its id wrap.
        guard duration > 0 else { throw .corrupt("retention policy \(policy) has shard group duration \(duration)") }
        guard maxShardGroupID < .max, maxShardID < .max else { throw .corrupt("no shard group or shard id left") }
        maxShardGroupID += 1
        var group = Meta_ShardGroupInfo()
        group.id = maxShardGroupID
        group.startTime = Self.truncate(timestamp, to: duration)
        let (end, overflow) = group.startTime.addingReportingOverflow(duration)
        // The group covers [start, end); the last one ends just past the largest time.
        group.endTime = overflow || end > Self.maxNanoTime ? Self.maxNanoTime + 1 : end
        group.deletedAt = 0
        maxShardID += 1
        var shard = Meta_ShardInfo()
        shard.id = maxShardID
        group.shards = [shard]
        databases[d].retentionPolicies[r].shardGroups.append(group)
        databases[d].retentionPolicies[r].shardGroups.sort { ($0.startTime, $0.id) < ($1.startTime, $1.id) }
    }
}

/// A shard group as writers and queries see it.
public struct ShardGroupInfo: Sendable, Hashable {
    public var id: UInt64
    /// [start, end) in Unix nanoseconds.
    public var start: Int64
    public var end: Int64
    public var shardIDs: [UInt64]

    init(_ pb: Meta_ShardGroupInfo) {
        id = pb.id
        start = pb.startTime
        end = pb.endTime
        shardIDs = pb.shards.map(\.id)
    }
}

extension MetaClient {
    /// The live shard group of `database`/`policy` containing `timestamp`, if one exists (from
    /// the published snapshot: never waits).
    public func shardGroup(database: String, policy: String, containing timestamp: Int64) -> ShardGroupInfo? {
        snapshot().shardGroup(database: database, policy: policy, containing: timestamp).map(ShardGroupInfo.init)
    }

    /// The shard group for a point at `timestamp`, created on demand (1.x
    /// `CreateShardGroup`, as the points writer calls it). Only a missing group goes through
    /// the committer, which looks again so that concurrent writers create it once.
    public func shardGroup(database: String, policy: String, for timestamp: Int64) async throws(MetaError) -> ShardGroupInfo {
        if let existing = shardGroup(database: database, policy: policy, containing: timestamp) { return existing }
        return try await commit { (d) throws(MetaError) in
            try d.createShardGroup(database: database, policy: policy, timestamp: timestamp)
            guard let group = d.shardGroup(database: database, policy: policy, containing: timestamp) else { throw .shardGroupNotFound }
            return ShardGroupInfo(group)
        }
    }
}

extension Meta_RetentionPolicyInfo {
    /// The live shard groups overlapping `[min, max]` (1.x's `ShardGroupsByTimeRange`): a group
    /// covers `[startTime, endTime)`.
    public func shardGroups(overlapping min: Int64, _ max: Int64) -> [Meta_ShardGroupInfo] {
        shardGroups.filter { $0.deletedAt == 0 && $0.startTime <= max && $0.endTime > min }
    }
}
