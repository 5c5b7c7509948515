import TSDB

extension RawSelect {
    typealias Group = (key: [String], members: [(ParsedSeriesKey, [any SeriesSource])])

    /// SLIMIT and SOFFSET as 1.x applies them: in each shard's engine, to that shard's tag sets
    /// of one measurement in ascending order whatever ORDER BY says (`LimitTagSets`:
    /// `tagSets[soffset : soffset+slimit]`; DESC reverses only the series inside each tag
    /// set), never again over the merged answer. A series group is read
    /// only from the shards that kept it, so with several shards a group can come from some
    /// of them, and SOFFSET without SLIMIT keeps nothing. A subquery's rows count as one shard.
    /// `dimensions` name the group key's values: 1.x orders a shard's tag sets by their
    /// `MarshalTags` key (``tagSetKey(_:dimensions:)``), in which a tag the series lacks is left
    /// out, so `host=b` comes before `host=9,region=us`.
    /// `tagSets`: the tags the cut groups by (a subquery's outer GROUP BY tags), when not the
    /// groups' own dimensions: groups of one tag set are kept or cut together.
    static func limitPerShard(_ groups: [Group], dimensions: [String] = [], sLimit: Int, sOffset: Int, tagSets: [String]? = nil) -> [Group] {
        guard sLimit > 0 || sOffset > 0 else { return groups }
        if let tagSets { return limitTagSetsPerShard(groups, dimensions: dimensions, tags: tagSets, sLimit: sLimit, sOffset: sOffset) }
        func id(_ source: any SeriesSource) -> UInt64? { (source as? ShardSource)?.shard.id }
        var order: [UInt64?: [Int]] = [:]
        for g in groups.indices {
            var seen = Set<UInt64?>()
            for (_, sources) in groups[g].members {
                for source in sources where seen.insert(id(source)).inserted { order[id(source), default: []].append(g) }
            }
        }
        var kept: [UInt64?: Set<Int>] = [:]
        let keys = dimensions.isEmpty ? [] : groups.map { tagSetKey($0.key, dimensions: dimensions) }
        for (shard, unsorted) in order {
            let indexes = keys.isEmpty ? unsorted : unsorted.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
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

    private static func limitTagSetsPerShard(_ groups: [Group], dimensions: [String], tags: [String], sLimit: Int, sOffset: Int) -> [Group] {
        func id(_ source: any SeriesSource) -> UInt64? { (source as? ShardSource)?.shard.id }
        let positions = tags.map { dimensions.firstIndex(of: $0) }
        let setKeys = groups.map { g in tagSetKey(positions.map { $0.map { g.key[$0] } ?? "" }, dimensions: tags) }
        var sets: [UInt64?: Set<[UInt8]>] = [:]
        for g in groups.indices {
            for (_, sources) in groups[g].members { for source in sources { sets[id(source), default: []].insert(setKeys[g]) } }
        }
        var kept: [UInt64?: Set<[UInt8]>] = [:]
        for (shard, keys) in sets {
            let sorted = keys.sorted { $0.lexicographicallyPrecedes($1) }
            let lo = min(max(sOffset, 0), sorted.count)
            let hi = sLimit > 0 ? lo + min(sLimit, sorted.count - lo) : lo
            kept[shard] = Set(sorted[lo..<hi])
        }
        return groups.enumerated().compactMap { g, group in
            let members = group.members.compactMap { series, sources -> (ParsedSeriesKey, [any SeriesSource])? in
                let from = sources.filter { kept[id($0)]?.contains(setKeys[g]) ?? false }
                return from.isEmpty ? nil : (series, from)
            }
            return members.isEmpty ? nil : (group.key, members)
        }
    }

    /// 1.x's `MarshalTags` of a tag set: the keys with a value, sorted, then their values,
    /// all joined by `|`.
    static func tagSetKey(_ values: [String], dimensions: [String]) -> [UInt8] {
        let pairs = zip(dimensions, values).filter { !$0.1.isEmpty }.sorted { bytesLess($0.0, $1.0) }
        guard !pairs.isEmpty else { return [] }
        return Array((pairs.map(\.0) + pairs.map(\.1)).joined(separator: "|").utf8)
    }
}
