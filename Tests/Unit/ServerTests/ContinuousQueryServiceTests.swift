import Coordinator
import Foundation
import InfluxQL
import LineProtocol
import Logging
import Meta
import Monitor
import Precreator
import Query
import Retention
import Server
import Snapshotter
import Synchronization
import TSDB
import Testing
@testable import ContinuousQuery

/// The continuous query service on a real meta, store, points writer and query executor,
/// with the clock passed in: which passes run a CQ, over which `[start, end)` range, and what
/// lands in the INTO measurement — the schedule of 1.x's `services/continuous_querier`,
/// worked out by hand from its rules for each case below.
@Suite struct ContinuousQueryServiceTests {
    static let minute: Int64 = 60_000_000_000
    /// 2021-01-01T00:00:00Z, a Friday. The data: `cpu,host=a value=m` and
    /// `mem,host=b value=1000+m` at each minute m of the first four hours.
    static let t0: Int64 = 1_609_459_200_000_000_000
    static let dataMinutes: Int64 = 240

    struct Env {
        let meta: MetaClient
        let store: Store
        let writer: PointsWriter
        let executor: QueryExecutor
        let root: String

        func query(_ text: String) async throws -> StatementResult {
            let results = await executor.execute(try Parser.parseQuery(text), options: ExecutionOptions(database: "db"))
            return try #require(results.first)
        }

        func service(logEnabled: Bool = false, queryStatsEnabled: Bool = false, logger: Logger = Logger(label: "test")) -> ContinuousQueryService {
            ContinuousQueryService(meta: meta, queryExecutor: executor, logEnabled: logEnabled, queryStatsEnabled: queryStatsEnabled,
                                   runInterval: .seconds(1),
                                   statisticsStore: StatisticsStore(database: "_internal", globalTags: ["hostname": "testhost"], meta: meta,
                                                                    pointsWriter: writer, logger: logger),
                                   logger: logger)
        }
    }

    static func setUp() async throws -> Env {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-cq-\(UUID())").path
        let meta = MetaClient()
        try await meta.createDatabase("db")
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        let writer = PointsWriter(meta: meta, store: store)
        var lines: [String] = []
        for m in 0..<dataMinutes {
            lines.append("cpu,host=a value=\(m) \(t0 + m * minute)")
            lines.append("mem,host=b value=\(1000 + m) \(t0 + m * minute)")
        }
        let points = LineProtocolParser.parse(Array(lines.joined(separator: "\n").utf8), options: ParseOptions(defaultTime: 0)).points
        try await writer.writePoints(database: "db", retentionPolicy: "", points: points)
        let env = Env(meta: meta, store: store, writer: writer, executor: QueryExecutor(meta: meta, store: store, pointsWriter: writer), root: root)
        return env
    }

    /// One pass: at `now` (minutes after t0), the range a run covers, or nil for no run.
    struct Step: Sendable {
        var now: Int64
        var window: (Int64, Int64)?
    }

    struct Schedule: Sendable, CustomTestStringConvertible {
        var resample: String
        var groupBy: String
        /// The GROUP BY interval in minutes (to list the buckets the runs wrote).
        var interval: Int64
        var steps: [Step]
        var testDescription: String { "\(resample) GROUP BY \(groupBy)" }
    }

