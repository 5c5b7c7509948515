import InfluxQL
import Meta

extension QueryExecutor {
    /// 1.x's `NormalizeStatement`: SHOW statements get the default database; every
    /// measurement (except in DROP SERIES and DELETE) gets a database and retention policy,
    /// and its database must exist.
    func normalize(_ statement: Statement, database: String, retentionPolicy: String) async throws(StatementError) -> Statement {
        let data = meta.snapshot()
        func fill(_ m: inout Measurement) throws(StatementError) {
            if !m.isTarget && m.name.isEmpty && m.regex == nil { throw StatementError("invalid measurement") }
            if m.database.isEmpty { m.database = database }
            if m.database.isEmpty { throw .databaseNameRequired }
            guard let db = data.databases.first(where: { $0.name == m.database }) else { throw .databaseNotFound(m.database) }
            if m.retentionPolicy.isEmpty {
                if !retentionPolicy.isEmpty {
                    m.retentionPolicy = retentionPolicy
                } else if !db.defaultRetentionPolicy.isEmpty {
                    m.retentionPolicy = db.defaultRetentionPolicy
                } else {
                    throw StatementError("default retention policy not set for: \(db.name)")
                }
            }
        }
        func sources(_ list: [Source]?) throws(StatementError) -> [Source]? {
            guard let list else { return nil }
            var out: [Source] = []
            for source in list {
                switch source {
                case .measurement(var m):
                    try fill(&m)
                    out.append(.measurement(m))
                case .subquery(let s): out.append(.subquery(try select(s)))
                }
            }
            return out
        }
        func select(_ s: SelectStatement) throws(StatementError) -> SelectStatement {
            var s = s
            if var target = s.target {
                try fill(&target)
                s.target = target
            }
            s.sources = try sources(s.sources) ?? []
            return s
        }
        func cardinality(_ c: CardinalityClauses, fillDatabase: Bool) throws(StatementError) -> CardinalityClauses {
            var c = c
            if fillDatabase && c.database.isEmpty { c.database = database }
            c.sources = try sources(c.sources)
            return c
        }

        switch statement {
        case .select(let s): return .select(try select(s))
        case .explain(let s, let analyze): return .explain(try select(s), analyze: analyze)
        case .createContinuousQuery(var cq):
            cq.source = try select(cq.source)
            return .createContinuousQuery(cq)
        case .showRetentionPolicies(let db): return .showRetentionPolicies(database: db.isEmpty ? database : db)
        case .showMeasurements(var s):
            if s.database.isEmpty { s.database = database }
            if var m = s.source {
                try fill(&m)
                s.source = m
            }
            return .showMeasurements(s)
        case .showSeries(var c):
            c.sources = try sources(c.sources)
            return .showSeries(c)
        case .showTagKeys(var c):
            if c.database.isEmpty { c.database = database }
            c.sources = try sources(c.sources)
            return .showTagKeys(c)
        case .showTagValues(var c, let op, let key):
            if c.database.isEmpty { c.database = database }
            c.sources = try sources(c.sources)
            return .showTagValues(c, op: op, key: key)
        case .showFieldKeys(let c):
            var c = c
            c.sources = try sources(c.sources)
            return .showFieldKeys(c)
        case .showSeriesCardinality(let c): return .showSeriesCardinality(try cardinality(c, fillDatabase: true))
        case .showMeasurementCardinality(let c): return .showMeasurementCardinality(try cardinality(c, fillDatabase: true))
        case .showTagKeyCardinality(let c): return .showTagKeyCardinality(try cardinality(c, fillDatabase: false))
        case .showTagValuesCardinality(let c, let op, let key): return .showTagValuesCardinality(try cardinality(c, fillDatabase: false), op: op, key: key)
        case .showFieldKeyCardinality(let c): return .showFieldKeyCardinality(try cardinality(c, fillDatabase: false))
        default: return statement
        }
    }
}
