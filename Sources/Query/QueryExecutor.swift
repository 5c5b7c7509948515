import Coordinator
import InfluxQL
import Meta
import Monitor
import Synchronization
import TSDB

/// How a query runs: the request's `db`, `rp`, method and user.
public struct ExecutionOptions: Sendable {
    /// The `db` parameter: default database for statements that name none.
    public var database: String
    /// The `rp` parameter: default retention policy for measurements that name none.
    public var retentionPolicy: String
    /// A GET request: write statements run but carry 1.x's deprecation warning.
    public var readOnly: Bool
    /// The authenticated non-admin user whose privileges filter what is shown; nil when
    /// authorization is off or the user is an admin (1.x's open authorizer).
    public var user: UserInfo?
    /// `chunked=true`: SELECT results are emitted in pieces of this many rows (1.x's emitter).
    public var chunkSize: Int?
    /// The running query's id in the registry (set by the executor).
    public var queryID: UInt64 = 0
    /// Whether the client has gone away: checked wherever KILL QUERY is, it stops the query.
    public var clientGone: (@Sendable () -> Bool)?

    public init(database: String = "", retentionPolicy: String = "", readOnly: Bool = false, user: UserInfo? = nil) {
        self.database = database
        self.retentionPolicy = retentionPolicy
        self.readOnly = readOnly
        self.user = user
    }
}

/// 1.x's query logging: `[data] query-log-enabled` (each statement as it starts) and
/// `[coordinator] log-queries-after` (a query still running after that long). Both cost
/// nothing when off.
public struct QueryLogging: Sendable {
    /// Gets each statement's text, after normalization and with passwords redacted, just
    /// before it runs (1.x's `Executing query`); nil when `query-log-enabled` is false.
    public var executing: (@Sendable (_ statement: String) -> Void)?
    /// Nanoseconds a query may run before it is reported as slow; 0: never.
    public var slowAfter: Int64
    /// Gets 1.x's `Detected slow query: <query> (qid: N, database: db, threshold: 1s)` text
    /// once a query has run `slowAfter`.
    public var slow: (@Sendable (_ message: String) -> Void)?

    public init(executing: (@Sendable (String) -> Void)? = nil, slowAfter: Int64 = 0, slow: (@Sendable (String) -> Void)? = nil) {
        self.executing = executing
        self.slowAfter = slowAfter
        self.slow = slow
    }
}

/// Runs parsed queries statement by statement (1.x `query.Executor` with the coordinator's
/// `StatementExecutor`).
public final class QueryExecutor: Sendable {
    let meta: MetaClient
    let store: Store
    public let registry: QueryRegistry
    /// Where `SELECT … INTO` writes (nil: INTO over stored points is refused).
    let pointsWriter: PointsWriter?
    /// Whether simple aggregates take the typed per-series path (off only to cross-check it
    /// against the general path in tests).
    let typedAggregates: Bool
    let limits: SelectLimits
    /// What SHOW STATS and SHOW DIAGNOSTICS show (nil: nothing).
    let monitor: Monitor?
    /// 1.x's `queryExecutor` statistics.
    let counters = QueryCounters()
    let logging: QueryLogging

    public init(meta: MetaClient, store: Store, registry: QueryRegistry = QueryRegistry(), pointsWriter: PointsWriter? = nil,
                limits: SelectLimits = SelectLimits(), monitor: Monitor? = nil, typedAggregates: Bool = true,
                logging: QueryLogging = QueryLogging()) {
        self.limits = limits
        self.monitor = monitor
        self.logging = logging
        self.meta = meta
        self.store = store
        self.registry = registry
        self.pointsWriter = pointsWriter
        self.typedAggregates = typedAggregates
    }

    /// Takes each result as it is ready; false when nobody wants more (the client is gone),
    /// which stops the query.
    public typealias Emit = @Sendable (StatementResult) async -> Bool

    /// The results in the order 1.x's executor emits them, one or more per statement (see
    /// ``execute(_:options:emit:)``).
    public func execute(_ query: InfluxQL.Query, options: ExecutionOptions) async -> [StatementResult] {
        let collected = Mutex<[StatementResult]>([])
        await execute(query, options: options) { result in
            collected.withLock { $0.append(result) }
            return true
        }
        return collected.withLock { $0 }
    }

