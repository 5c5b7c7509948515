import Foundation
import InfluxQL
import Coordinator
import Meta
import TSDB

extension QueryExecutor {
    /// Statements over stored series: SHOW MEASUREMENTS / SERIES / TAG KEYS / TAG VALUES /
    /// FIELD KEYS, cardinality estimates, DROP MEASUREMENT / SERIES and DELETE.
    func rowsForData(_ statement: Statement, options: ExecutionOptions) async throws(StatementError) -> [Row] {
        switch statement {
        case .showMeasurements(let s):
            guard !s.database.isEmpty else { throw .databaseNameRequired }
            // A database that does not exist has no measurements (no error in 1.x).
            var names = try Self.measurementNames(index(s.database), condition: s.condition, source: s.source)
            names = Self.sortedUnique(names)
            names = Self.page(names, offset: s.offset, limit: s.limit)
            return names.isEmpty ? [] : [Row(name: "measurements", columns: ["name"], values: names.map { [.string($0)] })]
        case .showSeries(let c):
            let database = try await requireDatabase(c.database.isEmpty ? options.database : c.database)
            let condition = SeriesCondition(expr: c.condition)
            let series = try seriesForShowSeries(database, sources: c.sources, condition: condition)
            let keys = Self.sortedUnique(series.filter { Self.matches($0, c.sources) && condition.matches($0) }.map(\.madeKey))
            let page = Self.page(keys, offset: c.offset, limit: c.limit)
            return page.isEmpty ? [] : [Row(columns: ["key"], values: page.map { [.string($0)] })]
        case .showTagKeys(let c):
            let database = try await requireDatabase(c.database)
            let condition = SeriesCondition(expr: c.condition)
            var byMeasurement: [String: Set<String>] = [:]
            for s in index(database) where Self.matches(s, c.sources) && condition.matches(s) {
                byMeasurement[s.measurement, default: []].formUnion(s.tags.map(\.key))
            }
            return Self.sortedKeys(byMeasurement).compactMap { m in
                let keys = Self.page(Self.sortedUnique(Array(byMeasurement[m]!)), offset: c.offset, limit: c.limit)
                return keys.isEmpty ? nil : Row(name: m, columns: ["tagKey"], values: keys.map { [.string($0)] })
            }
        case .showTagValues(let c, let op, let key):
            let database = try await requireDatabase(c.database)
            let condition = SeriesCondition(expr: c.condition)
            var byMeasurement: [String: Set<[String]>] = [:]
            for s in index(database) where Self.matches(s, c.sources) && condition.matches(s) {
                for tag in s.tags where Self.tagKey(tag.key, op: op, key) {
                    byMeasurement[s.measurement, default: []].insert([tag.key, tag.value])
                }
            }
            return Self.sortedKeys(byMeasurement).compactMap { m in
                let pairs = byMeasurement[m]!.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
                let page = Self.page(pairs, offset: c.offset, limit: c.limit)
                return page.isEmpty ? nil : Row(name: m, columns: ["key", "value"], values: page.map { [.string($0[0]), .string($0[1])] })
            }
        case .showFieldKeys(let c):
            let database = try await requireDatabase(c.database.isEmpty ? options.database : c.database)
            // Every (key, type) pair of every shard: a field stored as another type in another
            // shard is listed once per type, ordered by key then type name (1.x's sorted merge
            // of the shards' `_fieldKeys` rows, deduplicated).
            var byMeasurement: [String: Set<[String]>] = [:]
            for shard in shards(database) {
                let set = shard.fieldSet
                // Field keys come from the shard's field set, which outlives deleted series.
                for m in set.measurements where Self.measurement(m, matchesAny: c.sources) {
                    for (key, type) in set.fields(of: m) { byMeasurement[m, default: []].insert([key, type.description]) }
                }
            }
            return Self.sortedKeys(byMeasurement).compactMap { m in
                let fields = byMeasurement[m]!.sorted {
                    $0[0] != $1[0] ? RawSelect.bytesLess($0[0], $1[0]) : RawSelect.bytesLess($0[1], $1[1])
                }
                let page = Self.page(fields, offset: c.offset, limit: c.limit)
                return page.isEmpty ? nil : Row(name: m, columns: ["fieldKey", "fieldType"], values: page.map { [.string($0[0]), .string($0[1])] })
            }
        case .showSeriesCardinality(let c) where c.isEstimate:
            // An unknown database estimates 0 (1.x's sketches of no shards).
            guard !c.database.isEmpty else { throw .databaseNameRequired }
            // 1.6 unions its shards' series id sets; tsi1 shards have theirs at hand.
            let all = shards(c.database)
            let tsi = all.compactMap { $0.index as? TSI1Index }
            if !tsi.isEmpty && tsi.count == all.count {
                return [Row(columns: ["cardinality estimation"], values: [[.integer(TSI1Index.seriesCardinality(tsi))]])]
            }
            let n = Set(index(c.database).map(\.key)).count
            return [Row(columns: ["cardinality estimation"], values: [[.integer(Int64(n))]])]
        case .showMeasurementCardinality(let c) where c.isEstimate:
            guard !c.database.isEmpty else { throw .databaseNameRequired }
            // tsi1 shards answer from 1.6's measurement sketches; otherwise the names are counted.
            let all = shards(c.database)
            let tsi = all.compactMap { $0.index as? TSI1Index }
            if !tsi.isEmpty && tsi.count == all.count {
                return [Row(columns: ["cardinality estimation"], values: [[.integer(TSI1Index.measurementCardinalityEstimate(tsi))]])]
            }
            let n = Set(index(c.database).map(\.measurement)).count
            return [Row(columns: ["cardinality estimation"], values: [[.integer(Int64(n))]])]
        case .showSeriesCardinality(let c):
            return try await cardinalityRows(.series, c, database: c.database.isEmpty ? options.database : c.database)
        case .showMeasurementCardinality(let c):
            return try await cardinalityRows(.measurement, c, database: c.database.isEmpty ? options.database : c.database)
        case .showTagKeyCardinality(let c):
            return try await cardinalityRows(.tagKey, c, database: c.database.isEmpty ? options.database : c.database)
        case .showTagValuesCardinality(let c, let op, let key):
            return try await cardinalityRows(.tagValues(op, key), c, database: c.database.isEmpty ? options.database : c.database)
        case .showFieldKeyCardinality(let c):
            return try await cardinalityRows(.fieldKey, c, database: c.database.isEmpty ? options.database : c.database)
        case .dropMeasurement(let name):
            guard meta.database(options.database) != nil else { throw .databaseNotFound(options.database) }
            for shard in shards(options.database) {
                // Deletes wait for the shard's compactions to stop: on the store's pool.
                let outcome = await store.blocking { Result { () throws(StoreError) in try shard.deleteMeasurement(name) } }
                do throws(StoreError) { try outcome.get() } catch { throw StatementError(error.description) }
            }
            return []
        case .dropSeries(let sources, let condition):
            guard meta.database(options.database) != nil else { throw .databaseNotFound(options.database) }
            let cond = SeriesCondition(expr: condition)
            if cond.hasTime { throw StatementError("DROP SERIES doesn't support time in WHERE clause") }
            try await deleteSeries(options.database, sources, cond, min: .min, max: .max)
            return []
        case .deleteSeries(let sources, let condition):
            guard meta.database(options.database) != nil else { throw .databaseNotFound(options.database) }
            let cond = SeriesCondition(expr: condition)
            let range = cond.timeRange(now: Int64(Date().timeIntervalSince1970 * 1e9))
            try await deleteSeries(options.database, sources, cond, min: range.min, max: range.max)
            return []
        case .select(let s):
            return try await select(s, queryID: options.queryID)
        case .explain(let s, analyze: false):
            return try await explain(s, queryID: options.queryID)
        case .explain(let s, analyze: true):
            return try await explainAnalyze(s, queryID: options.queryID)
        case .killQuery(let id, _):
            try registry.kill(id)
            return []
        case .showQueries:
            return [registry.rows()]
        default:
            throw StatementError("not implemented yet: \(statement.kindName)")
        }
    }

