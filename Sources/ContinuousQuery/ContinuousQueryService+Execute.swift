import Coordinator
import InfluxQL
import LineProtocol
import Logging
import Meta
import Monitor
import Query
import Synchronization
import TSDB
import GoText

extension ContinuousQueryService {
    /// 1.x's `ExecuteContinuousQuery`: nil when the CQ is not due or its window is empty.
    func execute(_ name: String, _ text: String, database: String, defaultPolicy: String, now: Int64) async throws(ContinuousQueryError) -> ContinuousQueryRun? {
        var cq = try ScheduledQuery(database: database, name: name, query: text)
        let id = database + "\u{1F}" + name
        let lastRun = state.lastRuns.withLock { $0[id] }
        if cq.select.target?.retentionPolicy.isEmpty == true { cq.select.target?.retentionPolicy = defaultPolicy }
        guard let plan = try cq.plan(now: now, lastRun: lastRun) else { return nil }
        // Remembered before running: a failed run is not retried until it is due again.
        state.lastRuns.withLock { $0[id] = plan.lastRun }
        guard let window = plan.window else { return nil }
        do throws(ParseError) { try cq.select.setTimeRange(start: window.start, end: window.end) } catch {
            throw ContinuousQueryError("unable to set time range: \(error)")
        }

        let began = ContinuousClock.now
        var log = logger
        let range: Logger.Metadata = ["name": "\(name)", "db_instance": "\(database)",
                                      "start": "\(LogText.time(window.start))", "end": "\(LogText.time(window.end))"]
        if logEnabled {
            log[metadataKey: "op_name"] = "continuous_querier_execute"
            log.info("Continuous query execution (start)", metadata: ["op_event": "start"])
            log.info("Executing continuous query", metadata: range)
        }
        // 1.x logs the operation's end however it finishes, before the caller logs an error.
        defer {
            if logEnabled {
                log.info("Continuous query execution (end)", metadata: ["op_event": "end", "op_elapsed": "\(LogText.milliseconds(ContinuousClock.now - began))"])
            }
        }

        let results = await queryExecutor.execute(InfluxQL.Query(statements: [.select(cq.select)]), options: ExecutionOptions(database: database))
        if let error = results.first?.error { throw ContinuousQueryError(error) }
        let elapsed = ContinuousClock.now - began
        var written: Int64 = -1
        if let series = results.first?.series, series.count == 1, series[0].values.count == 1, series[0].values[0].count > 1,
           case .integer(let n) = series[0].values[0][1] {
            written = n
        }
        if logEnabled {
            log.info("Finished continuous query", metadata: range.merging(["written": "\(written)", "duration": "\(LogText.durationLiteral(elapsed))"]) { $1 })
        }
        if queryStatsEnabled, let store = statisticsStore {
            await writeStatistics(to: store, cq: name, database: database, window: window, elapsed: elapsed, written: written)
        }
        return ContinuousQueryRun(database: database, name: name, start: window.start, end: window.end, written: written)
    }

    /// 1.x's `cq_query` point, written through the monitor's store (which adds the global
    /// `hostname` tag and creates the store's database with the `monitor` policy when missing).
    private func writeStatistics(to store: StatisticsStore, cq: String, database: String, window: ScheduledQuery.Window,
                                 elapsed: Swift.Duration, written: Int64) async {
        let statistic = Statistic(name: "cq_query", tags: ["cq": cq, "db": database],
                                  values: ["durationNs": .integer(elapsed.nanosecondCount), "endTime": .integer(window.end),
                                           "pointsWrittenOK": .integer(written), "startTime": .integer(window.start)])
        // Stamped with the time it ran, not a store boundary (1.x: time.Now()).
        await store.write([statistic], time: PointsWriter.wallClock())
    }
}
