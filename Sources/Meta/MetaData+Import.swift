import SwiftProtobuf

/// 1.x's `Data.ImportData`: what a live restore (`restore -portable`, `-online`) adds to the
/// metadata from a backup's (services/meta/data.go).
extension Meta_Data {
    /// Why an import was refused; the texts are 1.x's.
    public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Adds database `backupDatabase` of `other` as `restoreDatabase` (the same name when
    /// empty), or every database of `other` but `_internal` when `backupDatabase` is empty.
    /// With `backupPolicy`, only that policy comes, renamed `restorePolicy` (or kept) and made
    /// the default. Shard groups and shards get new IDs from this metadata's counters, in the
    /// backup's order. Returns the old → new shard IDs and the databases created. A database
    /// that exists already refuses the import (nothing is changed: the caller works on a copy).
    mutating func importData(_ other: Meta_Data, backupDatabase: String, restoreDatabase: String,
                             backupPolicy: String, restorePolicy: String) throws(ImportError) -> (shards: [(old: UInt64, new: UInt64)], databases: [String]) {
        var shards: [(old: UInt64, new: UInt64)] = []
        if !backupDatabase.isEmpty {
            let name = try importDatabase(other, backupDatabase, restoreDatabase, backupPolicy, restorePolicy, &shards)
            return (shards, [name])
        }
        var created: [String] = []
        for db in other.databases where db.name != "_internal" {
            created.append(try importDatabase(other, db.name, "", "", "", &shards))
        }
        return (shards, created)
    }

    private mutating func importDatabase(_ other: Meta_Data, _ backupDatabase: String, _ restoreDatabase: String, _ backupPolicy: String,
                                         _ restorePolicy: String, _ shards: inout [(old: UInt64, new: UInt64)]) throws(ImportError) -> String {
        guard let source = other.databases.first(where: { $0.name == backupDatabase }) else {
            // 1.x's spelling.
            throw ImportError(description: "imported metadata does not have datbase named \(backupDatabase)")
        }
        let name = restoreDatabase.isEmpty ? backupDatabase : restoreDatabase
        guard databaseIndex(name) == nil else { throw ImportError(description: "database already exists") }
        do throws(MetaError) { try createDatabase(name) } catch { throw ImportError(description: error.description) }
        var imported = databases[databaseIndex(name)!]
        if !backupPolicy.isEmpty {
            guard var policy = source.retentionPolicies.first(where: { $0.name == backupPolicy }) else {
                throw ImportError(description: "retention Policy not found in meta backup: \(backupDatabase).\(backupPolicy)")
            }
            policy.name = restorePolicy.isEmpty ? backupPolicy : restorePolicy
            imported.retentionPolicies = [policy]
            imported.defaultRetentionPolicy = policy.name
        } else {
            imported.defaultRetentionPolicy = source.defaultRetentionPolicy
            imported.retentionPolicies = source.retentionPolicies
        }
        for p in imported.retentionPolicies.indices {
            for g in imported.retentionPolicies[p].shardGroups.indices {
                maxShardGroupID &+= 1
                imported.retentionPolicies[p].shardGroups[g].id = maxShardGroupID
                for s in imported.retentionPolicies[p].shardGroups[g].shards.indices {
                    maxShardID &+= 1
                    shards.append((imported.retentionPolicies[p].shardGroups[g].shards[s].id, maxShardID))
                    imported.retentionPolicies[p].shardGroups[g].shards[s].id = maxShardID
                    // Enterprise's owners mean nothing here (1.x clears them too).
                    imported.retentionPolicies[p].shardGroups[g].shards[s].owners = []
                }
            }
        }
        databases[databaseIndex(name)!] = imported
        return name
    }
}

extension MetaClient {
    /// The metadata as 1.x's `MarshalBinary` gives it (what meta.db and a meta backup hold).
    public func marshalled() throws(MetaError) -> [UInt8] {
        do { return try snapshot().serializedBytes() } catch { throw .io("encode: \(error)") }
    }

    /// A live restore's metadata step (1.x's `updateMetaStore`): imports from the backup's
    /// serialized metadata and returns the shard ID map and the databases created.
    public func importBackup(_ bytes: [UInt8], backupDatabase: String, restoreDatabase: String, backupPolicy: String,
                             restorePolicy: String) async throws(MetaError) -> (shards: [(old: UInt64, new: UInt64)], databases: [String]) {
        let other: Meta_Data
        do { other = try Meta_Data(serializedBytes: bytes) } catch { throw .io("failed to decode meta: \(error)") }
        return try await commit { (d) throws(MetaError) in
            do throws(Meta_Data.ImportError) {
                return try d.importData(other, backupDatabase: backupDatabase, restoreDatabase: restoreDatabase,
                                        backupPolicy: backupPolicy, restorePolicy: restorePolicy)
            } catch {
                throw .io(error.description)
            }
        }
    }

    /// Every shard of `database` with its retention policy (deleted groups included, as 1.x's
    /// restore creates them all).
    public func shards(of database: String) -> [(policy: String, id: UInt64)] {
        let data = snapshot()
        guard let i = data.databaseIndex(database) else { return [] }
        return data.databases[i].retentionPolicies.flatMap { rp in rp.shardGroups.flatMap { $0.shards.map { (rp.name, $0.id) } } }
    }
}
