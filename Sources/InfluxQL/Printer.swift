/// Canonical InfluxQL text, as 1.x's `String()` methods print it (what `SHOW CONTINUOUS
/// QUERIES` and `EXPLAIN` show).
extension Expr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .binary(let op, let l, let r): return "\(l) \(op.text) \(r)"
        case .paren(let e): return "(\(e))"
        case .varRef(let name, let type):
            return Quote.ident(name) + (type == .unknown ? "" : "::" + type.name)
        case .call(let name, let args): return "\(name)(\(args.map(\.description).joined(separator: ", ")))"
        case .distinct(let v): return "DISTINCT \(v)"
        case .string(let s): return Quote.string(s)
        case .number(let v): return GoFloat.fixed3(v)
        case .integer(let v): return String(v)
        case .unsigned(let v): return String(v)
        case .boolean(let v): return v ? "true" : "false"
        case .duration(let v): return Duration.format(v)
        case .regex(let p): return "/" + p.replacingSlashes() + "/"
        case .wildcard(let type):
            switch type {
            case .field?: return "*::field"
            case .tag?: return "*::tag"
            default: return "*"
            }
        case .list(let keys): return "(" + keys.map { Quote.ident($0) }.joined(separator: ", ") + ")"
        }
    }
}

extension String {
    /// `/` → `\/`, as 1.x prints regex literals.
    func replacingSlashes() -> String {
        var out = ""
        for ch in unicodeScalars {
            if ch == "/" { out += "\\/" } else { out.unicodeScalars.append(ch) }
        }
        return out
    }
}

extension Measurement: CustomStringConvertible {
    public var description: String {
        var out = ""
        if !database.isEmpty { out += Quote.ident(database) + "." }
        if !retentionPolicy.isEmpty { out += Quote.ident(retentionPolicy) }
        if !database.isEmpty || !retentionPolicy.isEmpty { out += "." }
        if !name.isEmpty {
            out += Quote.ident(name)
        } else if let regex {
            out += "/" + regex.replacingSlashes() + "/"
        }
        return out
    }
}

extension Source: CustomStringConvertible {
    public var description: String {
        switch self {
        case .measurement(let m): m.description
        case .subquery(let s): "(\(s))"
        }
    }
}

extension SortField: CustomStringConvertible {
    public var description: String { (name.isEmpty ? "" : name + " ") + (ascending ? "ASC" : "DESC") }
}

private func sources(_ list: [Source]) -> String { list.map(\.description).joined(separator: ", ") }
private func exprs(_ list: [Expr]) -> String { list.map(\.description).joined(separator: ", ") }
private func sorts(_ list: [SortField]) -> String { list.map(\.description).joined(separator: ", ") }

extension SelectStatement: CustomStringConvertible {
    public var description: String {
        var out = "SELECT " + fields.map { f in f.alias.isEmpty ? f.expr.description : "\(f.expr) AS \(Quote.ident(f.alias))" }.joined(separator: ", ")
        if let target {
            out += " INTO " + target.description
            if target.name.isEmpty { out += ":MEASUREMENT" }
        }
        if !self.sources.isEmpty { out += " FROM " + InfluxQL.sources(self.sources) }
        if let condition { out += " WHERE \(condition)" }
        if !dimensions.isEmpty { out += " GROUP BY " + exprs(dimensions) }
        switch fill {
        case .none: out += " fill(none)"
        case .integer(let v): out += " fill(\(v))"
        case .number(let v): out += " fill(\(GoFloat.formatV(v)))"
        case .linear: out += " fill(linear)"
        case .previous: out += " fill(previous)"
        case .null: break
        }
        if !sortFields.isEmpty { out += " ORDER BY " + sorts(sortFields) }
        if limit > 0 { out += " LIMIT \(limit)" }
        if offset > 0 { out += " OFFSET \(offset)" }
        if sLimit > 0 { out += " SLIMIT \(sLimit)" }
        if sOffset > 0 { out += " SOFFSET \(sOffset)" }
        if let location { out += " TZ('\(location)')" }
        return out
    }
}

extension Query: CustomStringConvertible {
    public var description: String { statements.map(\.description).joined(separator: ";\n") }
}

