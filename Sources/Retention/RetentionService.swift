import Foundation
import Logging
import Meta
import ServiceLifecycle
import TSDB

/// 1.x's retention policy enforcement service (`[retention]`): every `check-interval` it marks
/// the shard groups past their policy's duration deleted, deletes their shards (and those of
/// groups deleted earlier that are still on disk) from the store, and prunes groups deleted
/// more than two weeks ago from meta.db. The first check runs one interval after start, as 1.x.
public struct RetentionService: Service {
    let meta: MetaClient
    let store: Store
    let checkInterval: Duration
    let logger: Logger

    /// `checkIntervalLiteral` is the interval as 1.x logs it (`30m`).
    public init(meta: MetaClient, store: Store, checkInterval: Duration, checkIntervalLiteral: String, logger: Logger) {
        self.meta = meta
        self.store = store
        self.checkInterval = checkInterval
        var logger = logger
        logger[metadataKey: "service"] = "retention"
        self.logger = logger
        self.checkIntervalLiteral = checkIntervalLiteral
    }

    let checkIntervalLiteral: String

    public func run() async throws {
        logger.info("Starting retention policy enforcement service", metadata: ["check_interval": "\(checkIntervalLiteral)"])
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: checkInterval)
                await check(now: Self.now())
            }
        }
        logger.info("Closing retention policy enforcement service")
    }

    /// Unix nanoseconds.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    /// One check, as 1.x's: mark expired groups deleted, delete the local shards of every
    /// deleted group, prune. Failures are logged and retried at the next check.
    public func check(now: Int64) async {
        var logger = logger
        logger[metadataKey: "op_name"] = "retention_delete_check"
        let began = ContinuousClock.now
        logger.info("Retention policy deletion check (start)", metadata: ["op_event": "start"])
        var retry = false
        // Shards of groups deleted before (a delete that failed is tried again), then of the
        // groups that expire now.
        var doomed: [UInt64: ShardGroupRef] = [:]
        for group in meta.deletedShardGroups() {
            for id in group.shardIDs { doomed[id] = group }
        }
        for group in meta.expiredShardGroups(now: now) {
            let fields: Logger.Metadata = ["db_instance": "\(group.database)", "db_shard_group": "\(group.id)", "db_rp": "\(group.policy)"]
            do throws(MetaError) {
                try await meta.deleteShardGroup(database: group.database, policy: group.policy, id: group.id, now: now)
            } catch {
                logger.info("Failed to delete shard group", metadata: fields.merging(["error": "\(error)"]) { $1 })
                retry = true
                continue
            }
            logger.info("Deleted shard group", metadata: fields)
            for id in group.shardIDs { doomed[id] = group }
        }
        for id in store.shardIDs where doomed[id] != nil {
            let group = doomed[id]!
            await store.deleteShard(id)
            logger.info("Deleted shard", metadata: ["db_instance": "\(group.database)", "db_shard_id": "\(id)", "db_rp": "\(group.policy)"])
        }
        do throws(MetaError) { try await meta.pruneShardGroups(now: now) } catch {
            logger.info("Problem pruning shard groups", metadata: ["error": "\(error)"])
            retry = true
        }
        if retry {
            logger.info("One or more errors occurred during shard deletion and will be retried on the next check",
                        metadata: ["check_interval": "\(checkIntervalLiteral)"])
        }
        let elapsed = ContinuousClock.now - began
        let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("Retention policy deletion check (end)", metadata: ["op_event": "end", "op_elapsed": "\(String(format: "%.3fms", ms))"])
    }
}
