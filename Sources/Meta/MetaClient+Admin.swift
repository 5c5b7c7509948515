import Foundation

/// The settings of `CREATE DATABASE … WITH …` (1.x `RetentionPolicySpec`): nil means "not given".
public struct RetentionPolicySpec: Sendable, Hashable {
    public var name: String
    public var duration: Int64?
    public var replicaN: Int?
    public var shardGroupDuration: Int64

    public init(name: String = "", duration: Int64? = nil, replicaN: Int? = nil, shardGroupDuration: Int64 = 0) {
        self.name = name
        self.duration = duration
        self.replicaN = replicaN
        self.shardGroupDuration = shardGroupDuration
    }

    /// 1.x's `Matches`: every given setting equals the policy's (shard duration normalised).
    func matches(_ rp: Meta_RetentionPolicyInfo?) -> Bool {
        guard let rp else { return false }
        if !name.isEmpty && name != rp.name { return false }
        if let duration, duration != rp.duration { return false }
        if let replicaN, UInt32(clamping: replicaN) != rp.replicaN || replicaN < 0 { return false }
        return Meta_Data.normalisedShardDuration(shardGroupDuration, duration: rp.duration) == rp.shardGroupDuration
    }
}

extension MetaClient {
    /// `CREATE DATABASE … WITH …` (1.x `CreateDatabaseWithRetentionPolicy`): the policy becomes
    /// the default of a new database; on an existing one it must match its default policy.
    @discardableResult
    public func createDatabase(_ name: String, policy spec: RetentionPolicySpec) async throws(MetaError) -> DatabaseInfo {
        if let duration = spec.duration, duration != 0, duration < Meta_Data.minRetentionPolicyDuration {
            throw .retentionPolicyDurationTooLow
        }
        let rpName = spec.name.isEmpty ? "autogen" : spec.name
        return try await commit { (d) throws(MetaError) in
            if d.databaseIndex(name) == nil { try d.createDatabase(name) }
            let i = d.databaseIndex(name)!
            if d.databases[i].retentionPolicies.isEmpty {
                try d.createRetentionPolicy(database: name, name: rpName, duration: spec.duration ?? 0,
                                            shardGroupDuration: spec.shardGroupDuration, replicaN: spec.replicaN ?? 1, makeDefault: true)
            } else if !spec.matches(d.databases[i].retentionPolicies.first { $0.name == rpName }) {
                throw .retentionPolicyConflict
            }
            if d.databases[i].defaultRetentionPolicy != rpName { throw .retentionPolicyConflict }
            return DatabaseInfo(d.databases[i])
        }
    }

    /// `DROP SHARD`: removes the shard; a group left without shards is marked deleted.
    public func dropShard(_ id: UInt64) async throws(MetaError) {
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        try await commit { (d) throws(MetaError) in
            for di in d.databases.indices {
                for ri in d.databases[di].retentionPolicies.indices {
                    for gi in d.databases[di].retentionPolicies[ri].shardGroups.indices {
                        let shards = d.databases[di].retentionPolicies[ri].shardGroups[gi].shards
                        guard let si = shards.firstIndex(where: { $0.id == id }) else { continue }
                        d.databases[di].retentionPolicies[ri].shardGroups[gi].shards.remove(at: si)
                        if shards.count == 1 { d.databases[di].retentionPolicies[ri].shardGroups[gi].deletedAt = now }
                        return
                    }
                }
            }
        }
    }

    /// The user's privilege on `database` (0 when none): 1.x `UserPrivilege`.
    public func userPrivilege(user name: String, database: String) throws(MetaError) -> Int32 {
        guard let u = user(named: name) else { throw .userNotFound }
        return u.privileges.first { $0.database == database }?.privilege ?? 0
    }

    /// The user called `name`, if any.
    public func user(_ name: String) -> UserInfo? { user(named: name).map(UserInfo.init) }

    /// How many users exist (with none, 1.x's auth lets only `CREATE USER … WITH ALL PRIVILEGES` through).
    public func userCount() -> Int { snapshot().users.count }

    /// The ids of every shard of `database` (all policies), for dropping a database's files.
    public func shardIDs(database: String, policy: String? = nil) -> [UInt64] {
        guard let db = snapshot().databases.first(where: { $0.name == database }) else { return [] }
        return db.retentionPolicies.filter { policy == nil || $0.name == policy }
            .flatMap { $0.shardGroups.flatMap { $0.shards.map(\.id) } }
    }
}

extension UserInfo {
    /// 1.x `AuthorizeDatabase`: admins and "no privileges" always pass; otherwise the stored
    /// privilege must be the one asked for or ALL (3).
    public func authorizeDatabase(_ privilege: Int32, _ database: String) -> Bool {
        if admin || privilege == 0 { return true }
        guard let p = privileges[database] else { return false }
        return p == privilege || p == 3
    }
}
