extension Parser {
    /// The statement keywords 1.x tries, in its order (they make up "expected …" lists).
    enum Tree {
        static let top: [Token] = [.select, .delete, .show, .create, .drop, .explain, .grant, .revoke, .alter, .set, .kill]
        static let show: [Token] = [.continuous, .databases, .diagnostics, .field, .grants, .measurement, .measurements, .queries, .retention, .series, .shard, .shards, .stats, .subscriptions, .tag, .users]
        static let create: [Token] = [.continuous, .database, .user, .retention, .subscription]
        static let drop: [Token] = [.continuous, .database, .measurement, .retention, .series, .shard, .subscription, .user]
    }

    /// One statement (1.x's `Language.Parse` tree).
    public mutating func parseStatement() throws(ParseError) -> Statement {
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .select: return .select(try parseSelect(target: .notRequired))
        case .delete: return try parseDelete()
        case .show: return try parseShow()
        case .create: return try parseCreate()
        case .drop: return try parseDrop()
        case .explain: return try parseExplain()
        case .grant: return try parseGrant()
        case .revoke: return try parseRevoke()
        case .alter:
            try expectTree(.retention, keys: ["RETENTION"])
            try expectTree(.policy, keys: ["POLICY"])
            return .alterRetentionPolicy(try parseAlterRetentionPolicy())
        case .set:
            try expectTree(.password, keys: ["PASSWORD"])
            try expectTree(.for, keys: ["FOR"])
            let user = try parseIdent()
            let eq = scanIgnoringWhitespace()
            guard eq.token == .eq else { throw .found(tokstr(eq), expected: ["="], at: eq.pos) }
            return .setPassword(user: user, password: try parseString())
        case .kill:
            try expectTree(.query, keys: ["QUERY"])
            let id = try parseUInt64()
            var host = ""
            if accept(.on) { host = try parseIdent() }
            return .killQuery(id: id, host: host)
        default:
            throw .found(tokstr(t), expected: Tree.top.map(\.text), at: t.pos)
        }
    }

    /// The next token must be `token`; otherwise the tree's "expected" list is reported.
    mutating func expectTree(_ token: Token, keys: [String]) throws(ParseError) {
        let t = scanIgnoringWhitespace()
        if t.token != token { throw .found(tokstr(t), expected: keys, at: t.pos) }
    }

    private mutating func parseShow() throws(ParseError) -> Statement {
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .continuous:
            try expectTree(.queries, keys: ["QUERIES"])
            return .showContinuousQueries
        case .databases: return .showDatabases
        case .diagnostics: return .showDiagnostics(module: accept(.for) ? try parseString() : "")
        case .field:
            let next = scanIgnoringWhitespace()
            switch next.token {
            case .key: return .showFieldKeyCardinality(try parseCardinality(exactAllowed: true))
            case .keys: return .showFieldKeys(try parseShowClauses(condition: false, sort: true, sLimit: false))
            default: throw .found(tokstr(next), expected: ["KEY", "KEYS"], at: next.pos)
            }
        case .grants:
            try expectTree(.for, keys: ["FOR"])
            return .showGrants(user: try parseIdent())
        case .measurement:
            let next = scanIgnoringWhitespace()
            switch next.token {
            case .exact:
                try expect([.cardinality])
                var clauses = try parseCardinalityClauses()
                clauses.exact = true
                return .showMeasurementCardinality(clauses)
            case .cardinality: return .showMeasurementCardinality(try parseCardinalityClauses())
            default: throw .found(tokstr(next), expected: ["EXACT", "CARDINALITY"], at: next.pos)
            }
        case .measurements: return .showMeasurements(try parseShowMeasurements())
        case .queries: return .showQueries
        case .retention:
            try expectTree(.policies, keys: ["POLICIES"])
            return .showRetentionPolicies(database: accept(.on) ? try parseIdent() : "")
        case .series:
            var exact = false
            if accept(.exact) { exact = true }
            if accept(.cardinality) {
                var clauses = try parseCardinalityClauses()
                clauses.exact = exact
                return .showSeriesCardinality(clauses)
            }
            return .showSeries(try parseShowClauses(condition: true, sort: true, sLimit: false))
        case .shard:
            try expectTree(.groups, keys: ["GROUPS"])
            return .showShardGroups
        case .shards: return .showShards
        case .stats: return .showStats(module: accept(.for) ? try parseString() : "")
        case .subscriptions: return .showSubscriptions
        case .tag:
            let next = scanIgnoringWhitespace()
            switch next.token {
            case .key: return .showTagKeyCardinality(try parseCardinality(exactAllowed: true))
            case .keys: return .showTagKeys(try parseShowClauses(condition: true, sort: true, sLimit: true))
            case .values: return try parseShowTagValues()
            default: throw .found(tokstr(next), expected: ["KEY", "KEYS", "VALUES"], at: next.pos)
            }
        case .users: return .showUsers
        default:
            throw .found(tokstr(t), expected: Tree.show.map(\.text), at: t.pos)
        }
    }

    /// `[EXACT] CARDINALITY …` after `SHOW TAG KEY` / `SHOW FIELD KEY`.
    private mutating func parseCardinality(exactAllowed: Bool) throws(ParseError) -> CardinalityClauses {
        var required = ["EXACT", "CARDINALITY"]
        var exact = false
        if accept(.exact) {
            exact = true
            required.removeFirst()
        }
        let t = scanIgnoringWhitespace()
        guard t.token == .cardinality else { throw .found(tokstr(t), expected: required, at: t.pos) }
        var clauses = try parseCardinalityClauses()
        clauses.exact = exact
        return clauses
    }

    /// `[ON db] [FROM …] [WHERE …] [GROUP BY …] [LIMIT n] [OFFSET n]`.
    mutating func parseCardinalityClauses() throws(ParseError) -> CardinalityClauses {
        var c = CardinalityClauses()
        if accept(.on) { c.database = try parseIdent() }
        if accept(.from) { c.sources = try parseSources(subqueries: false) }
        c.condition = try parseCondition()
        c.dimensions = try parseDimensions()
        c.limit = try parseOptionalInt(after: .limit)
        c.offset = try parseOptionalInt(after: .offset)
        return c
    }

    private mutating func parseShowClauses(condition: Bool, sort: Bool, sLimit: Bool) throws(ParseError) -> ShowClauses {
        var c = ShowClauses()
        if accept(.on) { c.database = try parseIdent() }
        if accept(.from) { c.sources = try parseSources(subqueries: false) }
        if condition { c.condition = try parseCondition() }
        if sort { c.sortFields = try parseOrderBy() }
        c.limit = try parseOptionalInt(after: .limit)
        c.offset = try parseOptionalInt(after: .offset)
        if sLimit {
            c.sLimit = try parseOptionalInt(after: .slimit)
            c.sOffset = try parseOptionalInt(after: .soffset)
        }
        return c
    }

    private mutating func parseShowTagValues() throws(ParseError) -> Statement {
        let t = scanIgnoringWhitespace()
        if t.token == .exact || t.token == .cardinality {
            if t.token == .exact { try expect([.cardinality]) }
            var c = CardinalityClauses()
            c.exact = t.token == .exact
            if accept(.on) { c.database = try parseIdent() }
            if accept(.from) { c.sources = try parseSources(subqueries: false) }
            let (op, key) = try parseTagKeyExpr()
            c.condition = try parseCondition()
            c.dimensions = try parseDimensions()
            c.limit = try parseOptionalInt(after: .limit)
            c.offset = try parseOptionalInt(after: .offset)
            return .showTagValuesCardinality(c, op: op, key: key)
        }
        unscan()
        var c = ShowClauses()
        if accept(.on) { c.database = try parseIdent() }
        if accept(.from) { c.sources = try parseSources(subqueries: false) }
        let (op, key) = try parseTagKeyExpr()
        c.condition = try parseCondition()
        c.sortFields = try parseOrderBy()
        c.limit = try parseOptionalInt(after: .limit)
        c.offset = try parseOptionalInt(after: .offset)
        return .showTagValues(c, op: op, key: key)
    }

    /// `WITH KEY = k | != k | =~ /re/ | !~ /re/ | IN (a, b)`.
    private mutating func parseTagKeyExpr() throws(ParseError) -> (Token, Expr) {
        try expect([.with, .key])
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .in:
            let lp = scanIgnoringWhitespace()
            guard lp.token == .lparen else { throw .found(tokstr(lp), expected: ["("], at: lp.pos) }
            let keys = try parseIdentList()
            let rp = scanIgnoringWhitespace()
            guard rp.token == .rparen else { throw .found(tokstr(rp), expected: [")"], at: rp.pos) }
            return (.in, .list(keys))
        case .eq, .neq:
            return (t.token, .string(try parseIdent()))
        case .eqRegex, .neqRegex:
            guard let re = try parseRegex() else {
                let next = scanIgnoringWhitespace()
                throw .found(tokstr(next), expected: ["regex"], at: next.pos)
            }
            return (t.token, re)
        default:
            throw .found(tokstr(t), expected: ["IN", "=", "=~"], at: t.pos)
        }
    }

    private mutating func parseShowMeasurements() throws(ParseError) -> ShowMeasurements {
        var s = ShowMeasurements()
        if accept(.on) { s.database = try parseIdent() }
        if accept(.with) {
            try expect([.measurement])
            let t = scanIgnoringWhitespace()
            guard t.token == .eq || t.token == .eqRegex else { throw .found(tokstr(t), expected: ["=", "=~"], at: t.pos) }
            if case .measurement(let m) = try parseSource(subqueries: false) { s.source = m }
        }
        s.condition = try parseCondition()
        s.sortFields = try parseOrderBy()
        s.limit = try parseOptionalInt(after: .limit)
        s.offset = try parseOptionalInt(after: .offset)
        return s
    }

    private mutating func parseCreate() throws(ParseError) -> Statement {
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .continuous:
            try expectTree(.query, keys: ["QUERY"])
            return .createContinuousQuery(try parseCreateContinuousQuery())
        case .database: return .createDatabase(try parseCreateDatabase())
        case .user:
            let name = try parseIdent()
            try expect([.with, .password])
            let password = try parseString()
            guard accept(.with) else { return .createUser(name: name, password: password, admin: false) }
            try expect([.all, .privileges])
            return .createUser(name: name, password: password, admin: true)
        case .retention:
            try expectTree(.policy, keys: ["POLICY"])
            return .createRetentionPolicy(try parseCreateRetentionPolicy())
        case .subscription: return .createSubscription(try parseCreateSubscription())
        default:
            throw .found(tokstr(t), expected: Tree.create.map(\.text), at: t.pos)
        }
    }

    private mutating func parseDrop() throws(ParseError) -> Statement {
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .continuous:
            try expectTree(.query, keys: ["QUERY"])
            let name = try parseIdent()
            try expectOn()
            return .dropContinuousQuery(name: name, database: try parseIdent())
        case .database: return .dropDatabase(try parseIdent())
        case .measurement: return .dropMeasurement(try parseIdent())
        case .retention:
            try expectTree(.policy, keys: ["POLICY"])
            let name = try parseIdent()
            try expectOn()
            return .dropRetentionPolicy(name: name, database: try parseIdent())
        case .series:
            let (sources, condition) = try parseSeriesFilter()
            return .dropSeries(sources: sources, condition: condition)
        case .shard: return .dropShard(try parseUInt64())
        case .subscription:
            let name = try parseIdent()
            try expectOn()
            let db = try parseIdent()
            let dot = scan()
            guard dot.token == .dot else { throw .found(tokstr(dot), expected: ["."], at: dot.pos) }
            return .dropSubscription(name: name, database: db, retentionPolicy: try parseIdent())
        case .user: return .dropUser(try parseIdent())
        default:
            throw .found(tokstr(t), expected: Tree.drop.map(\.text), at: t.pos)
        }
    }

    private mutating func expectOn() throws(ParseError) {
        let t = scanIgnoringWhitespace()
        guard t.token == .on else { throw .found(tokstr(t), expected: ["ON"], at: t.pos) }
    }

    private mutating func parseDelete() throws(ParseError) -> Statement {
        let (sources, condition) = try parseSeriesFilter()
        return .deleteSeries(sources: sources, condition: condition)
    }

    /// `[FROM m, …] [WHERE …]`, at least one; sources may not name a database or policy.
    private mutating func parseSeriesFilter() throws(ParseError) -> ([Source]?, Expr?) {
        let t = scanIgnoringWhitespace()
        var sources: [Source]?
        if t.token == .from {
            let parsed = try parseSources(subqueries: false)
            var failure: ParseError?
            for case .measurement(let m) in parsed {
                if !m.database.isEmpty { failure = .message("database not supported") }
                if !m.retentionPolicy.isEmpty { failure = .message("retention policy not supported") }
            }
            if let failure { throw failure }
            sources = parsed
        } else {
            unscan()
        }
        let condition = try parseCondition()
        if condition == nil && sources == nil { throw .found(tokstr(t), expected: ["FROM", "WHERE"], at: t.pos) }
        return (sources, condition)
    }

    private mutating func parseExplain() throws(ParseError) -> Statement {
        let analyze = accept(.analyze)
        let t = scanIgnoringWhitespace()
        guard t.token == .select else { throw .found(tokstr(t), expected: ["SELECT"], at: t.pos) }
        return .explain(try parseSelect(target: .notRequired), analyze: analyze)
    }

    private mutating func parsePrivilege() throws(ParseError) -> Privilege {
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .read: return .read
        case .write: return .write
        case .all:
            if scanIgnoringWhitespace().token != .privileges { unscan() }
            return .all
        default:
            throw .found(tokstr(t), expected: ["READ", "WRITE", "ALL [PRIVILEGES]"], at: t.pos)
        }
    }

    private mutating func parseGrant() throws(ParseError) -> Statement {
        let privilege = try parsePrivilege()
        let t = scanIgnoringWhitespace()
        if t.token == .on {
            let db = try parseIdent()
            let to = scanIgnoringWhitespace()
            guard to.token == .to else { throw .found(tokstr(to), expected: ["TO"], at: to.pos) }
            return .grant(privilege, on: db, user: try parseIdent())
        }
        if t.token == .to {
            guard privilege == .all else { throw .found(tokstr(t), expected: ["ON"], at: t.pos) }
            return .grantAdmin(user: try parseIdent())
        }
        throw .found(tokstr(t), expected: privilege == .all ? ["ON", "TO"] : ["ON"], at: t.pos)
    }

    private mutating func parseRevoke() throws(ParseError) -> Statement {
        let privilege = try parsePrivilege()
        let t = scanIgnoringWhitespace()
        if t.token == .on {
            let db = try parseIdent()
            let from = scanIgnoringWhitespace()
            guard from.token == .from else { throw .found(tokstr(from), expected: ["FROM"], at: from.pos) }
            return .revoke(privilege, on: db, user: try parseIdent())
        }
        if t.token == .from {
            guard privilege == .all else { throw .found(tokstr(t), expected: ["ON"], at: t.pos) }
            return .revokeAdmin(user: try parseIdent())
        }
        throw .found(tokstr(t), expected: privilege == .all ? ["ON", "FROM"] : ["ON"], at: t.pos)
    }

    private mutating func parseCreateDatabase() throws(ParseError) -> CreateDatabase {
        var s = CreateDatabase()
        s.name = try parseIdent()
        guard accept(.with) else { return s }
        let t = scanIgnoringWhitespace()
        guard [.duration, .name, .replication, .shard].contains(t.token) else {
            throw .found(tokstr(t), expected: ["DURATION", "NAME", "REPLICATION", "SHARD"], at: t.pos)
        }
        unscan()
        s.retentionPolicyCreate = true
        if accept(.duration) { s.duration = try parseDuration() }
        if accept(.replication) { s.replication = try parseInt(min: 1, max: Int(Int32.max)) }
        if accept(.shard) {
            let d = scanIgnoringWhitespace()
            guard d.token == .duration else { throw .found(tokstr(d), expected: ["DURATION"], at: d.pos) }
            s.shardGroupDuration = try parseDuration()
        }
        if accept(.name) { s.retentionPolicyName = try parseIdent() }
        return s
    }

    private mutating func parseCreateRetentionPolicy() throws(ParseError) -> CreateRetentionPolicy {
        var s = CreateRetentionPolicy()
        s.name = try parseIdent()
        try expectOn()
        s.database = try parseIdent()
        let d = scanIgnoringWhitespace()
        guard d.token == .duration else { throw .found(tokstr(d), expected: ["DURATION"], at: d.pos) }
        s.duration = try parseDuration()
        let r = scanIgnoringWhitespace()
        guard r.token == .replication else { throw .found(tokstr(r), expected: ["REPLICATION"], at: r.pos) }
        s.replication = try parseInt(min: 1, max: Int(Int32.max))
        if accept(.shard) {
            let t = scanIgnoringWhitespace()
            guard t.token == .duration else { throw .found(tokstr(t), expected: ["DURATION"], at: t.pos) }
            s.shardGroupDuration = try parseShardDuration()
        }
        if accept(.default) { s.isDefault = true }
        return s
    }

    /// A shard duration: like a duration, but `INF` is refused.
    private mutating func parseShardDuration() throws(ParseError) -> Int64 {
        let t = scanIgnoringWhitespace()
        if t.token == .inf { throw .message("invalid duration INF for shard duration", at: t.pos) }
        unscan()
        return try parseDuration()
    }

    private mutating func parseAlterRetentionPolicy() throws(ParseError) -> AlterRetentionPolicy {
        var s = AlterRetentionPolicy()
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .default: s.name = "default"
        case .ident: s.name = t.lit
        default: throw .found(tokstr(t), expected: ["identifier"], at: t.pos)
        }
        try expectOn()
        s.database = try parseIdent()
        var found = Set<Token>()
        loop: while true {
            let option = scanIgnoringWhitespace()
            if found.contains(option.token) { throw .message("found duplicate \(option.token.text) option", at: option.pos) }
            switch option.token {
            case .duration: s.duration = try parseDuration()
            case .replication: s.replication = try parseInt(min: 1, max: Int(Int32.max))
            case .shard:
                let d = scanIgnoringWhitespace()
                guard d.token == .duration else { throw .found(tokstr(d), expected: ["DURATION"], at: d.pos) }
                s.shardGroupDuration = try parseShardDuration()
            case .default: s.isDefault = true
            default:
                if found.isEmpty {
                    throw .found(tokstr(option), expected: ["DURATION", "REPLICATION", "SHARD", "DEFAULT"], at: option.pos)
                }
                unscan()
                break loop
            }
            found.insert(option.token)
        }
        return s
    }

    private mutating func parseCreateSubscription() throws(ParseError) -> CreateSubscription {
        var s = CreateSubscription()
        s.name = try parseIdent()
        try expectOn()
        s.database = try parseIdent()
        let dot = scan()
        guard dot.token == .dot else { throw .found(tokstr(dot), expected: ["."], at: dot.pos) }
        s.retentionPolicy = try parseIdent()
        let d = scanIgnoringWhitespace()
        guard d.token == .destinations else { throw .found(tokstr(d), expected: ["DESTINATIONS"], at: d.pos) }
        let mode = scanIgnoringWhitespace()
        guard mode.token == .all || mode.token == .any else { throw .found(tokstr(mode), expected: ["ALL", "ANY"], at: mode.pos) }
        s.mode = mode.token.text
        s.destinations = try parseStringList()
        return s
    }

    private mutating func parseCreateContinuousQuery() throws(ParseError) -> CreateContinuousQuery {
        var s = CreateContinuousQuery()
        s.name = try parseIdent()
        try expectOn()
        s.database = try parseIdent()
        if accept(.resample) { (s.resampleEvery, s.resampleFor) = try parseResample() }
        try expect([.begin, .select])
        let source = try parseSelect(target: .required)
        s.source = source
        if !source.isRawQuery {
            let interval = source.groupByInterval
            if interval.value == 0 || interval.error != nil {
                unscan()  // the whitespace
                unscan()  // the last token
                let t = scanIgnoringWhitespace()
                var expected = ["GROUP BY time(...)"]
                if let error = interval.error { expected.append(error) }
                throw .found(tokstr(t), expected: expected, at: t.pos)
            }
        }
        let end = scanIgnoringWhitespace()
        guard end.token == .end else { throw .found(tokstr(end), expected: ["END"], at: end.pos) }
        if let problem = s.validationError { throw problem }
        return s
    }

    private mutating func parseResample() throws(ParseError) -> (Int64, Int64) {
        var every: Int64 = 0, window: Int64 = 0
        for (keyword, assign) in [(Token.every, 0), (Token.for, 1)] {
            guard accept(keyword) else { continue }
            let t = scanIgnoringWhitespace()
            guard t.token == .durationVal else { throw .found(tokstr(t), expected: ["duration"], at: t.pos) }
            let d: Int64
            do throws(DurationError) { d = try Duration.parse(t.lit) } catch { throw .message(error.description, at: t.pos) }
            if assign == 0 { every = d } else { window = d }
        }
        if every == 0 && window == 0 {
            let t = scanIgnoringWhitespace()
            throw .found(tokstr(t), expected: ["EVERY", "FOR"], at: t.pos)
        }
        return (every, window)
    }
}
