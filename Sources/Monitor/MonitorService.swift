import Coordinator
import LineProtocol
import Logging
import ServiceLifecycle

/// 1.x's monitor service (`[monitor]`): with `store-enabled`, every `store-interval` (on the
/// interval's wall-clock boundaries) it writes every component's statistics to
/// `store-database`, one point per statistic stamped with the boundary.
///
/// The loop runs in its own task: gathering reads atomics and the write goes through the
/// points writer like any client's, so it never holds up a write or a query.
public struct MonitorService: Service {
    let monitor: Monitor
    /// nil when `store-enabled` is off: the service then only holds its place in the order.
    let store: StatisticsStore?
    let interval: Int64
    let intervalLiteral: String
    let logger: Logger

    public init(monitor: Monitor, store: StatisticsStore?, intervalNanoseconds: Int64, intervalLiteral: String, logger: Logger) {
        self.monitor = monitor
        self.store = store
        self.interval = max(1, intervalNanoseconds)
        self.intervalLiteral = intervalLiteral
        var logger = logger
        logger[metadataKey: "service"] = "monitor"
        self.logger = logger
    }

    public func run() async throws {
        logger.info("Starting monitor service")
        defer { logger.info("Shutting down monitor service") }
        guard let store else {
            try? await gracefulShutdown()
            return
        }
        logger.info("Storing statistics", metadata: ["db_instance": "\(store.database)", "db_rp": "\(StatisticsStore.retentionPolicy)",
                                                     "interval": "\(intervalLiteral)"])
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // The next boundary of the interval, as 1.x's ticker started on one.
                let now = PointsWriter.wallClock()
                let next = (now / interval + 1) * interval
                try await Task.sleep(for: .nanoseconds(next - now))
                await store.write(monitor.statistics(), time: next)
            }
        }
        logger.info("Terminating storage of statistics")
    }
}