    /// SELECT: 1.x's compile checks, the shard mapping, subqueries, then the raw or the
    /// aggregate reader (and INTO); forms not implemented yet say so plainly.
    /// With `stream`, a raw SELECT hands its series to the sink in pieces of at most that
    /// many rows as it reads them and returns none; other forms return their rows.
    /// `memory` is shared by the statement's subqueries (a new budget when nil). 1.x checks
    /// `max-select-buckets` on the outermost statement only (`subquery: true` skips it);
    /// `max-select-series` on every statement that reads shards.
    func select(_ s: SelectStatement, queryID: UInt64, stream: (pieceSize: Int, sink: RawSelect.RowSink)? = nil,
                memory: QueryMemory? = nil, subquery: Bool = false) async throws(StatementError) -> [Row] {
        let memory = memory ?? QueryMemory(limit: limits.maxMemory)
        let compiled = try SelectCompiler.check(s)
        let (range, zone) = try Self.timeRange(of: s, interval: compiled.interval)
        let offset = try Self.groupByOffset(s, interval: compiled.interval)
        if !subquery { try limits.checkBuckets(interval: compiled.interval, offset: offset, range: range) }
        let counter = PointCounter()
        let data = meta.snapshot()
        var measurements: [InfluxQL.Measurement] = []
        for case .measurement(let m) in s.sources { measurements.append(m) }
        var targets: [String: [any SeriesSource]] = [:]
        var regexNames = Set<String>()
        var anyData = false
        for m in measurements {
            let shardIDs = try Self.mappedShardIDs(m, data, range: range)
            // In 1.x's order, shard groups by start time: the shard group's heap merges a mean's
            // and a float sum's partials in it (``PartialLayers``).
            let rank = Self.shardRank(m, data)
            let mapped = store.openShards.filter { shardIDs.contains($0.id) }
                .sorted { (rank[$0.id] ?? (.max, $0.id)) < (rank[$1.id] ?? (.max, $1.id)) }
            for shard in mapped {
                // A named measurement is looked up, not matched against every name.
                let names = m.regex == nil && !m.name.isEmpty ? (shard.index.hasMeasurement(m.name) ? [m.name] : []) : shard.index.measurements
                for name in names where Self.measurement(name, matches: m) {
                    anyData = true
                    if m.regex != nil { regexNames.insert(name) }
                    if !targets[name, default: []].contains(where: { ($0 as? ShardSource)?.shard === shard }) {
                        targets[name, default: []].append(ShardSource(shard: shard, counter: counter))
                    }
                }
            }
        }
        Self.resolveFieldTypes(&targets)
        // Subqueries run first (inheriting the outer time range when they have none); the
        // outer query reads their rows.
        for case .subquery(var inner) in s.sources {
            if inner.condition == nil || !SeriesCondition(expr: inner.condition).hasTime, range.min != .min || range.max != .max {
                var bounds: [Expr] = []
                if range.min != .min { bounds.append(.binary(op: .gte, lhs: .varRef(name: "time", type: .unknown), rhs: .integer(range.min))) }
                if range.max != .max { bounds.append(.binary(op: .lte, lhs: .varRef(name: "time", type: .unknown), rhs: .integer(range.max))) }
                var condition = inner.condition.map { Expr.paren($0) }
                for b in bounds { condition = condition.map { .binary(op: .and, lhs: $0, rhs: b) } ?? b }
                inner.condition = condition
            }
            let declaredDimensions = inner.dimensions
            // The inner query runs in the outer one's time order and takes the outer SLIMIT
            // and SOFFSET on top of its own (1.x's newIteratorOptionsSubstatement).
            inner.sortFields = s.sortFields
            inner.sLimit += s.sLimit
            inner.sOffset += s.sOffset
            // 1.x runs an inner aggregate's default fill(null) as fill(none): its empty windows
            // never reach the outer query (count's included, which would otherwise be 0).
            let aggregate = inner.fields.contains { SelectCompiler.callsFunction($0.expr) }
            if inner.fill == .null, aggregate { inner.fill = .none }
            // The outer query's GROUP BY tags reach the inner one (1.x's iterator options carry
            // the outer dimensions down): an inner aggregate is computed per those tags too.
            for case .varRef(let name, _) in s.dimensions where !inner.dimensions.contains(where: {
                if case .varRef(name, _) = $0 { return true }; return $0 == .wildcard(nil)
            }) {
                inner.dimensions.append(.varRef(name: name, type: .unknown))
                // A raw inner query keeps the tag among its `*` columns.
                if !aggregate { inner.pushedDimensions.append(name) }
            }
            // SLIMIT/SOFFSET (and an aggregate's LIMIT/OFFSET) apply as 1.x applies them inside a
            // subquery (``subqueryLimits``): the inner query runs without them, checked first.
            _ = try SelectCompiler.check(inner)
            let limits = (sLimit: inner.sLimit, sOffset: inner.sOffset, limit: inner.limit, offset: inner.offset)
            var outerTags: [String] = []
            for case .varRef(let name, _) in s.dimensions { outerTags.append(name) }
            // SLIMIT and SOFFSET cut each shard's tag sets, grouped by the outer GROUP BY tags.
            inner.limitDimensions = outerTags
            // A lone top()/bottom() without tag arguments reads its points with LIMIT and
            // OFFSET still set, as at the top level (``AggregateSelect``'s selectorCap).
            let keepsLimits = inner.fields.count == 1 && {
                if case .call(let name, let args) = inner.fields[0].expr { return (name == "top" || name == "bottom") && args.count == 2 }
                return false
            }()
            if aggregate && !keepsLimits { inner.limit = 0; inner.offset = 0 }
            let innerDatabase = inner.sources.compactMap { if case .measurement(let m) = $0 { return m.database }; return nil }.first ?? ""
            var innerRows: [Row]
            var emission: [[Int]]?
            do throws(StatementError) {
                if SubqueryEmission.applies(inner, outerTags: outerTags) {
                    (innerRows, emission) = try await emitted(inner, limit: limits.limit, offset: limits.offset, outerTags: outerTags,
                                                              queryID: queryID, memory: memory)
                } else if !aggregate, SubqueryEmission.limitsRawRuns(inner, outerTags: outerTags) {
                    var unlimited = inner
                    unlimited.limit = 0
                    unlimited.offset = 0
                    (innerRows, emission) = SubqueryEmission.rawRuns(try await select(unlimited, queryID: queryID, memory: memory, subquery: true),
                                                                     outerTags: outerTags, limit: inner.limit, offset: inner.offset,
                                                                     ascending: inner.sortFields.first?.ascending ?? true,
                                                                     shardStarts: Self.shardStarts(of: inner, meta.snapshot()))
                } else {
                    innerRows = try await select(inner, queryID: queryID, memory: memory, subquery: true)
                    if aggregate, SubqueryEmission.lonePointSelector(inner), !(inner.sortFields.first?.ascending ?? true) {
                        // Under DESC top(), bottom() and sample() still emit their points in time
                        // order (windows newest first): the outer query reads them so.
                        var next = 0
                        emission = innerRows.map { row in row.values.map { _ in next += 1; return next } }
                    } else if aggregate, SubqueryEmission.transformsGroupByGroup(inner, outerTags: outerTags) {
                        // 1.x's transformation iterators hand on an inner group whole, then the
                        // next, and LIMIT/OFFSET count each group's points.
                        innerRows = innerRows.compactMap { row in
                            var row = row
                            row.values = Array(row.values.dropFirst(limits.offset))
                            if limits.limit > 0 { row.values = Array(row.values.prefix(limits.limit)) }
                            return row.values.isEmpty ? nil : row
                        }
                        var next = 0
                        emission = innerRows.map { row in row.values.map { _ in next += 1; return next } }
                    } else if aggregate, SubqueryEmission.selectorWindows(inner, outerTags: outerTags) {
                        let interval = try SelectCompiler.check(inner).interval
                        if interval > 0 {
                            emission = SubqueryEmission.selectorRuns(innerRows, outerTags: outerTags, interval: interval,
                                                                     offset: try Self.groupByOffset(inner, interval: interval))
                        }
                    }
                }
            } catch {
                // 1.x builds the inner query's iterators only for what the outer one reads from
                // it: reading none of its columns or grouped tags, an inner iterator error never
                // surfaces and there are no rows.
                guard Self.readsSubquery(s, inner: inner, declaredDimensions: declaredDimensions) else { continue }
                if Self.wildcardCallsReadNothing(s, inner: inner, shards: shards(innerDatabase)) { continue }
                throw error
            }
            let rows = Self.subqueryLimits(innerRows, outerTags: outerTags,
                                           sLimit: 0, sOffset: 0, limit: keepsLimits || emission != nil ? 0 : limits.limit,
                                           offset: keepsLimits || emission != nil ? 0 : limits.offset,
                                           ascending: inner.sortFields.first?.ascending ?? true, aggregate: aggregate,
                                           byTime: inner.groupsByTime)
            let innerShards = shards(innerDatabase)
            let byTime = !aggregate || inner.groupsByTime
            let source = SubquerySource(rows: rows, aliases: Set(inner.fields.map(\.alias).filter { !$0.isEmpty }),
                                        tagKeys: { name in Set(innerShards.flatMap { $0.index.tagKeys(of: name) }) }, byTime: byTime,
                                        dimensions: declaredDimensions,
                                        integerColumns: { name in
                                            // Across shards 1.x keeps the lowest type: float over integer.
                                            Self.subqueryIntegerColumns(inner.fields) { field in
                                                let types = innerShards.compactMap { ShardSource(shard: $0).fieldTypes(of: name)[field] }
                                                return types.contains(.float) ? .float : types.first
                                            }
                                        },
                                        timeColumn: inner.fields.first { if case .varRef("time", _) = $0.expr { return true }; return false }
                                            .map { $0.alias.isEmpty ? "time" : $0.alias },
                                        wildcardHidden: Self.selectorArgumentColumns(inner.fields),
                                        untypedColumns: Self.untypedColumns(inner, shards: innerShards),
                                        staticTypes: Self.staticColumnTypes(inner, shards: innerShards), emission: emission)
            for row in rows where !targets[row.name, default: []].contains(where: { $0 is SubquerySource }) {
                targets[row.name, default: []].append(source)
                anyData = true
            }
        }
        if anyData, let target = s.target {
            var inner = s
            inner.target = nil
            let rows = try await select(inner, queryID: queryID)
            let points = SelectInto.points(from: rows, target: target)
            guard let pointsWriter else { throw StatementError("not implemented yet: SELECT INTO without a points writer") }
            if !points.isEmpty {
                do throws(WriteError) {
                    try await pointsWriter.writePoints(database: target.database, retentionPolicy: target.retentionPolicy, points: points)
                } catch {
                    throw StatementError(error.description)
                }
            }
            return [Row(name: "result", columns: ["time", "written"], values: [[.time(0), .integer(Int64(points.count))]])]
        }
        if anyData {
            let list = targets.map { name, sources in
                RawSelect.Target(name: name, shards: sources, viaRegex: regexNames.contains(name),
                                 databaseTagKeys: inmemDatabaseTagKeys(of: name, sources))
            }
            let registry = self.registry
            if limits.maxSeries > 0 {
                for target in list {
                    for source in target.shards {
                        guard let shard = source as? ShardSource else { continue }
                        let condition = SeriesCondition(expr: s.condition, fields: Set(shard.fieldTypes(of: target.name).keys))
                        try limits.checkSeries(shard.series(of: target.name, matching: condition).count)
                    }
                }
            }
            let maxPoints = limits.maxPoints
            // A cancelled task (the client went away) stops the query as KILL QUERY does.
            let interrupted: @Sendable () -> String? = {
                registry.interruption(queryID) ?? counter.exceeded(maxPoints) ?? (Task.isCancelled ? "query interrupted" : nil)
            }
            if RawSelect.handles(s) {
                var raw = RawSelect(statement: s, targets: list, range: range, interrupted: interrupted)
                raw.memory = memory
                raw.inSubquery = subquery
                guard let stream else { return Self.zoned(try await raw.run(), zone) }
                try await raw.stream(pieceSize: stream.pieceSize) { (piece, continues) throws(StatementError) in
                    var piece = piece
                    piece.zone = zone
                    try await stream.sink(piece, continues)
                }
                return []
            }
            // A transformation or arithmetic over distinct() runs as the plain distinct, then
            // applies to its rows.
            let outer = AggregateSelect.distinctOuter(s).flatMap { AggregateSelect.handles($0.inner) ? $0 : nil }
            if AggregateSelect.handles(outer?.inner ?? s) {
                // A negative GROUP BY time() passes 1.x's checks as an interval but runs as
                // one window over the range (its iterators see no usable interval).
                var aggregate = AggregateSelect(statement: outer?.inner ?? s, targets: list, range: range, interval: max(0, compiled.interval),
                                                offset: offset, interrupted: interrupted, typedPath: typedAggregates)
                aggregate.zone = zone
                aggregate.memory = memory
                aggregate.inSubquery = subquery
                let rows = try aggregate.run()
                return Self.zoned(try outer.map { o throws(StatementError) in try aggregate.applying(o, limit: s.limit, offset: s.offset, to: rows) } ?? rows, zone)
            }
            throw StatementError("not implemented yet: this SELECT over stored points (the query engine is issue 6)")
        }
        if s.target != nil {
            return [Row(name: "result", columns: ["time", "written"], values: [[.time(0), .integer(0)]])]
        }
        return []
    }

