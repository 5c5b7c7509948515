import InfluxQL
import Meta
import TSDB
import TSM

/// A tag condition of a storage read: `name op value`, as Prometheus label matchers arrive.
/// The names `__name__` and `_measurement` stand for the measurement, `_field` for the field.
public struct TagMatcher: Sendable, Equatable {
    public enum Op: Sendable, Equatable { case equal, notEqual, regex, notRegex }
    public var name: String
    public var op: Op
    public var value: String

    public init(_ name: String, _ op: Op, _ value: String) {
        self.name = name
        self.op = op
        self.value = value
    }
}

/// One series' float values in a time range, across the shards that hold it.
public struct StoredFloatSeries: Sendable {
    public var measurement: String
    /// Sorted by key.
    public var tags: [(key: String, value: String)]
    public var times: [Int64] = []
    public var values: [Double] = []
}

/// What a storage read returned, and the series whose field was not a float (1.x logs them).
public struct StorageReadResult: Sendable {
    public var series: [StoredFloatSeries]
    public var skipped: [(seriesKey: String, type: FieldType)]
}

extension QueryExecutor {
    /// 1.x's storage read (`services/storage` `Store.Read`) of one field, as Prometheus remote
    /// read uses it: the series of `database`/`retentionPolicy` (empty: the default) matching
    /// every matcher, with their values of `field` in `[start, end]` (a bound ≤ 0 means
    /// unbounded), ordered by measurement then tags. Only float values are returned.
    ///
    /// Errors are 1.x's: `no database`, `invalid retention policy`, a regex that does not
    /// compile (only when some shard is in range, as 1.x parses the predicate only then), and
    /// the `max-select-point` / `max-select-series` limits.
    public func readFloatSeries(database: String, retentionPolicy: String, start: Int64, end: Int64,
                                matchers: [TagMatcher], field: String) async throws(StatementError) -> StorageReadResult {
        guard let db = meta.database(database) else { throw StatementError("no database") }
        let rpName = retentionPolicy.isEmpty ? db.defaultRetentionPolicy : retentionPolicy
        guard db.retentionPolicies.contains(where: { $0.name == rpName }) else { throw StatementError("invalid retention policy") }
        let min = start <= 0 ? Int64.min + 2 : start
        let max = end <= 0 ? Int64.max - 1 : end

        let data = meta.snapshot()
        let groups = data.databases.first { $0.name == database }?.retentionPolicies.first { $0.name == rpName }?
            .shardGroups(overlapping: min, max).sorted { $0.startTime < $1.startTime } ?? []
        let ids = groups.flatMap { $0.shards.map(\.id) }
        guard !ids.isEmpty else { return StorageReadResult(series: [], skipped: []) }
        for m in matchers where m.op == .regex || m.op == .notRegex {
            if let message = InfluxQLRegex.goError(m.value) { throw StatementError("error parsing regexp: \(message)") }
        }
        let open = Dictionary(store.openShards.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let shards = ids.compactMap { open[$0] }
        let scan = StorageScan(matchers: matchers, field: field, min: min, max: max, limits: limits)
        let outcome = await store.blocking { Result { () throws(StatementError) in try scan.run(shards) } }
        do throws(StatementError) { return try outcome.get() } catch { throw error }
    }
}

/// The work of a storage read, done on the store's blocking pool (it reads TSM blocks).
private struct StorageScan: Sendable {
    let measurementMatchers: [TagMatcher]
    let fieldMatchers: [TagMatcher]
    let condition: SeriesCondition
    let field: String
    let min: Int64
    let max: Int64
    let limits: SelectLimits

    init(matchers: [TagMatcher], field: String, min: Int64, max: Int64, limits: SelectLimits) {
        measurementMatchers = matchers.filter { $0.name == "__name__" || $0.name == "_measurement" }
        fieldMatchers = matchers.filter { $0.name == "_field" }
        let tagTerms: [Expr] = matchers.filter { !["__name__", "_measurement", "_field"].contains($0.name) }.map { m in
            switch m.op {
            case .equal: .binary(op: .eq, lhs: .varRef(name: m.name, type: .tag), rhs: .string(m.value))
            case .notEqual: .binary(op: .neq, lhs: .varRef(name: m.name, type: .tag), rhs: .string(m.value))
            case .regex: .binary(op: .eqRegex, lhs: .varRef(name: m.name, type: .tag), rhs: .regex(m.value))
            case .notRegex: .binary(op: .neqRegex, lhs: .varRef(name: m.name, type: .tag), rhs: .regex(m.value))
            }
        }
        condition = SeriesCondition(expr: tagTerms.dropFirst().reduce(tagTerms.first) { acc, term in
            acc.map { .binary(op: .and, lhs: $0, rhs: term) }
        })
        self.field = field
        self.min = min
        self.max = max
        self.limits = limits
    }

    static func holds(_ m: TagMatcher, _ value: String) -> Bool {
        switch m.op {
        case .equal: value == m.value
        case .notEqual: value != m.value
        case .regex: SeriesCondition.regexMatches(m.value, value)
        case .notRegex: !SeriesCondition.regexMatches(m.value, value)
        }
    }

    func run(_ shards: [Shard]) throws(StatementError) -> StorageReadResult {
        guard fieldMatchers.allSatisfy({ Self.holds($0, field) }) else { return StorageReadResult(series: [], skipped: []) }
        var found: [ByteKey: StoredFloatSeries] = [:]
        var skipped: [(seriesKey: String, type: FieldType)] = []
        var points = 0
        let fieldBytes = Array(field.utf8)
        for shard in shards {
            let index = shard.index
            for measurement in index.measurements where measurementMatchers.allSatisfy({ Self.holds($0, measurement) }) {
                guard let type = shard.fieldSet.fields(of: measurement)[field] else { continue }
                let candidates = condition.candidates { index.seriesKeys(of: measurement, tag: $0, value: $1) }
                let series = (candidates.map { index.series(of: measurement, keys: $0) } ?? index.series(of: measurement)).filter(condition.matches)
                try limits.checkSeries(series.count)
                for s in series {
                    guard type == .float else {
                        skipped.append((String(decoding: s.key, as: UTF8.self), type))
                        continue
                    }
                    let stored: WALValues?
                    do throws(EngineError) {
                        stored = try shard.engine.read(key: s.key + TSMFormat.fieldSeparator + fieldBytes, min: min, max: max)
                    } catch {
                        throw StatementError(error.description)
                    }
                    guard case .float(let times, let values)? = stored, !times.isEmpty else { continue }
                    points += times.count
                    if limits.maxPoints > 0 && points > limits.maxPoints {
                        throw StatementError("max-select-point limit exceeded: (\(points)/\(limits.maxPoints))")
                    }
                    found[ByteKey(s.key), default: StoredFloatSeries(measurement: s.measurement, tags: s.tags)].append(times, values)
                }
            }
        }
        return StorageReadResult(series: found.values.sorted(by: Self.precedes), skipped: skipped)
    }

    /// 1.x's series order (``ParsedSeriesKey/precedes(_:_:)``).
    static func precedes(_ a: StoredFloatSeries, _ b: StoredFloatSeries) -> Bool {
        ParsedSeriesKey.precedes((a.measurement, a.tags), (b.measurement, b.tags))
    }
}

private extension StoredFloatSeries {
    /// Shards are read oldest first and do not overlap in time, so appending keeps order.
    mutating func append(_ t: [Int64], _ v: [Double]) {
        times += t
        values += v
    }
}
