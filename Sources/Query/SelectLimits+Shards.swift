import TSDB

extension RawSelect {
    typealias Group = (key: [String], members: [(ParsedSeriesKey, [any SeriesSource])])

    /// SLIMIT and SOFFSET as 1.x applies them: in each shard's engine, to that shard's tag sets
    /// of one measurement in ascending order whatever ORDER BY says (`LimitTagSets`:
    /// `tagSets[soffset : soffset+slimit]`; DESC reverses only the series inside each tag
    /// set), never again over the merged answer. A series group is read
    /// only from the shards that kept it, so with several shards a group can come from some
    /// of them, and SOFFSET without SLIMIT keeps nothing. A subquery's rows count as one shard.
    static func limitPerShard(_ groups: [Group], sLimit: Int, sOffset: Int) -> [Group] {
        guard sLimit > 0 || sOffset > 0 else { return groups }
        func id(_ source: any SeriesSource) -> UInt64? { (source as? ShardSource)?.shard.id }
        var order: [UInt64?: [Int]] = [:]
        for g in groups.indices {
            var seen = Set<UInt64?>()
            for (_, sources) in groups[g].members {
                for source in sources where seen.insert(id(source)).inserted { order[id(source), default: []].append(g) }
            }
        }
        var kept: [UInt64?: Set<Int>] = [:]
        for (shard, indexes) in order {
            let lo = min(max(sOffset, 0), indexes.count)
            let hi = sLimit > 0 ? lo + min(sLimit, indexes.count - lo) : lo
            kept[shard] = Set(indexes[lo..<hi])
        }
        return groups.enumerated().compactMap { g, group in
            let members = group.members.compactMap { series, sources -> (ParsedSeriesKey, [any SeriesSource])? in
                let from = sources.filter { kept[id($0)]?.contains(g) ?? false }
                return from.isEmpty ? nil : (series, from)
            }
            return members.isEmpty ? nil : (group.key, members)
        }
    }
}
