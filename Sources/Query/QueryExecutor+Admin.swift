import Foundation
import InfluxQL
import GoText
import Meta
import TSDB

extension QueryExecutor {
    /// Runs one normalized statement (1.x `StatementExecutor.ExecuteStatement`), handing its
    /// results to `emit` — with `chunked=true`, a SELECT's chunks as it produces them.
    func execute(_ statement: Statement, id: Int, options: ExecutionOptions, emit: @escaping Emit) async throws(StatementError) {
        var messages: [Message] = []
        if options.readOnly && statement.isWrite { messages.append(.readOnlyWarning(statement.description)) }
        guard let size = options.chunkSize, let emission = statement.chunkedEmission else {
            let series = try await rows(for: statement, options: options)
            _ = await emit(StatementResult(statementID: id, series: series, messages: messages))
            return
        }
        let chunker = ResultChunker(statementID: id, size: size, messages: messages)
        guard case .select(let s) = statement else {
            let series = try await rows(for: statement, options: options)
            for row in series {
                for result in emission == .perSeries ? chunker.addWhole(row) : chunker.add(row) where !(await emit(result)) {
                    return
                }
            }
            for result in chunker.finish() { _ = await emit(result) }
            return
        }
        let sink: RawSelect.RowSink = { (piece, continues) throws(StatementError) in
            for result in chunker.add(piece, continues: continues) where !(await emit(result)) {
                throw StatementError("client closed the connection")
            }
        }
        for row in try await select(s, queryID: options.queryID, stream: (size, sink)) { try await sink(row, false) }
        for result in chunker.finish() { _ = await emit(result) }
    }

    /// The rows of a statement; statements that only change state return none.
    private func rows(for statement: Statement, options: ExecutionOptions) async throws(StatementError) -> [Row] {
        do {
            return try await adminRows(for: statement, options: options)
        } catch let error as StatementError {
            throw error
        } catch {
            throw StatementError(String(describing: error))
        }
    }

    private func adminRows(for statement: Statement, options: ExecutionOptions) async throws -> [Row] {
        do {
            switch statement {
            case .createDatabase(let s):
                try await createDatabase(s)
            case .dropDatabase(let name):
                guard meta.database(name) != nil else { return [] }
                await store.deleteDatabase(name)
                try await meta.dropDatabase(name)
            case .createRetentionPolicy(let s):
                guard Self.isValidName(s.name) else { throw StatementError("invalid name") }
                try await meta.createRetentionPolicy(database: s.database, name: s.name, duration: s.duration,
                                                     shardGroupDuration: s.shardGroupDuration, replicaN: s.replication, makeDefault: s.isDefault)
            case .alterRetentionPolicy(let s):
                try await meta.updateRetentionPolicy(database: s.database, name: s.name, duration: s.duration,
                                                     shardGroupDuration: s.shardGroupDuration, replicaN: s.replication, makeDefault: s.isDefault)
            case .dropRetentionPolicy(let name, let database):
                guard let db = meta.database(database), db.retentionPolicies.contains(where: { $0.name == name }) else { return [] }
                await store.deleteRetentionPolicy(database: database, name: name)
                try await meta.dropRetentionPolicy(database: database, name: name)
            case .createUser(let name, let password, let admin):
                try await meta.createUser(name, password: password, admin: admin)
            case .dropUser(let name):
                try await meta.dropUser(name)
            case .setPassword(let user, let password):
                try await meta.setPassword(user: user, password: password)
            case .grant(let privilege, let database, let user):
                try await meta.setPrivilege(user: user, database: database, privilege: Int32(privilege.rawValue))
            case .grantAdmin(let user):
                try await meta.setAdmin(user: user, admin: true)
            case .revoke(let privilege, let database, let user):
                var remaining: Int32 = 0
                if privilege != .all {
                    remaining = try meta.userPrivilege(user: user, database: database) & ~Int32(privilege.rawValue)
                }
                try await meta.setPrivilege(user: user, database: database, privilege: remaining)
            case .revokeAdmin(let user):
                try await meta.setAdmin(user: user, admin: false)
            case .createContinuousQuery(let cq):
                try await createContinuousQuery(cq)
            case .dropContinuousQuery(let name, let database):
                try await meta.dropContinuousQuery(database: database, name: name)
            case .createSubscription(let s):
                try await meta.createSubscription(database: s.database, policy: s.retentionPolicy, name: s.name, mode: s.mode, destinations: s.destinations)
            case .dropSubscription(let name, let database, let policy):
                try await meta.dropSubscription(database: database, policy: policy, name: name)
            case .dropShard(let id):
                await store.deleteShard(id)
                try await meta.dropShard(id)
            case .showDatabases:
                return [await showDatabases(user: options.user)]
            case .showRetentionPolicies(let database):
                return [try await showRetentionPolicies(database)]
            case .showUsers:
                let users = meta.allUsers()
                return [Row(columns: ["user", "admin"], values: users.map { [.string($0.name), .boolean($0.admin)] })]
            case .showGrants(let user):
                guard let u = meta.user(user) else { throw MetaError.userNotFound }
                let data = meta.snapshot()
                let stored = data.users.first { $0.name == u.name }?.privileges ?? []
                return [Row(columns: ["database", "privilege"], values: stored.map {
                    [.string($0.database), .string((Privilege(rawValue: Int($0.privilege)) ?? .none).name)]
                })]
            case .showContinuousQueries:
                return meta.snapshot().databases.map { db in
                    Row(name: db.name, columns: ["name", "query"], values: db.continuousQueries.map { [.string($0.name), .string($0.query)] })
                }
            case .showSubscriptions:
                return meta.snapshot().databases.compactMap { db in
                    let values: [[Value]] = db.retentionPolicies.flatMap { rp in
                        rp.subscriptions.map { [.string(rp.name), .string($0.name), .string($0.mode), .strings($0.destinations)] }
                    }
                    return values.isEmpty ? nil : Row(name: db.name, columns: ["retention_policy", "name", "mode", "destinations"], values: values)
                }
            case .showShards:
                return await showShards()
            case .showShardGroups:
                return [await showShardGroups()]
            case .showStats(let module):
                return showStats(module: module)
            case .showDiagnostics(let module):
                return showDiagnostics(module: module)
            default:
                return try await rowsForData(statement, options: options)
            }
        }
        return []
    }