    static let schedules: [Schedule] = [
        // First pass mid-interval: due, but the interval it would close is still open.
        Schedule(resample: "", groupBy: "time(10m)", interval: 10, steps: [
            Step(now: 25, window: nil), Step(now: 29, window: nil), Step(now: 30, window: (20, 30)),
            Step(now: 35, window: nil), Step(now: 40, window: (30, 40)),
        ]),
        // On a boundary: the interval just closed. A late pass covers every interval missed.
        Schedule(resample: "", groupBy: "time(10m)", interval: 10, steps: [
            Step(now: 20, window: (10, 20)), Step(now: 55, window: (20, 50)), Step(now: 59, window: nil), Step(now: 60, window: (50, 60)),
        ]),
        // Offsets move the run times and the buckets alike; a negative one stays negative.
        Schedule(resample: "", groupBy: "time(10m, 2m)", interval: 10, steps: [
            Step(now: 22, window: (12, 22)), Step(now: 31, window: nil), Step(now: 32, window: (22, 32)),
        ]),
        Schedule(resample: "", groupBy: "time(10m, -4m)", interval: 10, steps: [
            Step(now: 26, window: (16, 26)), Step(now: 35, window: nil), Step(now: 36, window: (26, 36)),
        ]),
        // EVERY below the interval: the current, unfinished bucket is computed at each run.
        Schedule(resample: "RESAMPLE EVERY 5m", groupBy: "time(10m)", interval: 10, steps: [
            Step(now: 25, window: (20, 30)), Step(now: 29, window: nil), Step(now: 30, window: (20, 30)), Step(now: 35, window: (30, 40)),
        ]),
        Schedule(resample: "RESAMPLE EVERY 5m", groupBy: "time(10m, 3m)", interval: 10, steps: [
            Step(now: 28, window: (23, 33)), Step(now: 32, window: nil), Step(now: 33, window: (23, 33)),
        ]),
        // FOR: each run recomputes that far back.
        Schedule(resample: "RESAMPLE FOR 30m", groupBy: "time(10m)", interval: 10, steps: [
            Step(now: 30, window: (0, 30)), Step(now: 39, window: nil), Step(now: 40, window: (10, 40)),
        ]),
        Schedule(resample: "RESAMPLE EVERY 1m FOR 20m", groupBy: "time(10m)", interval: 10, steps: [
            Step(now: 30, window: (10, 30)), Step(now: 31, window: (20, 40)), Step(now: 32, window: (20, 40)),
        ]),
        // EVERY above the interval: runs that often, covering EVERY's worth of intervals.
        Schedule(resample: "RESAMPLE EVERY 20m", groupBy: "time(10m)", interval: 10, steps: [
            Step(now: 20, window: (0, 20)), Step(now: 30, window: nil), Step(now: 39, window: nil), Step(now: 40, window: (20, 40)),
        ]),
        // tz(): hours start at :30 UTC in India.
        Schedule(resample: "", groupBy: "time(1h) TZ('Asia/Kolkata')", interval: 60, steps: [
            Step(now: 120, window: nil), Step(now: 149, window: nil), Step(now: 150, window: (90, 150)), Step(now: 210, window: (150, 210)),
        ]),
        // Weeks are counted from the Unix epoch, a Thursday (not from Go's year 1, a Monday).
        Schedule(resample: "", groupBy: "time(1w)", interval: 7 * 1440, steps: [
            Step(now: 0, window: nil), Step(now: 6 * 1440 - 1, window: nil), Step(now: 6 * 1440, window: (-1440, 6 * 1440)),
        ]),
    ]

    @Test(arguments: Self.schedules)
    func runsOn1xSchedule(_ schedule: Schedule) async throws {
        let env = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        let created = try await env.query("CREATE CONTINUOUS QUERY cq ON db \(schedule.resample) BEGIN SELECT mean(value) INTO cpu_mean FROM cpu GROUP BY \(schedule.groupBy) END")
        #expect(created.error == nil)
        let service = env.service()
        var buckets = Set<Int64>()
        for step in schedule.steps {
            let runs = await service.runContinuousQueries(now: Self.t0 + step.now * Self.minute)
            let got = runs.map { (($0.start - Self.t0) / Self.minute, ($0.end - Self.t0) / Self.minute) }
            #expect(got.count == (step.window == nil ? 0 : 1), "at minute \(step.now)")
            if let (start, end) = step.window, let first = got.first {
                #expect(first == (start, end), "at minute \(step.now)")
                buckets.formUnion(stride(from: start, to: end, by: Int(schedule.interval)).filter { $0 + schedule.interval > 0 && $0 < Self.dataMinutes })
            }
        }
        #expect(service.statistics == ContinuousQueryStatistics(queryOK: Int64(schedule.steps.count { $0.window != nil }), queryFail: 0))
        // Each bucket holds the mean of the minutes it covers: m .. m + interval - 1 within the data.
        let expected: [[Value]] = buckets.sorted().map { b in
            let first = max(b, 0), last = min(b + schedule.interval, Self.dataMinutes) - 1
            return [.time(Self.t0 + b * Self.minute), .float(Double(first + last) / 2)]
        }
        let rows = try await env.query("SELECT mean FROM cpu_mean").series
        #expect(rows.first?.values ?? [] == expected)
    }

    /// A regex source and `:MEASUREMENT` write each source's buckets to its own name in
    /// another policy, tags kept; the stored `now()` bound is replaced by the run's range
    /// (the data is from 2021: `now() - 1d` would see none of it).
    @Test func regexSourcesKeepTheirNames() async throws {
        let env = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        try await env.meta.createRetentionPolicy(database: "db", name: "agg", duration: 0)
        let created = try await env.query("""
            CREATE CONTINUOUS QUERY agg ON db BEGIN SELECT max(value) INTO "agg".:MEASUREMENT FROM /^(cpu|mem)$/ \
            WHERE time > now() - 1d GROUP BY time(30m), host END
            """)
        #expect(created.error == nil)
        let runs = await env.service().runContinuousQueries(now: Self.t0 + 60 * Self.minute)
        #expect(runs == [ContinuousQueryRun(database: "db", name: "agg", start: Self.t0 + 30 * Self.minute, end: Self.t0 + 60 * Self.minute, written: 2)])
        for (measurement, host, max) in [("cpu", "a", 59.0), ("mem", "b", 1059.0)] {
            let rows = try await env.query("SELECT max FROM \"agg\".\(measurement) GROUP BY host").series
            #expect(rows.map(\.tags) == [["host": host]])
            #expect(rows.first?.values == [[.time(Self.t0 + 30 * Self.minute), .float(max)]])
        }
    }

