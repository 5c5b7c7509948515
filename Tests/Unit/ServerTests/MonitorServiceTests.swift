import Coordinator
import Foundation
import HTTPD
import InfluxQL
import LineProtocol
import Logging
import Meta
import Monitor
import Query
import Synchronization
import Testing
@testable import Server

/// The monitor service in process: it stores every statistic at `store-interval`
/// boundaries in `_internal` (policy `monitor`, global `hostname` tag), and a slow reporter
/// holds up neither writes nor queries.
@Suite(.serialized) struct MonitorServiceTests {
    struct Env {
        let server: Server
        let root: String

        func query(_ text: String, database: String = "") async throws -> StatementResult {
            let results = await server.queryExecutor.execute(try Parser.parseQuery(text), options: ExecutionOptions(database: database))
            return try #require(results.first)
        }

        /// The monitor service of the server's service list (which also registers the
        /// services' reporters).
        func monitorService() throws -> MonitorService {
            try #require(try server.services().first { $0 is MonitorService } as? MonitorService)
        }
    }

    static func env(interval: GoDuration = GoDuration(nanoseconds: 100_000_000)) async -> Env {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-monitor-\(UUID())").path
        var config = Config()
        config.data.dir = root + "/data"
        config.data.walDir = root + "/wal"
        config.http.bindAddress = "127.0.0.1:0"
        config.monitor.storeInterval = interval
        let server = Server(config: config, logger: Logger(label: "test"))
        await server.openStore()
        return Env(server: server, root: root)
    }

    /// Runs `service` while `body` runs, then stops it.
    static func running<T: Sendable>(_ service: MonitorService, _ body: () async throws -> T) async throws -> T {
        let task = Task { try await service.run() }
        defer { task.cancel() }
        return try await body()
    }