    /// Go's `t.Sub(t.Truncate(d))`, 1.x's offset of `time(d, now())`: Go
    /// truncates from its zero time (January 1 of year 1), not from the Unix epoch, which
    /// differs for intervals that do not divide 62,135,596,800 s.
    static func sinceTruncation(_ t: Int64, _ d: Int64) -> Int64 {
        guard d > 0 else { return 0 }
        var r = (Int128(t) + 62_135_596_800 * 1_000_000_000) % Int128(d)
        if r < 0 { r += Int128(d) }
        return Int64(r)
    }

    /// A SELECT's time range from its WHERE clause (zone-less literals read in its `tz()`
    /// zone), ending at now for GROUP BY time without an upper bound; and that zone.
    static func timeRange(of s: SelectStatement, interval: Int64) throws(StatementError) -> (range: (min: Int64, max: Int64), zone: Zone?) {
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        var zone: Zone?
        if let name = s.location {
            guard let z = Zone(name) else { throw StatementError("unable to find time zone \(name)") }
            zone = z
        }
        let condition = SeriesCondition(expr: s.condition)
        if let error = condition.timeLiteralError { throw StatementError(error) }
        var range = condition.timeRange(now: now, zone: zone)
        if interval != 0 && range.max == .max { range.max = now }
        return (range, zone)
    }

