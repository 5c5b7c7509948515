extension SelectStatement {
    /// The statement with every measurement (sources, subqueries and the `INTO` target)
    /// fully qualified: a missing database becomes `database`, a missing retention policy
    /// `retentionPolicy` — what 1.x stores for a continuous query.
    public func normalized(database: String, retentionPolicy: String) -> SelectStatement {
        var s = self
        func fill(_ m: inout Measurement) {
            if m.database.isEmpty { m.database = database }
            if m.retentionPolicy.isEmpty { m.retentionPolicy = retentionPolicy }
        }
        s.sources = sources.map { source in
            switch source {
            case .measurement(var m):
                fill(&m)
                return .measurement(m)
            case .subquery(let inner):
                return .subquery(inner.normalized(database: database, retentionPolicy: retentionPolicy))
            }
        }
        if var target = s.target {
            fill(&target)
            s.target = target
        }
        return s
    }
}
