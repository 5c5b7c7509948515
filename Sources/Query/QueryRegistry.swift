import Foundation
import InfluxQL
import Synchronization

/// The running queries (1.x's `TaskManager`): ids from 1, SHOW QUERIES, KILL QUERY,
/// `max-concurrent-queries` and `query-timeout`.
public final class QueryRegistry: Sendable {
    struct Task {
        /// The query's text, made only when SHOW QUERIES asks (most queries never are shown).
        var query: @Sendable () -> String
        var database: String
        var start: UInt64
        var killed = false
        /// Whether the client that asked has gone away (its query then stops as if killed).
        var abandoned: (@Sendable () -> Bool)?
    }

    public let maxConcurrentQueries: Int
    /// Nanoseconds; 0 = no limit.
    public let queryTimeout: Int64
    private let state = Mutex<(next: UInt64, tasks: [UInt64: Task])>((1, [:]))

    public init(maxConcurrentQueries: Int = 0, queryTimeout: Int64 = 0) {
        self.maxConcurrentQueries = maxConcurrentQueries
        self.queryTimeout = queryTimeout
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Registers a query; nil and 1.x's text when the concurrency limit is reached.
    func attach(_ query: @escaping @Sendable () -> String, database: String, abandoned: (@Sendable () -> Bool)? = nil) -> (id: UInt64?, error: String?) {
        state.withLock { s in
            if maxConcurrentQueries > 0 && s.tasks.count >= maxConcurrentQueries {
                return (nil, "max-concurrent-queries limit exceeded(\(s.tasks.count), \(maxConcurrentQueries))")
            }
            let id = s.next
            s.next += 1
            s.tasks[id] = Task(query: query, database: database, start: Self.now(), abandoned: abandoned)
            return (id, nil)
        }
    }

    /// Registers a query from outside the executor (tests, tools); returns its id.
    public func attachForTesting(_ query: String, database: String) -> UInt64 { attach({ query }, database: database).id ?? 0 }

    /// `interruption` for tests.
    public func interruptionForTesting(_ id: UInt64) -> String? { interruption(id) }

    func detach(_ id: UInt64) { _ = state.withLock { $0.tasks.removeValue(forKey: id) } }

    /// Why the query must stop now (killed or past `query-timeout`), or nil.
    func interruption(_ id: UInt64) -> String? {
        state.withLock { s in
            guard let task = s.tasks[id] else { return nil }
            if task.killed || task.abandoned?() == true { return "query interrupted" }
            if queryTimeout > 0 && Self.now() - task.start > UInt64(queryTimeout) { return "query-timeout limit exceeded" }
            return nil
        }
    }

    func kill(_ id: UInt64) throws(StatementError) {
        try state.withLock { (s) throws(StatementError) in
            guard let task = s.tasks[id] else { throw StatementError("no such query id: \(id)") }
            if task.killed { throw StatementError("already killed") }
            s.tasks[id]?.killed = true
        }
    }

    /// SHOW QUERIES: every running query, durations truncated to s, ms or µs as 1.x does.
    func rows() -> Row {
        let now = Self.now()
        let tasks = state.withLock { $0.tasks }.sorted { $0.key < $1.key }
        return Row(columns: ["qid", "query", "database", "duration", "status"], values: tasks.map { id, task in
            var d = Int64(now - task.start)
            if d >= 1_000_000_000 { d -= d % 1_000_000_000 } else if d >= 1_000_000 { d -= d % 1_000_000 } else if d >= 1_000 { d -= d % 1_000 }
            return [.unsigned(id), .string(task.query()), .string(task.database), .string(InfluxQL.Duration.goString(d)), .string(task.killed ? "killed" : "running")]
        })
    }
}