    /// 1.x's shard mapping of one source: the shards of its retention policy whose groups
    /// overlap the range. A missing database or policy is an error, as 1.x looks both up.
    static func mappedShardIDs(_ m: InfluxQL.Measurement, _ data: Meta_Data, range: (min: Int64, max: Int64)) throws(StatementError) -> Set<UInt64> {
        guard let db = data.databases.first(where: { $0.name == m.database }) else { throw .databaseNotFound(m.database) }
        guard let rp = db.retentionPolicies.first(where: { $0.name == m.retentionPolicy }) else {
            throw StatementError("retention policy not found: \(m.retentionPolicy)")
        }
        let groups = rp.shardGroups(overlapping: range.min, range.max)
        return Set(groups.flatMap { $0.shards.map(\.id) })
    }

    /// Each shard of the measurement's retention policy ranked by its group's start time.
    static func shardRank(_ m: InfluxQL.Measurement, _ data: Meta_Data) -> [UInt64: (Int64, UInt64)] {
        guard let db = data.databases.first(where: { $0.name == m.database }),
              let rp = db.retentionPolicies.first(where: { $0.name == m.retentionPolicy }) else { return [:] }
        var rank: [UInt64: (Int64, UInt64)] = [:]
        for group in rp.shardGroups { for shard in group.shards { rank[shard.id] = (group.startTime, shard.id) } }
        return rank
    }