    private func createDatabase(_ s: CreateDatabase) async throws(StatementError) {
        guard Self.isValidName(s.name) else { throw StatementError("invalid name") }
        if s.retentionPolicyCreate && !s.retentionPolicyName.isEmpty && !Self.isValidName(s.retentionPolicyName) { throw StatementError("invalid name") }
        do throws(MetaError) {
            if !s.retentionPolicyCreate {
                try await meta.createDatabase(s.name)
                return
            }
            let spec = RetentionPolicySpec(name: s.retentionPolicyName, duration: s.duration, replicaN: s.replication, shardGroupDuration: s.shardGroupDuration)
            try await meta.createDatabase(s.name, policy: spec)
        } catch {
            throw StatementError(error.description)
        }
    }

    /// Every retention policy the query reads or writes must exist before the query is stored.
    private func createContinuousQuery(_ cq: CreateContinuousQuery) async throws(StatementError) {
        var measurements: [InfluxQL.Measurement] = cq.source.target.map { [$0] } ?? []
        func collect(_ s: SelectStatement) {
            for source in s.sources {
                switch source {
                case .measurement(let m): measurements.append(m)
                case .subquery(let inner): collect(inner)
                }
            }
        }
        collect(cq.source)
        for m in measurements {
            guard let db = meta.database(m.database) else { throw .databaseNotFound(m.database) }
            guard db.retentionPolicies.contains(where: { $0.name == m.retentionPolicy }) else {
                throw StatementError("retention policy not found: \(m.database).\(m.retentionPolicy)")
            }
        }
        do throws(MetaError) {
            try await meta.createContinuousQuery(database: cq.database, name: cq.name, query: Statement.createContinuousQuery(cq).description)
        } catch {
            throw StatementError(error.description)
        }
    }

    private func showDatabases(user: UserInfo?) async -> Row {
        let names = meta.allDatabases().map(\.name).filter { name in
            guard let user else { return true }
            return user.authorizeDatabase(1, name) || user.authorizeDatabase(2, name)
        }
        return Row(name: "databases", columns: ["name"], values: names.map { [.string($0)] })
    }

