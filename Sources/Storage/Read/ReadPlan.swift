import Meta
import TSDB

/// What a Read request asks for once checked (1.6's `rpcService.Read` and
/// `Store.validateArgs`), with the shards it reads in time order.
struct ReadPlan: Sendable {
    enum Group: Sendable { case all, none, by }

    var shards: [Shard]
    /// nil when the end is before the start: rows, but no points.
    var range: ClosedRange<Int64>?
    var ascending: Bool
    var group: Group
    var groupKeys: [[UInt8]]
    var conditions: ReadConditions
    var aggregate: RowSource.Aggregate?
    /// Points per row; 1 when only series frames are wanted.
    var pointsLimit: Int64
    var seriesLimit: Int64
    var seriesOffset: Int64
    var noPoints: Bool
    var noSeries: Bool
    var schemaAllTime: Bool

    /// 1.x's `models.MinNanoTime` and `MaxNanoTime`.
    static let minTime = Int64.min + 2
    static let maxTime = Int64.max - 1

    /// The plan, or nil when no shard is in range (the stream ends with no frames). Errors
    /// are 1.6's; 1.6 only logs them, and so does the service.
    static func make(_ request: StorageReadRequest, meta: MetaClient, store: Store) throws(ReadError) -> ReadPlan? {
        let hints = request.hints
        let noPoints = hints & 1 != 0, noSeries = hints & 2 != 0, allTime = hints & 4 != 0
        var pointsLimit = noPoints ? -1 : request.pointsLimit
        if pointsLimit == 0 { pointsLimit = .max }

        let group: Group
        switch request.group {
        case .by, .except:
            guard !request.groupKeys.isEmpty else { throw ReadError("read: GroupKeys must not be empty when GroupBy or GroupExcept specified") }
            // 1.6 has no GroupExcept result set (it panics): refused here instead.
            guard request.group == .by else { throw ReadError("read: GroupExcept is not supported") }
            group = .by
        case .none, .all:
            guard request.groupKeys.isEmpty else { throw ReadError("read: GroupKeys must be empty when GroupNone or GroupAll specified") }
            group = request.group == .all ? .all : .none
        case .UNRECOGNIZED:
            throw ReadError("read: unexpected value for Group")
        }
        if group != .all && (request.seriesLimit > 0 || request.seriesOffset > 0) {
            throw ReadError("GroupRead: SeriesLimit and SeriesOffset not supported when Grouping")
        }

        var database = request.database, policy = ""
        if let slash = database.firstIndex(of: "/") {
            policy = String(database[database.index(after: slash)...])
            database = String(database[..<slash])
        }
        guard let info = meta.database(database) else { throw ReadError("no database") }
        if policy.isEmpty { policy = info.defaultRetentionPolicy }
        guard info.retentionPolicies.contains(where: { $0.name == policy }) else { throw ReadError("invalid retention policy") }
        let start = request.timestampRange.start <= 0 ? minTime : request.timestampRange.start
        let end = request.timestampRange.end <= 0 ? maxTime : request.timestampRange.end

        let groups = meta.snapshot().databases.first { $0.name == database }?.retentionPolicies.first { $0.name == policy }?
            .shardGroups(overlapping: start, end) ?? []
        // 1.x's ShardGroupInfos order: by end (or truncation) time, then start time.
        var ordered = groups.sorted { a, b in
            let ea = a.truncatedAt > 0 ? a.truncatedAt : a.endTime, eb = b.truncatedAt > 0 ? b.truncatedAt : b.endTime
            return ea == eb ? a.startTime < b.startTime : ea < eb
        }
        if request.descending { ordered.reverse() }
        let open = Dictionary(store.openShards.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let shards = ordered.flatMap { $0.shards.compactMap { open[$0.id] } }
        guard !shards.isEmpty else { return nil }

        let predicate = request.hasPredicate && request.predicate.hasRoot ? try PredicateExpr.from(request.predicate.root) : nil
        var aggregate: RowSource.Aggregate?
        if request.hasAggregate {
            switch request.aggregate.type {
            case .sum: aggregate = .sum
            case .count: aggregate = .count
            // 1.6 panics on NONE (and unknown types); they mean no aggregate here.
            case .none, .UNRECOGNIZED: aggregate = nil
            }
        }
        return ReadPlan(
            shards: shards, range: start <= end ? start...end : nil, ascending: !request.descending, group: group,
            groupKeys: request.groupKeys.map { Array($0.utf8) }, conditions: try ReadConditions(predicate),
            aggregate: aggregate, pointsLimit: pointsLimit < 0 ? 1 : pointsLimit,
            seriesLimit: request.seriesLimit, seriesOffset: request.seriesOffset,
            noPoints: noPoints, noSeries: noSeries, schemaAllTime: allTime)
    }
}