    /// The offset of `GROUP BY time(interval, offset)` within an interval (0 without one).
    static func groupByOffset(_ s: SelectStatement, interval: Int64) throws(StatementError) -> Int64 {
        var offset: Int64 = 0
        for case .call("time", let args) in s.dimensions where args.count == 2 && interval > 0 {
            switch args[1] {
            case .duration(let d): offset = d % interval
            case .call("now", _): offset = Self.sinceTruncation(Int64(Date().timeIntervalSince1970 * 1e9), interval)
            // 1.x's GroupByOffset takes a duration or a time literal; a string (even one that
            // reads as a time) reaches it unconverted.
            case .string: throw StatementError("invalid time dimension offset: \(args[1])")
            default: break
            }
        }
        return offset
    }

    /// The start times of the shard groups of the statement's first measurement's retention
    /// policy, ascending.
    static func shardStarts(of s: SelectStatement, _ data: Meta_Data) -> [Int64] {
        for case .measurement(let m) in s.sources {
            guard let db = data.databases.first(where: { $0.name == m.database }),
                  let rp = db.retentionPolicies.first(where: { $0.name == m.retentionPolicy }) else { return [] }
            return rp.shardGroups(overlapping: .min, .max).map(\.startTime).sorted()
        }
        return []
    }

    /// Rows to be shown in the `tz()` zone.
    static func zoned(_ rows: [Row], _ zone: Zone?) -> [Row] {
        guard let zone else { return rows }
        return rows.map { row in
            var row = row
            row.zone = zone
            return row
        }
    }

