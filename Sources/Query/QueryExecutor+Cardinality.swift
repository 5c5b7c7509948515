import Foundation
import InfluxQL
import Meta
import TSDB

extension QueryExecutor {
    /// What a counting CARDINALITY statement counts.
    enum CardinalityKind {
        case series, measurement, tagKey, fieldKey
        case tagValues(Token, Expr)

        /// 1.x's rewrite refuses a time condition (except for tag values, which it maps to the
        /// SELECT's time range); the message names the statement as 1.x's rewriter does.
        var timeError: String? {
            switch self {
            case .series: "SHOW SERIES EXACT CARDINALITY doesn't support time in WHERE clause"
            case .measurement: "SHOW MEASUREMENT EXACT CARDINALITY doesn't support time in WHERE clause"
            case .tagKey: "SHOW TAG KEY EXACT CARDINALITY doesn't support time in WHERE clause"
            case .fieldKey: "SHOW FIELD KEY CARDINALITY doesn't support time in WHERE clause"
            case .tagValues: nil
            }
        }
    }

    /// The errors of 1.x's statement rewriter (`RewriteStatement`): a time condition on the
    /// SHOW statements it turns into SELECTs over system fields.
    static func rewriteError(_ statement: Statement) -> String? {
        let kind: CardinalityKind, clauses: CardinalityClauses
        switch statement {
        case .showMeasurements(let m):
            guard let condition = m.condition, mentionsTime(condition) else { return nil }
            return "SHOW MEASUREMENTS doesn't support time in WHERE clause"
        case .showSeriesCardinality(let c) where !c.isEstimate: (kind, clauses) = (.series, c)
        case .showMeasurementCardinality(let c) where !c.isEstimate: (kind, clauses) = (.measurement, c)
        case .showTagKeyCardinality(let c): (kind, clauses) = (.tagKey, c)
        case .showFieldKeyCardinality(let c): (kind, clauses) = (.fieldKey, c)
        default: return nil
        }
        guard let message = kind.timeError, SeriesCondition(expr: clauses.condition).hasTime else { return nil }
        return message
    }

