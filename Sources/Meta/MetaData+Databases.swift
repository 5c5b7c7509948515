/// 1.x's rules for databases and retention policies on the persisted metadata
/// (`services/meta/data.go`), applied to the protobuf message itself so that what is stored
/// is exactly what 1.x stores.
extension Meta_Data {
    /// 1.x's `MaxNameLen`.
    static let maxNameLength = 255
    /// 1.x's `MinRetentionPolicyDuration` (1 h), ns.
    static let minRetentionPolicyDuration: Int64 = 3_600_000_000_000
    static let day: Int64 = 86_400_000_000_000

    /// The index of database `name`.
    func databaseIndex(_ name: String) -> Int? { databases.firstIndex { $0.name == name } }

    /// Adds database `name` (no-op if it exists).
    mutating func createDatabase(_ name: String) throws(MetaError) {
        guard !name.isEmpty else { throw .databaseNameRequired }
        guard name.utf8.count <= Self.maxNameLength else { throw .nameTooLong }
        if databaseIndex(name) != nil { return }
        var db = Meta_DatabaseInfo()
        db.name = name
        db.defaultRetentionPolicy = ""  // required in the schema, empty until a policy is the default
        databases.append(db)
    }

    /// Removes database `name` and every user privilege on it (no-op if missing).
    mutating func dropDatabase(_ name: String) {
        guard let i = databaseIndex(name) else { return }
        databases.remove(at: i)
        for u in users.indices { users[u].privileges.removeAll { $0.database == name } }
    }

    /// 1.x's shard group duration for a retention policy duration: 7 d for ≥ 180 d or
    /// infinite, 1 d for ≥ 2 d, else 1 h.
    static func shardGroupDuration(for duration: Int64) -> Int64 {
        if duration >= 180 * day || duration == 0 { return 7 * day }
        if duration >= 2 * day { return day }
        return 3_600_000_000_000
    }

    /// A requested shard group duration as 1.x normalises it.
    static func normalisedShardDuration(_ requested: Int64, duration: Int64) -> Int64 {
        if requested == 0 { return shardGroupDuration(for: duration) }
        if requested < minRetentionPolicyDuration { return shardGroupDuration(for: minRetentionPolicyDuration) }
        return requested
    }

    /// Adds a retention policy (1.x `CreateRetentionPolicy`): an identical existing one is
    /// accepted, a different one is `retention policy already exists`.
    mutating func createRetentionPolicy(database: String, name: String, duration: Int64, shardGroupDuration requested: Int64, replicaN: Int, makeDefault: Bool) throws(MetaError) {
        guard !name.isEmpty else { throw .retentionPolicyNameRequired }
        guard name.utf8.count <= Self.maxNameLength else { throw .nameTooLong }
        guard replicaN >= 1 else { throw .replicationFactorTooLow }
        let sgd = Self.normalisedShardDuration(requested, duration: duration)
        if duration > 0 && duration < sgd { throw .incompatibleDurations }
        guard let d = databaseIndex(database) else { throw .databaseNotFound(database) }
        if let existing = databases[d].retentionPolicies.first(where: { $0.name == name }) {
            if existing.replicaN != UInt32(replicaN) || existing.duration != duration || existing.shardGroupDuration != sgd {
                throw .retentionPolicyExists
            }
            if makeDefault && databases[d].defaultRetentionPolicy != name { throw .retentionPolicyConflict }
            return
        }
        var rp = Meta_RetentionPolicyInfo()
        rp.name = name
        rp.duration = duration
        rp.shardGroupDuration = sgd
        rp.replicaN = UInt32(replicaN)
        databases[d].retentionPolicies.append(rp)
        if makeDefault { databases[d].defaultRetentionPolicy = name }
    }

    /// Removes a retention policy (missing database or policy: no-op, as 1.x's `DropRetentionPolicy`).
    mutating func dropRetentionPolicy(database: String, name: String) {
        guard let d = databaseIndex(database) else { return }
        databases[d].retentionPolicies.removeAll { $0.name == name }
    }

    /// 1.x's `UpdateRetentionPolicy` (`ALTER RETENTION POLICY`): only the given settings change.
    mutating func updateRetentionPolicy(database: String, name: String, duration: Int64?, shardGroupDuration: Int64?, replicaN: Int?, makeDefault: Bool) throws(MetaError) {
        guard let d = databaseIndex(database) else { throw .databaseNotFound(database) }
        guard let r = databases[d].retentionPolicies.firstIndex(where: { $0.name == name }) else { throw .retentionPolicyNotFound(name) }
        var rp = databases[d].retentionPolicies[r]
        if let duration, duration < Self.minRetentionPolicyDuration && duration != 0 { throw .retentionPolicyDurationTooLow }
        if let duration, duration > 0, duration < (shardGroupDuration ?? rp.shardGroupDuration) { throw .incompatibleDurations }
        if duration == nil, rp.duration > 0, let sgd = shardGroupDuration, rp.duration < sgd { throw .incompatibleDurations }
        if let duration { rp.duration = duration }
        if let replicaN { rp.replicaN = UInt32(replicaN) }
        if let shardGroupDuration { rp.shardGroupDuration = Self.normalisedShardDuration(shardGroupDuration, duration: rp.duration) }
        databases[d].retentionPolicies[r] = rp
        if makeDefault { databases[d].defaultRetentionPolicy = rp.name }
    }
}