    /// 1.x's `SetTimeRange`: time comparisons and calls in the stored condition become true,
    /// the text is joined with the range and parsed again (so an unparenthesized OR binds
    /// looser than the range, and numbers keep 1.x's three decimals), then booleans fold.
    @Test(arguments: [
        (nil, "$R", Token.and),
        ("time > now() - 1h", "$R", .and),
        ("host = 'a' AND time > now() - 1h", "host = 'a' AND $R", .and),
        ("(host = 'a' OR host = 'b')", "(host = 'a' OR host = 'b') AND $R", .and),
        ("host = 'a' OR host = 'b'", "host = 'a' OR host = 'b' AND $R", .or),
        ("value > 0.12345 AND (time < now())", "value > 0.123 AND $R", .and),
        ("time < now() OR host = 'a'", "true", nil),
    ] as [(String?, String, Token?)])
    func setsTheTimeRangeAs1x(condition: String?, expected: String, top: Token?) throws {
        let whereClause = condition.map { " WHERE \($0)" } ?? ""
        guard case .select(var select) = try Parser.parseStatement("SELECT mean(value) INTO m FROM cpu\(whereClause) GROUP BY time(10m)") else {
            Issue.record("not a SELECT")
            return
        }
        try select.setTimeRange(start: Self.t0 + 20 * Self.minute, end: Self.t0 + 30 * Self.minute)
        let range = "time >= '2021-01-01T00:20:00Z' AND time < '2021-01-01T00:30:00Z'"
        #expect(select.condition?.description == expected.replacingOccurrences(of: "$R", with: range))
        if case .binary(let op, _, _)? = select.condition { #expect(op == top) } else { #expect(top == nil) }
    }

    /// A failing CQ is logged whatever `log-enabled` says and counted in `queryFail`; it is
    /// not retried until it is due again. With `log-enabled`, a run logs 1.x's four lines.
    @Test(arguments: [true, false])
    func logsAndCounts(logEnabled: Bool) async throws {
        let env = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        try await env.meta.createDatabase("other")
        #expect(try await env.query("CREATE CONTINUOUS QUERY gone ON db BEGIN SELECT count(value) INTO \"other\".\"autogen\".c FROM cpu GROUP BY time(10m) END").error == nil)
        try await env.meta.dropDatabase("other")
        let records = LogRecords()
        let service = env.service(logEnabled: logEnabled, logger: Logger(label: "test") { _ in CapturingLogHandler(records: records) })

        await service.runContinuousQueries(now: Self.t0 + 20 * Self.minute)
        let failing = ["Error executing query"]
        #expect(records.messages == (logEnabled ? ["Continuous query execution (start)", "Executing continuous query", "Continuous query execution (end)"] : []) + failing)
        let error = try #require(records.all.last)
        #expect(error.metadata["error"] == "database not found: other")
        #expect(error.metadata["query"]?.hasPrefix("CREATE CONTINUOUS QUERY gone ON db BEGIN SELECT count(value) INTO other.autogen.c") == true)
        #expect(error.metadata["service"] == "continuous_querier")
        #expect(service.statistics == ContinuousQueryStatistics(queryOK: 0, queryFail: 1))
        await service.runContinuousQueries(now: Self.t0 + 25 * Self.minute)
        #expect(service.statistics == ContinuousQueryStatistics(queryOK: 0, queryFail: 1))

        #expect(try await env.query("DROP CONTINUOUS QUERY gone ON db").error == nil)
        #expect(try await env.query("CREATE CONTINUOUS QUERY ok ON db BEGIN SELECT count(value) INTO c FROM cpu GROUP BY time(10m) END").error == nil)
        records.clear()
        await service.runContinuousQueries(now: Self.t0 + 30 * Self.minute)
        #expect(service.statistics == ContinuousQueryStatistics(queryOK: 1, queryFail: 1))
        guard logEnabled else {
            #expect(records.messages.isEmpty)
            return
        }
        #expect(records.messages == ["Continuous query execution (start)", "Executing continuous query", "Finished continuous query", "Continuous query execution (end)"])
        let finished = records.all[2].metadata
        #expect(finished["name"] == "ok")
        #expect(finished["db_instance"] == "db")
        #expect(finished["written"] == "1")
        #expect(finished["start"] == "2021-01-01T00:20:00.000000Z")
        #expect(finished["end"] == "2021-01-01T00:30:00.000000Z")
        #expect(finished["duration"]?.hasSuffix("ms") == true || finished["duration"]?.hasSuffix("s") == true)
        #expect(records.all[0].metadata["op_name"] == "continuous_querier_execute")
        #expect(records.all[3].metadata["op_event"] == "end")
    }

    /// `query-stats-enabled` writes a `cq_query` point per run to the monitor store, creating
    /// `_internal` with its `monitor` policy when it does not exist yet.
    @Test(arguments: [(true, true), (true, false), (false, true)])
    func writesQueryStatistics(enabled: Bool, internalExists: Bool) async throws {
        let env = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        if internalExists {
            try await env.meta.createDatabase("_internal")
            try await env.meta.createRetentionPolicy(database: "_internal", name: "monitor", duration: 7 * 1440 * Self.minute, makeDefault: true)
        }
        #expect(try await env.query("CREATE CONTINUOUS QUERY cq ON db BEGIN SELECT count(value) INTO c FROM cpu GROUP BY time(10m) END").error == nil)
        let service = env.service(queryStatsEnabled: enabled)
        #expect(await service.runContinuousQueries(now: Self.t0 + 20 * Self.minute).count == 1)
        let result = try await env.query("SELECT cq, db, hostname, pointsWrittenOK, startTime, endTime FROM \"_internal\".\"monitor\".cq_query")
        if enabled {
            let row = try #require(result.series.first)
            #expect(row.values.count == 1)
            // The monitor's global tag is added, as 1.x's Monitor.WritePoints adds it.
            #expect(Array(row.values.first?.dropFirst() ?? []) == [
                .string("cq"), .string("db"), .string("testhost"), .integer(1), .integer(Self.t0 + 10 * Self.minute), .integer(Self.t0 + 20 * Self.minute),
            ])
        } else {
            #expect(result.series.isEmpty)
        }
        // Created as 1.x's monitor creates it: the `monitor` policy, seven days.
        let policy = env.meta.database("_internal")?.retentionPolicies.first { $0.name == "monitor" }
        #expect((policy?.duration == 7 * 1440 * Self.minute) == (enabled || internalExists))
    }

    /// The server runs the service after the precreator and before HTTP, as 1.x's start
    /// order, only when enabled; a non-positive `run-interval` stops it with 1.x's text.
    @Test func wiredIntoTheServer() throws {
        var config = Config()
        let names = try Server(config: config).services().map { service -> String in
            switch service {
            case is ContinuousQueryService: "cq"
            case is PrecreatorService: "precreator"
            case is RetentionService: "retention"
            case is SnapshotterService: "snapshotter"
            default: "other"
            }
        }
        // 1.x: precreator, snapshotter, continuous queries, HTTP, retention.
        #expect(names.filter { $0 != "other" } == ["precreator", "snapshotter", "cq", "retention"])
        #expect(names.firstIndex(of: "cq") == names.firstIndex(of: "snapshotter").map { $0 + 1 })
        #expect(names[names.firstIndex(of: "cq")! + 1] == "other")  // the HTTP server

        config.continuousQueries.runInterval = .zero
        #expect(throws: ConfigError("run-interval must be positive")) { try Server(config: config).services() }
        config.continuousQueries.enabled = false
        #expect(try !Server(config: config).services().contains { $0 is ContinuousQueryService })
    }

    /// 1.x's logger formats: `zap.Time` fields in UTC with microseconds, `DurationLiteral`.
    @Test(arguments: [
        (Swift.Duration.zero, "0s"), (.milliseconds(1500), "1500ms"), (.seconds(90), "90s"), (.seconds(3600), "1h"),
        (.seconds(86_400 * 14), "2w"), (.seconds(86_400 * 365), "1y"), (.nanoseconds(2_999_999), "2ms"),
    ] as [(Swift.Duration, String)])
    func logFormats(duration: Swift.Duration, literal: String) {
        #expect(LogText.durationLiteral(duration) == literal)
        #expect(LogText.time(Self.t0 + 1_234_567_891) == "2021-01-01T00:00:01.234567Z")
        #expect(LogText.time(-1) == "1969-12-31T23:59:59.999999Z")
    }
}

/// Log records kept for assertions.
final class LogRecords: Sendable {
    struct Record: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])
    var all: [Record] { records.withLock { $0 } }
    var messages: [String] { all.map(\.message) }
    func append(_ record: Record) { records.withLock { $0.append(record) } }
    func clear() { records.withLock { $0.removeAll() } }
}

/// A log handler that records each message with its metadata as strings.
struct CapturingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        records.append(.init(message: event.message.description, metadata: merged.mapValues(\.description)))
    }
}