    /// `SHOW … EXACT CARDINALITY` and every CARDINALITY form with a clause: 1.x rewrites them
    /// into `SELECT count(…) AS count` over the system fields `_seriesKey` (counted per shard,
    /// so a series in two shards counts twice), `count(distinct(_name | _tagKey | _tagValue |
    /// _fieldKey))`, grouped by measurement (the measurement form strips the name) and the
    /// GROUP BY tags, time omitted, over the shards of one retention policy. Each group with
    /// anything to count is one series of one row.
    func cardinalityRows(_ kind: CardinalityKind, _ c: CardinalityClauses, database: String) async throws(StatementError) -> [Row] {
        if let message = kind.timeError, SeriesCondition(expr: c.condition).hasTime { throw StatementError(message) }
        let db = try await requireDatabase(database)
        let condition = SeriesCondition(expr: c.condition)
        struct Group: Hashable {
            var measurement: String
            var tags: [String]
        }
        let range = condition.timeRange(now: Int64(Date().timeIntervalSince1970 * 1e9))
        let valuesInRange = range.min <= 0 && range.max >= 0
        var counts: [Group: Int] = [:]
        var sets: [Group: Set<String>] = [:]
        var dimensionKeys: [String: [String]] = [:]
        // The rewritten SELECT reads the shards of its sources' retention policies: the one
        // FROM names, else the default (`FROM /.+/`).
        var policies = Set((c.sources ?? []).compactMap { source -> String? in
            if case .measurement(let m) = source, !m.retentionPolicy.isEmpty { return m.retentionPolicy }
            return nil
        })
        if policies.isEmpty { policies = [meta.database(db)?.defaultRetentionPolicy ?? ""] }
        // Tag values under a time condition: the SELECT maps the shards whose groups overlap
        // its range, and reads values only there.
        var mapped: Set<UInt64>?
        if case .tagValues = kind, condition.hasTime {
            if let error = condition.timeLiteralError { throw StatementError(error) }
            var ids: Set<UInt64> = []
            for policy in policies { ids.formUnion(try mappedShardIDs(database: db, retentionPolicy: policy, range: range)) }
            mapped = ids
        }
        for shard in shards(db) where policies.contains(shard.retentionPolicy) && mapped.map({ $0.contains(shard.id) }) ?? true {
            // Series counted with nothing to filter or group by: each measurement's count,
            // without reading a key.
            if case .series = kind, c.condition == nil, c.dimensions.isEmpty {
                for m in shard.index.measurements where Self.measurement(m, matchesAny: c.sources) {
                    counts[Group(measurement: m, tags: []), default: 0] += shard.index.seriesCount(of: m)
                }
                continue
            }
            for s in shard.index.allSeries where Self.matches(s, c.sources) && condition.matches(s) {
                let keys = dimensionKeys[s.measurement] ?? RawSelect.groupTags(c.dimensions, shard.index.tagKeys(of: s.measurement))
                dimensionKeys[s.measurement] = keys
                let group = Group(measurement: { if case .measurement = kind { return "" }; return s.measurement }(), tags: keys.map { s.tag($0) })
                switch kind {
                case .series: counts[group, default: 0] += 1
                case .measurement: sets[group, default: []].insert(s.measurement)
                case .tagKey: sets[group, default: []].formUnion(s.tags.map { $0.key })
                case .tagValues(let op, let key):
                    // The rewritten SELECT reads each value as a point at time 0: a time range
                    // without 0 leaves none.
                    guard valuesInRange else { break }
                    for tag in s.tags where Self.tagKey(tag.key, op: op, key) && Self.tagValueHolds(c.condition, tags: s.tags, tagKey: tag.key) {
                        sets[group, default: []].insert(tag.value)
                    }
                case .fieldKey: sets[group, default: []].formUnion(shard.fieldSet.fields(of: s.measurement).keys)
                }
            }
        }
        for (group, set) in sets where !set.isEmpty { counts[group] = set.count }
        // LIMIT and OFFSET count rows within each series, and each series has one.
        guard c.offset == 0 else { return [] }
        let groups = counts.keys.filter { counts[$0]! > 0 }.sorted {
            $0.measurement != $1.measurement ? RawSelect.bytesLess($0.measurement, $1.measurement) : $0.tags.lexicographicallyPrecedes($1.tags, by: RawSelect.bytesLess)
        }
        return groups.map { g in
            let keys = g.measurement.isEmpty ? RawSelect.groupTags(c.dimensions, []) : dimensionKeys[g.measurement] ?? []
            var tags: [String: String] = [:]
            for (k, v) in zip(keys, g.tags) { tags[k] = v }
            return Row(name: g.measurement, tags: tags, columns: ["count"], values: [[.integer(Int64(counts[g]!))]])
        }
    }

    /// 1.x's `matchTagValues` (the `_tagValue` cursor of the rewritten SELECT): the WHERE
    /// clause evaluated for one tag of a series over the series' tags and `_tagKey`, the tag's
    /// key. A name the series lacks (a field too) is nothing, and any comparison with nothing
    /// is false — `region != 'x'` does not hold for a series without `region` — where the
    /// index's series filter reads a missing tag as empty. Time comparisons are the SELECT's
    /// time range, not evaluated here.
    static func tagValueHolds(_ condition: Expr?, tags: [(key: String, value: String)], tagKey: String) -> Bool {
        guard let condition else { return true }
        func value(_ e: Expr) -> Value {
            switch e {
            case .varRef(let name, _):
                if name == "_tagKey" { return .string(tagKey) }
                return tags.first { $0.key == name }.map { .string($0.value) } ?? .null
            case .paren(let inner): return value(inner)
            case .regex(let re): return .strings([re])
            default: return RawSelect.literal(e) ?? .null
            }
        }
        func holds(_ e: Expr) -> Bool {
            switch e {
            case .paren(let inner): return holds(inner)
            case .binary(.and, let l, let r): return holds(l) && holds(r)
            case .binary(.or, let l, let r): return holds(l) || holds(r)
            case .binary(_, .varRef("time", _), _), .binary(_, _, .varRef("time", _)): return true
            case .binary(let op, let l, let r):
                let (a, b) = (value(l), value(r))
                if a == .null || b == .null { return false }
                return RawSelect.compare(op, a, b)
            case .boolean(let v): return v
            default: return true
            }
        }
        return holds(condition)
    }
}