extension Statement: CustomStringConvertible {
    public var description: String {
        switch self {
        case .select(let s): return s.description
        case .explain(let s, let analyze): return "EXPLAIN " + (analyze ? "ANALYZE " : "") + s.description
        case .deleteSeries(let src, let cond): return "DELETE" + filter(src, cond)
        case .dropSeries(let src, let cond): return "DROP SERIES" + filter(src, cond)
        case .dropMeasurement(let name): return "DROP MEASUREMENT " + Quote.ident(name)
        case .dropShard(let id): return "DROP SHARD \(id)"
        case .dropDatabase(let name): return "DROP DATABASE " + Quote.ident(name)
        case .dropRetentionPolicy(let name, let db): return "DROP RETENTION POLICY \(Quote.ident(name)) ON \(Quote.ident(db))"
        case .dropUser(let name): return "DROP USER " + Quote.ident(name)
        case .dropContinuousQuery(let name, let db): return "DROP CONTINUOUS QUERY \(Quote.ident(name)) ON \(Quote.ident(db))"
        case .dropSubscription(let name, let db, let rp): return "DROP SUBSCRIPTION \(Quote.ident(name)) ON \(Quote.ident(db)).\(Quote.ident(rp))"
        case .createDatabase(let s):
            var out = "CREATE DATABASE " + Quote.ident(s.name)
            if s.retentionPolicyCreate {
                out += " WITH"
                if let d = s.duration { out += " DURATION " + GoDuration.string(d) }
                if let r = s.replication { out += " REPLICATION \(r)" }
                if s.shardGroupDuration > 0 { out += " SHARD DURATION " + GoDuration.string(s.shardGroupDuration) }
                if !s.retentionPolicyName.isEmpty { out += " NAME " + Quote.ident(s.retentionPolicyName) }
            }
            return out
        case .createRetentionPolicy(let s):
            var out = "CREATE RETENTION POLICY \(Quote.ident(s.name)) ON \(Quote.ident(s.database)) DURATION \(Duration.format(s.duration)) REPLICATION \(s.replication)"
            if s.shardGroupDuration > 0 { out += " SHARD DURATION " + Duration.format(s.shardGroupDuration) }
            if s.isDefault { out += " DEFAULT" }
            return out
        case .alterRetentionPolicy(let s):
            var out = "ALTER RETENTION POLICY \(Quote.ident(s.name)) ON \(Quote.ident(s.database))"
            if let d = s.duration { out += " DURATION " + Duration.format(d) }
            if let r = s.replication { out += " REPLICATION \(r)" }
            if let d = s.shardGroupDuration { out += " SHARD DURATION " + Duration.format(d) }
            if s.isDefault { out += " DEFAULT" }
            return out
        case .createUser(let name, _, let admin):
            return "CREATE USER \(Quote.ident(name)) WITH PASSWORD [REDACTED]" + (admin ? " WITH ALL PRIVILEGES" : "")
        case .createContinuousQuery(let s):
            var out = "CREATE CONTINUOUS QUERY \(Quote.ident(s.name)) ON \(Quote.ident(s.database)) "
            if s.resampleEvery > 0 || s.resampleFor > 0 {
                out += "RESAMPLE "
                if s.resampleEvery > 0 { out += "EVERY \(Duration.format(s.resampleEvery)) " }
                if s.resampleFor > 0 { out += "FOR \(Duration.format(s.resampleFor)) " }
            }
            return out + "BEGIN \(s.source) END"
        case .createSubscription(let s):
            return "CREATE SUBSCRIPTION \(Quote.ident(s.name)) ON \(Quote.ident(s.database)).\(Quote.ident(s.retentionPolicy)) DESTINATIONS \(s.mode) " + s.destinations.map(Quote.string).joined(separator: ", ")
        case .grant(let p, let on, let user): return "GRANT \(p.name) ON \(Quote.ident(on)) TO \(Quote.ident(user))"
        case .grantAdmin(let user): return "GRANT ALL PRIVILEGES TO " + Quote.ident(user)
        case .revoke(let p, let on, let user): return "REVOKE \(p.name) ON \(Quote.ident(on)) FROM \(Quote.ident(user))"
        case .revokeAdmin(let user): return "REVOKE ALL PRIVILEGES FROM " + Quote.ident(user)
        case .setPassword(let user, _): return "SET PASSWORD FOR \(Quote.ident(user)) = [REDACTED]"
        case .killQuery(let id, let host): return "KILL QUERY \(id)" + (host.isEmpty ? "" : " ON " + Quote.ident(host))
        case .showDatabases: return "SHOW DATABASES"
        case .showRetentionPolicies(let db): return "SHOW RETENTION POLICIES" + (db.isEmpty ? "" : " ON " + Quote.ident(db))
        case .showUsers: return "SHOW USERS"
        case .showGrants(let user): return "SHOW GRANTS FOR " + Quote.ident(user)
        case .showContinuousQueries: return "SHOW CONTINUOUS QUERIES"
        case .showSubscriptions: return "SHOW SUBSCRIPTIONS"
        case .showShards: return "SHOW SHARDS"
        case .showShardGroups: return "SHOW SHARD GROUPS"
        case .showQueries: return "SHOW QUERIES"
        case .showStats(let module): return "SHOW STATS" + (module.isEmpty ? "" : " FOR " + Quote.string(module))
        case .showDiagnostics(let module): return "SHOW DIAGNOSTICS" + (module.isEmpty ? "" : " FOR " + Quote.string(module))
        case .showMeasurements(let s):
            var out = "SHOW MEASUREMENTS"
            if !s.database.isEmpty { out += " ON " + s.database }  // 1.x does not quote it here
            if let m = s.source { out += " WITH MEASUREMENT " + (m.regex != nil ? "=~ " : "= ") + m.description }
            if let c = s.condition { out += " WHERE \(c)" }
            if !s.sortFields.isEmpty { out += " ORDER BY " + sorts(s.sortFields) }
            if s.limit > 0 { out += " LIMIT \(s.limit)" }
            if s.offset > 0 { out += " OFFSET \(s.offset)" }
            return out
        case .showSeries(let c): return "SHOW SERIES" + show(c, sLimit: false)
        case .showTagKeys(let c): return "SHOW TAG KEYS" + show(c, sLimit: true)
        case .showFieldKeys(let c): return "SHOW FIELD KEYS" + show(c, sLimit: false)
        case .showTagValues(let c, let op, let key):
            var out = "SHOW TAG VALUES"
            if !c.database.isEmpty { out += " ON " + Quote.ident(c.database) }
            if let src = c.sources { out += " FROM " + sources(src) }
            out += " WITH KEY \(op.text) " + tagKey(key)
            if let cond = c.condition { out += " WHERE \(cond)" }
            if !c.sortFields.isEmpty { out += " ORDER BY " + sorts(c.sortFields) }
            if c.limit > 0 { out += " LIMIT \(c.limit)" }
            if c.offset > 0 { out += " OFFSET \(c.offset)" }
            return out
        case .showSeriesCardinality(let c): return "SHOW SERIES" + (c.exact ? " EXACT" : "") + " CARDINALITY" + cardinality(c)
        case .showMeasurementCardinality(let c): return "SHOW MEASUREMENT" + (c.exact ? " EXACT" : "") + " CARDINALITY" + cardinality(c)
        case .showTagKeyCardinality(let c): return "SHOW TAG KEY " + (c.exact ? "EXACT " : "") + "CARDINALITY" + cardinality(c)
        case .showFieldKeyCardinality(let c): return "SHOW FIELD KEY " + (c.exact ? "EXACT " : "") + "CARDINALITY" + cardinality(c)
        case .showTagValuesCardinality(let c, let op, let key):
            var out = "SHOW TAG VALUES " + (c.exact ? "EXACT " : "") + "CARDINALITY"
            if !c.database.isEmpty { out += " ON " + Quote.ident(c.database) }
            if let src = c.sources { out += " FROM " + sources(src) }
            out += " WITH KEY \(op.text) " + tagKey(key)
            if let cond = c.condition { out += " WHERE \(cond)" }
            if !c.dimensions.isEmpty { out += " GROUP BY " + exprs(c.dimensions) }
            if c.limit > 0 { out += " LIMIT \(c.limit)" }
            if c.offset > 0 { out += " OFFSET \(c.offset)" }
            return out
        }
    }

