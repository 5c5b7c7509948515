import Foundation
import InfluxQL
import Meta
import Query
import Testing
import TSDB

/// SHOW QUERIES, KILL QUERY, `max-concurrent-queries` and `query-timeout` (1.x's task manager).
@Suite struct QueryRegistryTests {
    static func executor(_ registry: QueryRegistry) async throws -> QueryExecutor {
        let meta = MetaClient()
        try await meta.createDatabase("db0")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-registry-\(UUID())").path
        return QueryExecutor(meta: meta, store: Store(dataDir: dir + "/data", walDir: dir + "/wal"), registry: registry)
    }

    static func run(_ executor: QueryExecutor, _ q: String) async throws -> [StatementResult] {
        await executor.execute(try Parser.parseQuery(q), options: ExecutionOptions(database: "db0"))
    }

    @Test func showQueriesListsRunningQueriesAndKillStopsThem() async throws {
        let registry = QueryRegistry()
        let executor = try await Self.executor(registry)
        // A query "running" elsewhere holds id 1.
        let other = registry.attachForTesting("SELECT * FROM cpu", database: "db0")
        let shown = try await Self.run(executor, "SHOW QUERIES")
        let rows = try #require(shown.first?.series.first?.values)
        #expect(rows.map { $0[0] } == [.unsigned(other), .unsigned(other + 1)])
        #expect(rows.map { $0[1] } == [.string("SELECT * FROM cpu"), .string("SHOW QUERIES")])
        #expect(rows.allSatisfy { $0[2] == .string("db0") && $0[4] == .string("running") })

        #expect(try await Self.run(executor, "KILL QUERY \(other)") == [StatementResult(statementID: 0)])
        #expect(registry.interruptionForTesting(other) == "query interrupted")
        #expect(try await Self.run(executor, "KILL QUERY \(other)").first?.error == "already killed")
        #expect(try await Self.run(executor, "KILL QUERY 999").first?.error == "no such query id: 999")
    }

    @Test func concurrencyLimit() async throws {
        let registry = QueryRegistry(maxConcurrentQueries: 1)
        let executor = try await Self.executor(registry)
        _ = registry.attachForTesting("SELECT 1", database: "")
        #expect(try await Self.run(executor, "SHOW DATABASES; SHOW USERS") == [StatementResult(statementID: 0, error: "max-concurrent-queries limit exceeded(1, 1)")])
    }

    @Test func timeoutStopsTheQuery() async throws {
        let executor = try await Self.executor(QueryRegistry(queryTimeout: 1))
        try await Task.sleep(for: .milliseconds(1))
        let results = try await Self.run(executor, "SHOW DATABASES; SHOW USERS")
        #expect(results.first?.error == "query-timeout limit exceeded")
    }
}
