// libFuzzer entry for `meta.db` (Spec/meta-db.md): a file's bytes, decoded as MetaClient loads
// them, then the metadata work the server does with what it loaded. Properties checked on
// every input:
//   1. decoding never crashes, traps or recurses without bound, and a protobuf length is never
//      trusted past the bytes there (the fuzzer's malloc limit would catch it);
//   2. a decoded message, encoded again, decodes to the same message;
//   3. nothing the server runs over loaded metadata traps: listing databases, policies and
//      users, expiry, pruning and precreation of shard groups, and the shard group for a write
//      at a time taken from the input — which, once created, holds that time (a group without
//      shards, which only a damaged file has, is the points writer's error: PointsWriterTests).
// Built by run.sh with Sources/Meta (see tools/fuzz/README.md).
import SwiftProtobuf

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetaDB(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let decoded = try? Meta_Data(serializedBytes: bytes) else { return 0 }
    let encoded: [UInt8]
    do { encoded = try decoded.serializedBytes() } catch { fatalError("a decoded message does not encode: \(error)") }
    guard let again = try? Meta_Data(serializedBytes: encoded), again == decoded else { fatalError("the message decodes differently") }

    _ = decoded.databases.map(DatabaseInfo.init)
    _ = decoded.users.map(UserInfo.init)
    // A time from the input: what a write or the services could ask about.
    let t = bytes.suffix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    for now in [t, 1_600_000_000_000_000_000] {
        _ = decoded.expiredShardGroups(now: now)
        _ = decoded.deletedShardGroups()
        var pruned = decoded
        _ = pruned.pruneShardGroups(now: now)
        var precreated = decoded
        _ = precreated.precreateShardGroups(from: now, to: now &+ 30 * 60 * 1_000_000_000)
    }
    for database in decoded.databases {
        for policy in database.retentionPolicies {
            _ = policy.shardGroups(overlapping: t, t)
            var written = decoded
            do throws(MetaError) {
                try written.createShardGroup(database: database.name, policy: policy.name, timestamp: t)
            } catch {
                continue
            }
            guard written.shardGroup(database: database.name, policy: policy.name, containing: t) != nil else {
                fatalError("no shard group holds \(t) after creating it (shard group duration \(policy.shardGroupDuration))")
            }
        }
    }
    return 0
}

/// `precondition` that also says why in optimised builds (where precondition only traps).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