    private func tagKey(_ key: Expr) -> String {
        if case .string(let s) = key { return Quote.ident(s) }
        return key.description
    }

    private func filter(_ src: [Source]?, _ cond: Expr?) -> String {
        var out = ""
        if let src { out += " FROM " + sources(src) }
        if let cond { out += " WHERE \(cond)" }
        return out
    }

    private func show(_ c: ShowClauses, sLimit: Bool) -> String {
        var out = ""
        if !c.database.isEmpty { out += " ON " + Quote.ident(c.database) }
        if let src = c.sources { out += " FROM " + sources(src) }
        if let cond = c.condition { out += " WHERE \(cond)" }
        if !c.sortFields.isEmpty { out += " ORDER BY " + sorts(c.sortFields) }
        if c.limit > 0 { out += " LIMIT \(c.limit)" }
        if c.offset > 0 { out += " OFFSET \(c.offset)" }
        if sLimit {
            if c.sLimit > 0 { out += " SLIMIT \(c.sLimit)" }
            if c.sOffset > 0 { out += " SOFFSET \(c.sOffset)" }
        }
        return out
    }

    private func cardinality(_ c: CardinalityClauses) -> String {
        var out = ""
        if !c.database.isEmpty { out += " ON " + Quote.ident(c.database) }
        if let src = c.sources { out += " FROM " + sources(src) }
        if let cond = c.condition { out += " WHERE \(cond)" }
        if !c.dimensions.isEmpty { out += " GROUP BY " + exprs(c.dimensions) }
        if c.limit > 0 { out += " LIMIT \(c.limit)" }
        if c.offset > 0 { out += " OFFSET \(c.offset)" }
        return out
    }
}