    private func showRetentionPolicies(_ database: String) async throws(StatementError) -> Row {
        guard !database.isEmpty else { throw .databaseNameRequired }
        guard let db = meta.database(database) else { throw .databaseNotFound(database) }
        var row = Row(columns: ["name", "duration", "shardGroupDuration", "replicaN", "default"], values: db.retentionPolicies.map {
            [.string($0.name), .string(InfluxQL.Duration.goString($0.duration)), .string(InfluxQL.Duration.goString($0.shardGroupDuration)),
             .integer(Int64($0.replicaN)), .boolean($0.name == db.defaultRetentionPolicy)]
        })
        row.goIntColumns = [3]  // 1.x's ReplicaN is an int
        return row
    }

    private func showShards() async -> [Row] {
        meta.snapshot().databases.map { db in
            var values: [[Value]] = []
            for rp in db.retentionPolicies {
                for group in rp.shardGroups where group.deletedAt == 0 {
                    for shard in group.shards {
                        values.append([.unsigned(shard.id), .string(db.name), .string(rp.name), .unsigned(group.id),
                                       .string(RFC3339.seconds(group.startTime)), .string(RFC3339.seconds(group.endTime)),
                                       .string(RFC3339.seconds(group.endTime &+ rp.duration)),
                                       .string(shard.owners.map { String($0.nodeID) }.joined(separator: ","))])
                    }
                }
            }
            return Row(name: db.name, columns: ["id", "database", "retention_policy", "shard_group", "start_time", "end_time", "expiry_time", "owners"], values: values)
        }
    }

    private func showShardGroups() async -> Row {
        var values: [[Value]] = []
        for db in meta.snapshot().databases {
            for rp in db.retentionPolicies {
                for group in rp.shardGroups where group.deletedAt == 0 {
                    values.append([.unsigned(group.id), .string(db.name), .string(rp.name), .string(RFC3339.seconds(group.startTime)),
                                   .string(RFC3339.seconds(group.endTime)), .string(RFC3339.seconds(group.endTime &+ rp.duration))])
                }
            }
        }
        return Row(name: "shard groups", columns: ["id", "database", "retention_policy", "start_time", "end_time", "expiry_time"], values: values)
    }

    /// 1.x's `meta.ValidName`: printable, not empty, `.` or `..`, and no slashes.
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\\") else { return false }
        return name.unicodeScalars.allSatisfy(GoUnicode.isPrint)
    }
}

extension Statement {
    /// Statements 1.x flags with the read-only warning when sent with GET.
    var isWrite: Bool {
        switch self {
        case .alterRetentionPolicy, .createContinuousQuery, .createDatabase, .createRetentionPolicy, .createSubscription,
             .createUser, .dropContinuousQuery, .dropDatabase, .dropMeasurement, .dropSeries, .dropRetentionPolicy,
             .dropShard, .dropSubscription, .dropUser, .grant, .grantAdmin, .revoke, .revokeAdmin, .setPassword, .killQuery:
            return true
        default:
            return false
        }
    }
}

/// How 1.x sends a statement's rows when the answer is chunked.
enum ChunkedEmission {
    /// Through its emitter, cut at the chunk size: SELECT and the SHOW statements it rewrites
    /// into SELECTs (series, field keys, the exact and tag/field cardinalities).
    case emitter
    /// One result per measurement, never cut: SHOW TAG KEYS and SHOW TAG VALUES.
    case perSeries
}

extension Statement {
    /// nil: one result holding every row, chunked or not.
    var chunkedEmission: ChunkedEmission? {
        switch self {
        case .select, .showSeries, .showFieldKeys, .showTagKeyCardinality, .showTagValuesCardinality, .showFieldKeyCardinality:
            return .emitter
        case .showSeriesCardinality(let c), .showMeasurementCardinality(let c):
            // An estimate with any clause is rewritten into a SELECT as EXACT is (1.x's rewriter).
            return c.isEstimate ? nil : .emitter
        case .showTagKeys, .showTagValues:
            return .perSeries
        default:
            return nil
        }
    }
}