    @Test func storesEveryStatisticAtTheInterval() async throws {
        let env = await Self.env()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        let service = try env.monitorService()
        let rows = try await Self.running(service) { () async throws -> [[Value]] in
            for _ in 0..<100 {
                let result = try await env.query("SELECT hostname, queriesExecuted FROM \"_internal\".\"monitor\".\"queryExecutor\"")
                if let values = result.series.first?.values, values.count >= 4 { return values }
                try await Task.sleep(for: .milliseconds(50))
            }
            return []
        }
        #expect(rows.count >= 4)
        var times: [Int64] = []
        for row in rows {
            guard case .time(let t) = row[0] else { Issue.record("no time in \(row)"); continue }
            times.append(t)
            #expect(row[1] == .string(ProcessFacts.hostname()))
        }
        // On the interval's boundaries, a whole number of ticks apart (a tick that comes late
        // on a loaded machine goes to the next boundary; none is stored twice).
        #expect(times.allSatisfy { $0 % 100_000_000 == 0 }, "\(times)")
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 > $0 }, "\(times)")
        // Every registered component was stored, under 1.x's names.
        let measurements = try await env.query("SHOW MEASUREMENTS ON \"_internal\"").series.first?.values.compactMap { row -> String? in
            if case .string(let s) = row.first { return s } else { return nil }
        } ?? []
        for name in ["runtime", "queryExecutor", "httpd", "cq", "subscriber"] { #expect(measurements.contains(name), "\(measurements)") }
        // Created with 1.x's `monitor` policy: seven days, the default.
        let policy = try #require(env.server.meta.database("_internal")?.retentionPolicies.first)
        #expect(policy.name == "monitor" && policy.duration == 7 * 24 * 3_600_000_000_000)
        #expect(env.server.meta.database("_internal")?.defaultRetentionPolicy == "monitor")
    }

    /// A database of that name without the `monitor` policy is left alone and gets nothing,
    /// as in 1.x (which logs `retention policy not found: monitor` each time).
    @Test func existingDatabaseWithoutThePolicyIsLeftAlone() async throws {
        let env = await Self.env()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        try await env.server.meta.createDatabase("_internal")
        let service = try env.monitorService()
        try await Self.running(service) { try await Task.sleep(for: .milliseconds(400)) }
        #expect(env.server.meta.database("_internal")?.retentionPolicies.map(\.name) == ["autogen"])
        #expect(try await env.query("SHOW MEASUREMENTS ON \"_internal\"").series.isEmpty)
    }

    /// A reporter that takes its time once: until the gate opens, its first `statistics`
    /// does not return.
    final class SlowReporter: StatisticsReporter {
        let entered = Atomic<Bool>(false)
        let gate = DispatchSemaphore(value: 0)

        func statistics(tags: [String: String]) -> [Statistic] {
            if !entered.exchange(true, ordering: .relaxed) {
                // Bounded, so that a broken test cannot hang the suite.
                _ = gate.wait(timeout: .now() + 10)
            }
            return [Statistic(name: "slow", tags: tags, values: ["n": 1])]
        }
    }

    /// While the monitor is inside a reporter, writes and queries go on: gathering holds
    /// nothing they need.
    @Test func neverBlocksWritesOrQueries() async throws {
        let env = await Self.env()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        let slow = SlowReporter()
        env.server.monitor.register(slow)
        try await env.server.meta.createDatabase("db0")
        let service = try env.monitorService()
        try await Self.running(service) {
            for _ in 0..<200 where !slow.entered.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
            let entered = slow.entered.load(ordering: .relaxed)
            #expect(entered)
            let point = try Point(measurement: "m", tags: [], fields: [("v", .integer(1))], time: 1_000_000_000)
            try await env.server.pointsWriter.writePoints(database: "db0", retentionPolicy: "", points: [point])
            let count = try await env.query("SELECT count(v) FROM m", database: "db0")
            #expect(count.series.first?.values.first?.last == .integer(1))
            #expect(try await env.query("SHOW STATS FOR 'queryExecutor'").series.count == 1)
            // Still inside the reporter: none of this waited for it.
            slow.gate.signal()
            for _ in 0..<100 {
                if try await !env.query("SELECT n FROM \"_internal\".\"monitor\".slow").series.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await !env.query("SELECT n FROM \"_internal\".\"monitor\".slow").series.isEmpty)
        }
    }

    /// SHOW STATS: a series per statistic, columns sorted, no global tags; SHOW DIAGNOSTICS:
    /// 1.x's tables sorted by name.
    @Test func showStatsAndDiagnostics() async throws {
        let env = await Self.env()
        defer { try? FileManager.default.removeItem(atPath: env.root) }
        _ = try env.monitorService()
        let stats = try await env.query("SHOW STATS")
        #expect(stats.error == nil)
        let names = stats.series.map(\.name)
        #expect(names.first == "runtime")
        #expect(names.contains("queryExecutor") && names.contains("httpd") && names.contains("cq"))
        for row in stats.series {
            #expect(row.columns == row.columns.sorted())
            #expect(row.tags["hostname"] == nil)
            #expect(row.values.count == 1 && row.values[0].count == row.columns.count)
        }
        #expect(try await env.query("SHOW STATS FOR 'httpd'").series.map(\.tags) == [["bind": "127.0.0.1:0"]])
        #expect(try await env.query("SHOW STATS FOR 'nothing'").series.isEmpty)
        // `indexes`: the series indexes' memory, growing with the series.
        func indexBytes() async throws -> Int64? {
            let row = try await env.query("SHOW STATS FOR 'indexes'").series.first
            #expect(row?.name == "indexes" && row?.columns == ["memoryBytes"])
            if case .integer(let n)? = row?.values.first?.first { return n } else { return nil }
        }
        let before = try #require(try await indexBytes())
        try await env.server.meta.createDatabase("db0")
        let points = try (0..<100).map { try Point(measurement: "m", tags: [("host", "h\($0)")], fields: [("v", .integer(1))], time: 1) }
        try await env.server.pointsWriter.writePoints(database: "db0", retentionPolicy: "", points: points)
        let after = try #require(try await indexBytes())
        #expect(after - before > 100 * 50)
        #expect(try await env.query("DROP MEASUREMENT m", database: "db0").error == nil)
        #expect(try await indexBytes() == before)

        let diagnostics = try await env.query("SHOW DIAGNOSTICS").series
        #expect(diagnostics.map(\.name) == diagnostics.map(\.name).sorted())
        #expect(Set(diagnostics.map(\.name)).isSuperset(of: ["build", "config", "config-data", "config-meta", "config-coordinator",
                                                             "config-retention", "config-precreator", "config-monitor", "config-subscriber",
                                                             "config-httpd", "config-cqs", "network", "runtime", "system"]))
        let monitor = try await env.query("SHOW DIAGNOSTICS FOR 'config-monitor'").series
        #expect(monitor.map(\.columns) == [["store-database", "store-enabled", "store-interval"]])
        #expect(monitor.first?.values == [[.string("_internal"), .boolean(true), .string("100ms")]])
        let system = try #require(try await env.query("SHOW DIAGNOSTICS FOR 'system'").series.first)
        #expect(system.columns == ["PID", "currentTime", "started", "uptime"])
        #expect(system.values.first?.first == .integer(Int64(getpid())))
    }
}