    private func deleteSeries(_ database: String, _ sources: [Source]?, _ condition: SeriesCondition, min: Int64, max: Int64) async throws(StatementError) {
        for shard in shards(database) {
            let keys = shard.index.allSeries.filter { Self.matches($0, sources) && condition.matches($0) }.map(\.key)
            let outcome = await store.blocking { Result { () throws(StoreError) in try shard.deleteSeries(keys, min: min, max: max) } }
            do throws(StoreError) { try outcome.get() } catch { throw StatementError(error.description) }
        }
    }

    func requireDatabase(_ name: String) async throws(StatementError) -> String {
        guard !name.isEmpty else { throw .databaseNameRequired }
        guard meta.database(name) != nil else { throw .databaseNotFound(name) }
        return name
    }

    func shards(_ database: String) -> [Shard] { store.openShards.filter { $0.database == database } }

    /// The tag keys of `name` in every inmem shard of the databases `sources` read, when they
    /// are all inmem (1.x's inmem index is the database's: `FieldDimensions` answers for all
    /// of its shards); empty otherwise (tsi1 indexes are the shards').
    func inmemDatabaseTagKeys(of name: String, _ sources: [any SeriesSource]) -> Set<String> {
        let mapped = sources.compactMap { ($0 as? ShardSource)?.shard }
        guard !mapped.isEmpty, mapped.allSatisfy({ $0.index.version == .inmem }) else { return [] }
        let databases = Set(mapped.map(\.database))
        var keys = Set<String>()
        for shard in store.openShards where databases.contains(shard.database) && shard.index.version == .inmem {
            keys.formUnion(shard.index.tagKeys(of: name))
        }
        return keys
    }

