import Foundation
import InfluxQL
import Meta
import Synchronization
import Testing
import TSDB

@testable import Query

/// `[data] query-log-enabled` and `[coordinator] log-queries-after`: what 1.x's executor logs.
@Suite struct QueryLoggingTests {
    final class Messages: Sendable {
        let texts = Mutex<[String]>([])
        func append(_ text: String) { texts.withLock { $0.append(text) } }
        var all: [String] { texts.withLock { $0 } }
    }

    static func executor(_ logging: QueryLogging) async throws -> QueryExecutor {
        let meta = MetaClient()
        try await meta.createDatabase("db0")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-qlog-\(UUID())").path
        return QueryExecutor(meta: meta, store: Store(dataDir: dir + "/data", walDir: dir + "/wal"), logging: logging)
    }

    /// Each statement is logged as it starts: normalized (the database and retention policy
    /// filled in), passwords redacted; a statement that fails to normalize is not.
    @Test func executingQueryLogsEachNormalizedStatement() async throws {
        let messages = Messages()
        let executor = try await Self.executor(QueryLogging(executing: { messages.append($0) }))
        _ = await executor.execute(try Parser.parseQuery("CREATE USER joe WITH PASSWORD 'secret'; SELECT v FROM cpu; SHOW MEASUREMENTS"),
                                   options: ExecutionOptions(database: "db0"))
        _ = await executor.execute(try Parser.parseQuery("SELECT v FROM nodb..cpu"), options: ExecutionOptions())
        #expect(messages.all == ["CREATE USER joe WITH PASSWORD [REDACTED]", "SELECT v FROM db0.autogen.cpu", "SHOW MEASUREMENTS ON db0"])
    }

    /// A query still running at the threshold is reported once with 1.x's text (the whole
    /// query, redacted; its id; the `db` parameter; Go's duration); a quick one is not.
    @Test func slowQueryIsReportedAtTheThreshold() async throws {
        let messages = Messages()
        let executor = try await Self.executor(QueryLogging(slowAfter: 1_000_000, slow: { messages.append($0) }))
        // bcrypt makes CREATE USER take tens of milliseconds.
        _ = await executor.execute(try Parser.parseQuery("CREATE USER joe WITH PASSWORD 'secret'"), options: ExecutionOptions(database: "db0"))
        try await Task.sleep(for: .milliseconds(20))
        #expect(messages.all == ["Detected slow query: CREATE USER joe WITH PASSWORD [REDACTED] (qid: 1, database: db0, threshold: 1ms)"])

        let patient = Messages()
        let relaxed = try await Self.executor(QueryLogging(slowAfter: 60_000_000_000, slow: { patient.append($0) }))
        _ = await relaxed.execute(try Parser.parseQuery("SHOW DATABASES"), options: ExecutionOptions())
        #expect(patient.all.isEmpty)
    }
}
