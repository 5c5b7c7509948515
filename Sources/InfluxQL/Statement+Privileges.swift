/// What executing a statement requires of a user (1.x `ExecutionPrivilege`): admin, or a
/// privilege on a database (`""` = the request's `db`).
public struct ExecutionPrivilege: Sendable, Hashable {
    public var admin: Bool
    public var database: String
    public var privilege: Privilege

    static let adminOnly = ExecutionPrivilege(admin: true, database: "", privilege: .all)
    static func read(_ database: String) -> Self { .init(admin: false, database: database, privilege: .read) }
    static func write(_ database: String) -> Self { .init(admin: false, database: database, privilege: .write) }
}

extension Statement {
    /// 1.x's `RequiredPrivileges` for each statement kind.
    public var requiredPrivileges: [ExecutionPrivilege] {
        switch self {
        case .select(let s), .explain(let s, _): return s.requiredPrivileges
        case .createDatabase, .dropDatabase, .createUser, .dropUser, .grant, .grantAdmin, .revoke, .revokeAdmin,
             .setPassword, .killQuery, .createRetentionPolicy, .alterRetentionPolicy, .dropShard, .dropMeasurement,
             .showGrants, .showStats, .showShardGroups, .showShards, .showDiagnostics, .createSubscription,
             .dropSubscription, .showSubscriptions, .showUsers:
            return [.adminOnly]
        case .dropRetentionPolicy(_, let database): return [.write(database)]
        case .deleteSeries, .dropSeries: return [.write("")]
        case .showSeries(let c), .showTagKeys(let c), .showTagValues(let c, _, _), .showFieldKeys(let c): return [.read(c.database)]
        case .showMeasurements(let s): return [.read(s.database)]
        case .showRetentionPolicies(let database): return [.read(database)]
        case .showContinuousQueries, .showQueries: return [.read("")]
        case .showDatabases: return [ExecutionPrivilege(admin: false, database: "", privilege: .none)]
        case .createContinuousQuery(let cq):
            var out = [ExecutionPrivilege.read(cq.database)]
            if let target = cq.source.target, !target.database.isEmpty { out.append(.write(target.database)) }
            return out
        case .dropContinuousQuery(_, let database): return [.write(database)]
        case .showSeriesCardinality(let c), .showMeasurementCardinality(let c):
            return c.exact ? Self.sourcePrivileges(c.sources ?? []) : [.read(c.database)]
        case .showTagKeyCardinality(let c), .showTagValuesCardinality(let c, _, _), .showFieldKeyCardinality(let c):
            return Self.sourcePrivileges(c.sources ?? [])
        }
    }

    static func sourcePrivileges(_ sources: [Source]) -> [ExecutionPrivilege] {
        sources.flatMap { source -> [ExecutionPrivilege] in
            switch source {
            case .measurement(let m): [.read(m.database)]
            case .subquery(let s): s.requiredPrivileges
            }
        }
    }
}

extension SelectStatement {
    /// READ on each source's database, WRITE on an `INTO` target's.
    public var requiredPrivileges: [ExecutionPrivilege] {
        var out = Statement.sourcePrivileges(sources)
        if let target { out.append(.write(target.database)) }
        return out
    }
}