    /// Runs the statements in order, handing each result to `emit` as soon as it is ready.
    /// After a failed statement nothing else runs, and every statement but the last gets a
    /// `not executed` result carrying the failed statement's id — 1.x's executor never
    /// advances the id there, so a buffered response shows `not executed` in place of the
    /// error unless the failure was in the last statement. A cancelled task stops the query
    /// as KILL QUERY does.
    public func execute(_ query: InfluxQL.Query, options: ExecutionOptions, emit: @escaping Emit) async {
        let began = counters.began()
        defer { counters.finished(since: began) }
        let (qid, refusal) = registry.attach({ query.description }, database: options.database, abandoned: options.clientGone)
        guard let qid else {
            _ = await emit(StatementResult(statementID: 0, error: refusal))
            return
        }
        // 1.x's task manager starts a timer per query when `log-queries-after` is set.
        var slowWatch: SlowQueryWatch?
        if logging.slowAfter > 0, let slow = logging.slow {
            let threshold = logging.slowAfter, database = options.database
            slowWatch = SlowQueryWatch(threshold: threshold) {
                slow("Detected slow query: \(query.description) (qid: \(qid), database: \(database), threshold: \(InfluxQL.Duration.goString(threshold)))")
            }
        }
        defer {
            slowWatch?.end()
            registry.detach(qid)
        }
        var options = options
        options.queryID = qid
        var i = 0
        while i < query.statements.count {
            if let why = registry.interruption(qid) {
                _ = await emit(StatementResult(statementID: i, error: why))
                break
            }
            let statement = query.statements[i]
            let defaultDatabase = options.database.isEmpty ? statement.defaultDatabase : options.database
            if case .select(let s) = statement, let error = Self.systemSourceError(s) {
                _ = await emit(StatementResult(statementID: 0, error: error))
                break
            }
            // 1.x's rewrite stage fails before the statement gets its id: the error comes as
            // statement 0 (replacing statement 0's answer in a buffered response).
            if let error = Self.rewriteError(statement) {
                _ = await emit(StatementResult(statementID: 0, error: error))
                break
            }
            do throws(StatementError) {
                let normalized = try await normalize(statement, database: defaultDatabase, retentionPolicy: options.retentionPolicy)
                logging.executing?(normalized.description)
                try await execute(normalized, id: i, options: options, emit: emit)
            } catch {
                _ = await emit(StatementResult(statementID: i, error: error.description))
                break
            }
            i += 1
        }
        let failed = i
        while i < query.statements.count - 1 {
            _ = await emit(StatementResult(statementID: failed, error: "not executed"))
            i += 1
        }
    }

    /// 1.x refuses its internal system measurements as SELECT sources.
    static func systemSourceError(_ s: SelectStatement) -> String? {
        for case .measurement(let m) in s.sources where m.name.utf8.first == UInt8(ascii: "_") && systemNames.contains(m.name) {
            return "unable to use system source '\(m.name)': use \(systemCommands[m.name] ?? "the appropriate meta command") instead"
        }
        return nil
    }

    private static let systemCommands = ["_fieldKeys": "SHOW FIELD KEYS", "_measurements": "SHOW MEASUREMENTS", "_series": "SHOW SERIES",
                                         "_tagKeys": "SHOW TAG KEYS", "_tags": "SHOW TAG VALUES"]
    private static let systemNames: Set = ["_fieldKeys", "_measurements", "_name", "_series", "_tagKey", "_tagKeys", "_tags"]
}

extension Statement {
    /// 1.x's `HasDefaultDatabase`: the database a statement names for itself.
    var defaultDatabase: String {
        switch self {
        case .dropRetentionPolicy(_, let db), .grant(_, let db, _), .revoke(_, let db, _), .dropContinuousQuery(_, let db),
             .showRetentionPolicies(let db), .dropSubscription(_, let db, _):
            return db
        case .createRetentionPolicy(let s): return s.database
        case .alterRetentionPolicy(let s): return s.database
        case .createContinuousQuery(let s): return s.database
        case .createSubscription(let s): return s.database
        case .showSeries(let c): return c.database
        case .showMeasurements(let s): return s.database
        case .showSeriesCardinality(let c), .showMeasurementCardinality(let c), .showTagKeyCardinality(let c),
             .showTagValuesCardinality(let c, _, _), .showFieldKeyCardinality(let c):
            return c.database
        case .showTagKeys(let c), .showTagValues(let c, _, _), .showFieldKeys(let c): return c.database
        default: return ""
        }
    }
}
