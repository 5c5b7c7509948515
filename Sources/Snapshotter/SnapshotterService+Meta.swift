import Meta
import NIOCore
import TSDB

/// The snapshotter's metadata requests.
extension SnapshotterService {
    /// 1.x's node as its `json.Encoder` writes it: the open-source server never sets one, so
    /// `null` (what an offline restore then writes to `node.json`).
    static let nodeJSON = Array("null\n".utf8)

    /// The metastore backup: the magic, the metadata's length and bytes, the node file's
    /// length and bytes (lengths big-endian uint64).
    func metastoreBackup() throws -> [UInt8] {
        let blob = try meta.marshalled()
        var out: [UInt8] = []
        out.reserveCapacity(24 + blob.count + Self.nodeJSON.count)
        Self.appendBigEndian(backupMagicHeader, to: &out)
        Self.appendBigEndian(UInt64(blob.count), to: &out)
        out += blob
        Self.appendBigEndian(UInt64(Self.nodeJSON.count), to: &out)
        out += Self.nodeJSON
        return out
    }

    /// The shards of `database` (every database when empty) that this server holds.
    func databaseInfo(_ database: String) throws -> SnapshotInfo {
        let data = meta.snapshot()
        let databases = database.isEmpty ? data.databases : data.databases.filter { $0.name == database }
        guard !databases.isEmpty || database.isEmpty else { throw RequestError(description: "database not found: \(database)") }
        return SnapshotInfo(paths: databases.flatMap { db in db.retentionPolicies.flatMap(paths) })
    }

    /// The shards of one retention policy that this server holds.
    func retentionPolicyInfo(_ database: String, _ policy: String) throws -> SnapshotInfo {
        let data = meta.snapshot()
        guard let db = data.databases.first(where: { $0.name == database }) else { throw RequestError(description: "database not found: \(database)") }
        guard let rp = db.retentionPolicies.first(where: { $0.name == policy }) else {
            throw RequestError(description: "retention policy not found: \(policy)")
        }
        return SnapshotInfo(paths: paths(rp))
    }

    /// `db/rp/id` of the policy's shards the store holds (a shard never written is skipped, as
    /// 1.x skips shards missing from its store).
    private func paths(_ rp: Meta_RetentionPolicyInfo) -> [String] {
        rp.shardGroups.flatMap { group in
            group.shards.compactMap { shard in store.openShard(shard.id).map { Store.relativePath(of: $0) } }
        }
    }

    /// A live restore's metadata: the backup's metadata (`UploadSize` bytes after the request)
    /// imported, the new databases' shards created, the old → new shard IDs answered. A
    /// refused import answers an empty map (the client then reports "DB metadata not
    /// changed. database may already exist").
    func updateMeta(_ request: SnapshotRequest, reader: inout ConnectionReader, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        guard request.uploadSize >= 0, request.uploadSize <= Self.uploadLimit else {
            try await outbound.write(ByteBuffer(bytes: Self.idMap([])))
            throw RequestError(description: "failed to decode meta: upload size \(request.uploadSize) out of range")
        }
        let bytes = try await reader.bytes(Int(request.uploadSize))
        let imported: (shards: [(old: UInt64, new: UInt64)], databases: [String])
        do throws(MetaError) {
            imported = try await meta.importBackup(bytes, backupDatabase: request.backupDatabase, restoreDatabase: request.restoreDatabase,
                                                   backupPolicy: request.backupRetentionPolicy, restorePolicy: request.restoreRetentionPolicy)
        } catch {
            try await outbound.write(ByteBuffer(bytes: Self.idMap([])))
            throw RequestError(description: error.description)
        }
        let store = self.store
        for database in imported.databases {
            let shards = meta.shards(of: database)
            let failure: String? = await store.blocking {
                for (policy, id) in shards {
                    do throws(StoreError) { _ = try store.shard(id: id, database: database, retentionPolicy: policy) } catch { return error.description }
                }
                return nil
            }
            if let failure { throw RequestError(description: failure) }
        }
        try await outbound.write(ByteBuffer(bytes: Self.idMap(imported.shards)))
    }

    /// The most metadata a restore may upload (1.x reads whatever it is told).
    static let uploadLimit: Int64 = 1 << 30

    /// The ID map answer: the magic, the number of pairs, then each old and new ID.
    static func idMap(_ pairs: [(old: UInt64, new: UInt64)]) -> [UInt8] {
        var out: [UInt8] = []
        appendBigEndian(backupMagicHeader, to: &out)
        appendBigEndian(UInt64(pairs.count), to: &out)
        for (old, new) in pairs {
            appendBigEndian(old, to: &out)
            appendBigEndian(new, to: &out)
        }
        return out
    }

    static func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
