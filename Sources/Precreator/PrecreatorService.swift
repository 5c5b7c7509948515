import Foundation
import Logging
import Meta
import ServiceLifecycle

/// 1.x's shard precreation service (`[shard-precreation]`): every `check-interval` the last
/// shard group of each retention policy that ends within `advance-period` from now gets its
/// successor, so writes at the turn of a group find it made. The first check runs one
/// interval after start, as 1.x.
public struct PrecreatorService: Service {
    let meta: MetaClient
    let checkInterval: Duration
    let advancePeriod: Int64
    let literals: (checkInterval: String, advancePeriod: String)
    let logger: Logger

    /// `advancePeriod` in nanoseconds; the literals are the settings as 1.x logs them (`10m`).
    public init(meta: MetaClient, checkInterval: Duration, advancePeriod: Int64, literals: (checkInterval: String, advancePeriod: String), logger: Logger) {
        self.meta = meta
        self.checkInterval = checkInterval
        self.advancePeriod = advancePeriod
        self.literals = literals
        var logger = logger
        logger[metadataKey: "service"] = "shard-precreation"
        self.logger = logger
    }

    public func run() async throws {
        logger.info("Starting precreation service",
                    metadata: ["check_interval": "\(literals.checkInterval)", "advance_period": "\(literals.advancePeriod)"])
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: checkInterval)
                await precreate(now: Int64(Date().timeIntervalSince1970 * 1e9))
            }
        }
        logger.info("Terminating precreation service")
    }

    /// One check at `now` (Unix ns): successors for groups ending in (now, now + advance-period).
    public func precreate(now: Int64) async {
        let (cutoff, overflow) = now.addingReportingOverflow(advancePeriod)
        let results: [Precreation]
        do throws(MetaError) {
            results = try await meta.precreateShardGroups(from: now, to: overflow ? .max : cutoff)
        } catch {
            logger.info("Failed to precreate shards", metadata: ["error": "\(error)"])
            return
        }
        var metaLogger = logger
        metaLogger[metadataKey: "service"] = "metaclient"
        for result in results {
            let fields: Logger.Metadata = ["db_shard_group": "\(result.group)", "db_instance": "\(result.database)", "db_rp": "\(result.policy)"]
            if let error = result.error {
                metaLogger.info("Failed to precreate successive shard group", metadata: ["group_id": "\(result.after)", "error": "\(error)"])
            } else if result.created {
                metaLogger.info("New shard group successfully precreated", metadata: fields)
            } else {
                metaLogger.info("Shard group already exists", metadata: fields)
            }
        }
    }
}
