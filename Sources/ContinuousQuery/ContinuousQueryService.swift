import Coordinator
import LineProtocol
import Logging
import Meta
import Monitor
import Query
import ServiceLifecycle
import Synchronization

/// 1.x's continuous query service (`[continuous_queries]`): every `run-interval` each stored
/// CQ that is due runs its SELECT … INTO over the time range 1.x computes from its GROUP BY
/// time interval and offset and its RESAMPLE EVERY / FOR options. When each CQ last ran is
/// kept in memory only, so after a restart every CQ runs at the first check, as in 1.x.
/// The first check runs one interval after start.
public struct ContinuousQueryService: Service, StatisticsReporter {
    let meta: MetaClient
    let queryExecutor: QueryExecutor
    let logEnabled: Bool
    let queryStatsEnabled: Bool
    let runInterval: Swift.Duration
    let statisticsStore: StatisticsStore?
    let logger: Logger
    let state = State()

    /// `logEnabled` and `queryStatsEnabled` are `log-enabled` and `query-stats-enabled`;
    /// `statisticsStore` is nil when `[monitor] store-enabled` is off.
    public init(meta: MetaClient, queryExecutor: QueryExecutor, logEnabled: Bool, queryStatsEnabled: Bool, runInterval: Swift.Duration,
                statisticsStore: StatisticsStore? = nil, logger: Logger) {
        self.meta = meta
        self.queryExecutor = queryExecutor
        self.logEnabled = logEnabled
        self.queryStatsEnabled = queryStatsEnabled
        self.runInterval = runInterval
        self.statisticsStore = statisticsStore
        var logger = logger
        logger[metadataKey: "service"] = "continuous_querier"
        self.logger = logger
    }

    /// Checks every `run-interval` until graceful shutdown.
    public func run() async throws {
        logger.info("Starting continuous query service")
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: runInterval)
                // As 1.x's Close, shutdown waits for a pass under way: the pass runs in a task
                // of its own so that the shutdown's cancellation does not interrupt its queries.
                let pass = Task { await runContinuousQueries(now: PointsWriter.wallClock()) }
                _ = await pass.value
            }
        }
        logger.info("Terminating continuous query service")
    }

    /// `cq` statistics (1.x's `queryOk`, `queryFail`): runs that executed and runs that failed.
    public var statistics: ContinuousQueryStatistics {
        ContinuousQueryStatistics(queryOK: state.queryOK.load(ordering: .relaxed), queryFail: state.queryFail.load(ordering: .relaxed))
    }

    public func statistics(tags: [String: String]) -> [Statistic] {
        let now = statistics
        return [Statistic(name: "cq", tags: tags, values: ["queryOk": .integer(now.queryOK), "queryFail": .integer(now.queryFail)])]
    }

    /// One pass at `now` (Unix ns), as 1.x's `runContinuousQueries`: each CQ of each database
    /// in meta order runs if due; a failure is logged and counted and the pass goes on.
    /// Returns the runs that executed.
    @discardableResult
    public func runContinuousQueries(now: Int64) async -> [ContinuousQueryRun] {
        let databases = meta.snapshot().databases
        guard databases.contains(where: { !$0.continuousQueries.isEmpty }) else { return [] }
        var runs: [ContinuousQueryRun] = []
        for db in databases {
            for cq in db.continuousQueries {
                do throws(ContinuousQueryError) {
                    if let run = try await execute(cq.name, cq.query, database: db.name, defaultPolicy: db.defaultRetentionPolicy, now: now) {
                        runs.append(run)
                        state.queryOK.add(1, ordering: .relaxed)
                    }
                } catch {
                    logger.info("Error executing query", metadata: ["query": "\(cq.query)", "error": "\(error)"])
                    state.queryFail.add(1, ordering: .relaxed)
                }
            }
        }
        return runs
    }

    /// The mutable part: when each CQ last ran, and the counters.
    final class State: Sendable {
        /// Keyed by database and CQ name joined with 1.x's unit separator.
        let lastRuns = Mutex<[String: Int64]>([:])
        let queryOK = Atomic<Int64>(0)
        let queryFail = Atomic<Int64>(0)
    }
}

/// The `cq` statistics of 1.x's `SHOW STATS`.
public struct ContinuousQueryStatistics: Sendable, Hashable {
    public var queryOK: Int64
    public var queryFail: Int64

    public init(queryOK: Int64, queryFail: Int64) {
        self.queryOK = queryOK
        self.queryFail = queryFail
    }
}

/// One continuous query a pass ran: its time range and how many points it wrote.
public struct ContinuousQueryRun: Sendable, Hashable {
    public var database: String
    public var name: String
    /// The `[start, end)` range the SELECT read (Unix ns).
    public var start: Int64
    public var end: Int64
    /// Points written into the target; -1 when the result carried no count (as 1.x logs it).
    public var written: Int64

    public init(database: String, name: String, start: Int64, end: Int64, written: Int64) {
        self.database = database
        self.name = name
        self.start = start
        self.end = end
        self.written = written
    }
}