    /// Every series of a database (all shards; duplicates possible).
    func index(_ database: String) -> [ParsedSeriesKey] { shards(database).flatMap(\.index.allSeries) }

    /// The series SHOW SERIES reads. 1.x's inmem index is the database's, so it sees every
    /// series; tsi1's indexes are the shards', so over tsi1 shards (and with a time condition)
    /// 1.x reads the shards of the retention policy (FROM's, else the default) whose groups
    /// overlap the statement's range. (SHOW TAG VALUES reads every shard with either index.)
    func seriesForShowSeries(_ database: String, sources: [InfluxQL.Source]?, condition: SeriesCondition) throws(StatementError) -> [ParsedSeriesKey] {
        let all = shards(database)
        let tsi1 = !all.isEmpty && all.allSatisfy { $0.index.version == .tsi1 }
        guard tsi1 || condition.hasTime else { return all.flatMap(\.index.allSeries) }
        if let error = condition.timeLiteralError { throw StatementError(error) }
        let range = condition.timeRange(now: Int64(Date().timeIntervalSince1970 * 1e9), zone: nil)
        var policy = ""
        for case .measurement(let source) in sources ?? [] where !source.retentionPolicy.isEmpty { policy = source.retentionPolicy }
        if policy.isEmpty { policy = meta.database(database)?.defaultRetentionPolicy ?? "" }
        let ids = try mappedShardIDs(database: database, retentionPolicy: policy, range: range)
        return all.filter { ids.contains($0.id) }.flatMap(\.index.allSeries)
    }

