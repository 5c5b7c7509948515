/// Shard group expiry, pruning and precreation: the metadata side of the retention and shard
/// precreation services (1.x `services/meta/data.go` and `client.go`).
extension Meta_Data {
    /// 1.x's `ShardGroupDeletedExpiration`: a deleted group stays in meta.db two weeks.
    static let deletedGroupsKept: Int64 = 14 * 24 * 3600 * 1_000_000_000

    /// Groups not yet deleted whose end plus their policy's duration is before `now`
    /// (1.x `ExpiredShardGroups`; an infinite policy, duration 0, never expires).
    func expiredShardGroups(now: Int64) -> [ShardGroupRef] {
        groups { rp, g in
            guard rp.duration != 0, g.deletedAt == 0 else { return false }
            let (expiry, overflow) = g.endTime.addingReportingOverflow(rp.duration)
            return !overflow && expiry < now
        }
    }

    /// Groups marked deleted and not yet pruned (their shards are deleted again if still here).
    func deletedShardGroups() -> [ShardGroupRef] {
        groups { _, g in g.deletedAt != 0 }
    }

    private func groups(where matches: (Meta_RetentionPolicyInfo, Meta_ShardGroupInfo) -> Bool) -> [ShardGroupRef] {
        var out: [ShardGroupRef] = []
        for d in databases {
            for rp in d.retentionPolicies {
                for g in rp.shardGroups where matches(rp, g) {
                    out.append(ShardGroupRef(database: d.name, policy: rp.name, id: g.id, shardIDs: g.shards.map(\.id)))
                }
            }
        }
        return out
    }

    /// Marks a group deleted at `now` (1.x `DeleteShardGroup`: even one deleted already).
    mutating func deleteShardGroup(database: String, policy: String, id: UInt64, now: Int64) throws(MetaError) {
        guard let d = databaseIndex(database) else { throw .databaseNotFound(database) }
        guard let r = databases[d].retentionPolicies.firstIndex(where: { $0.name == policy }) else { throw .retentionPolicyNotFound(policy) }
        guard let g = databases[d].retentionPolicies[r].shardGroups.firstIndex(where: { $0.id == id }) else { throw .shardGroupNotFound }
        databases[d].retentionPolicies[r].shardGroups[g].deletedAt = now
    }

    /// Removes groups deleted more than two weeks before `now` (1.x `PruneShardGroups`);
    /// returns whether anything went.
    mutating func pruneShardGroups(now: Int64) -> Bool {
        let cutoff = now &- Self.deletedGroupsKept
        var changed = false
        for d in databases.indices {
            for r in databases[d].retentionPolicies.indices {
                let before = databases[d].retentionPolicies[r].shardGroups.count
                databases[d].retentionPolicies[r].shardGroups.removeAll { $0.deletedAt != 0 && $0.deletedAt < cutoff }
                changed = changed || databases[d].retentionPolicies[r].shardGroups.count != before
            }
        }
        return changed
    }

    /// 1.x `PrecreateShardGroups(from, to)`: the last group of each policy, when live and
    /// ending strictly between `from` and `to`, gets the group that follows it.
    mutating func precreateShardGroups(from: Int64, to: Int64) -> [Precreation] {
        var out: [Precreation] = []
        for d in databases.indices {
            for r in databases[d].retentionPolicies.indices {
                let rp = databases[d].retentionPolicies[r]
                // 1.x keeps groups sorted by end time; the last to end is the one it looks at.
                guard let last = rp.shardGroups.max(by: { ($0.endTime, $0.startTime) < ($1.endTime, $1.startTime) }),
                      last.deletedAt == 0, last.endTime < to, last.endTime > from, last.endTime < Self.maxNanoTime else { continue }
                let next = last.endTime + 1
                let name = databases[d].name
                if let existing = shardGroup(database: name, policy: rp.name, containing: next) {
                    out.append(Precreation(database: name, policy: rp.name, after: last.id, group: existing.id, created: false))
                    continue
                }
                do throws(MetaError) {
                    try createShardGroup(database: name, policy: rp.name, timestamp: next)
                    let created = shardGroup(database: name, policy: rp.name, containing: next)?.id ?? 0
                    out.append(Precreation(database: name, policy: rp.name, after: last.id, group: created, created: true))
                } catch {
                    out.append(Precreation(database: name, policy: rp.name, after: last.id, group: 0, created: false, error: error))
                }
            }
        }
        return out
    }
}

/// A shard group named by its database and retention policy, with its shards.
public struct ShardGroupRef: Sendable, Hashable {
    public var database: String
    public var policy: String
    public var id: UInt64
    public var shardIDs: [UInt64]
}

/// What precreation did for one retention policy.
public struct Precreation: Sendable, Hashable {
    public var database: String
    public var policy: String
    /// The group whose successor was wanted.
    public var after: UInt64
    /// The successor (new, or found already there); 0 when creating it failed.
    public var group: UInt64
    public var created: Bool
    public var error: MetaError?
}

extension MetaClient {
    /// Live groups past their policy's duration at `now` (Unix ns), from the published snapshot.
    public func expiredShardGroups(now: Int64) -> [ShardGroupRef] { snapshot().expiredShardGroups(now: now) }

    /// Groups marked deleted and not yet pruned.
    public func deletedShardGroups() -> [ShardGroupRef] { snapshot().deletedShardGroups() }

    /// Marks a shard group deleted (1.x `DeleteShardGroup`): no longer listed, written to or read.
    public func deleteShardGroup(database: String, policy: String, id: UInt64, now: Int64) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in try d.deleteShardGroup(database: database, policy: policy, id: id, now: now) }
    }

    /// Forgets groups deleted more than two weeks ago; saves meta.db only when one went.
    public func pruneShardGroups(now: Int64) async throws(MetaError) {
        var probe = snapshot()
        guard probe.pruneShardGroups(now: now) else { return }
        _ = try await commit { (d) throws(MetaError) in d.pruneShardGroups(now: now) }
    }

    /// Creates the next shard group of every policy whose last group ends in (`from`, `to`).
    public func precreateShardGroups(from: Int64, to: Int64) async throws(MetaError) -> [Precreation] {
        var probe = snapshot()
        let preview = probe.precreateShardGroups(from: from, to: to)
        guard preview.contains(where: \.created) else { return preview }
        return try await commit { (d) throws(MetaError) in d.precreateShardGroups(from: from, to: to) }
    }
}