    /// ``mappedShardIDs(_:_:range:)`` for one retention policy of a database.
    func mappedShardIDs(database: String, retentionPolicy: String, range: (min: Int64, max: Int64)) throws(StatementError) -> Set<UInt64> {
        var m = InfluxQL.Measurement()
        m.database = database
        m.retentionPolicy = retentionPolicy
        return try Self.mappedShardIDs(m, meta.snapshot(), range: range)
    }

    static func matches(_ s: ParsedSeriesKey, _ sources: [Source]?) -> Bool { measurement(s.measurement, matchesAny: sources) }

    static func measurement(_ name: String, matchesAny sources: [Source]?) -> Bool {
        guard let sources, !sources.isEmpty else { return true }
        return sources.contains { source in
            if case .measurement(let m) = source { return measurement(name, matches: m) }
            return false
        }
    }

    static func measurement(_ name: String, matches m: InfluxQL.Measurement?) -> Bool {
        guard let m else { return true }
        if let re = m.regex { return SeriesCondition.regexMatches(re, name) }
        return m.name.isEmpty || m.name == name
    }

    /// `WITH KEY = / != / =~ / !~ / IN`.
    static func tagKey(_ key: String, op: Token, _ operand: Expr) -> Bool {
        switch (op, operand) {
        case (.eq, .string(let k)), (.eq, .varRef(let k, _)): return key == k
        case (.neq, .string(let k)), (.neq, .varRef(let k, _)): return key != k
        case (.eqRegex, .regex(let re)): return SeriesCondition.regexMatches(re, key)
        case (.neqRegex, .regex(let re)): return !SeriesCondition.regexMatches(re, key)
        case (.in, .list(let keys)): return keys.contains(key)
        default: return false
        }
    }

    static func sortedUnique(_ names: [String]) -> [String] {
        Array(Set(names)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func sortedKeys<V>(_ d: [String: V]) -> [String] { sortedUnique(Array(d.keys)) }

    static func page<T>(_ items: [T], offset: Int, limit: Int) -> [T] {
        var out = items
        if offset > 0 { out = offset >= out.count ? [] : Array(out[offset...]) }
        if limit > 0 && limit < out.count { out = Array(out.prefix(limit)) }
        return out
    }
}

extension CardinalityClauses {
    /// The plain estimate form; any clause makes 1.x rewrite it into a counting SELECT.
    var isEstimate: Bool { !exact && sources == nil && condition == nil && dimensions.isEmpty && limit == 0 && offset == 0 }
}

extension Statement {
    /// The statement's leading keywords, for messages.
    var kindName: String {
        String(description.prefix { $0 != "(" }.split(separator: " ").prefix(2).joined(separator: " "))
    }
}
