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
        func id(_ source: any SeriesSource) -> UInt64? { (source as? ShardSource)?.shard.id }
        // The units the cut counts, each with its sort key: every group, or (in a subquery)
        // every tag set of the outer tags. No keys: the shard's order stands.
        var unitOf: [Int] = []
        var unitKeys: [[UInt8]] = []
        if let tagSets {
            let positions = tagSets.map { dimensions.firstIndex(of: $0) }
            var index: [[UInt8]: Int] = [:]
            for g in groups {
                let key = tagSetKey(positions.map { $0.map { g.key[$0] } ?? "" }, dimensions: tagSets)
                if index[key] == nil { index[key] = unitKeys.count; unitKeys.append(key) }
                unitOf.append(index[key]!)
            }
        } else {
            unitOf = Array(groups.indices)
            if !dimensions.isEmpty { unitKeys = groups.map { tagSetKey($0.key, dimensions: dimensions) } }
        }
        var order: [UInt64?: [Int]] = [:]
        var seen: [UInt64?: Set<Int>] = [:]
        for g in groups.indices {
            for (_, sources) in groups[g].members {
                for source in sources where seen[id(source), default: []].insert(unitOf[g]).inserted {
                    order[id(source), default: []].append(unitOf[g])
                }
            }
        }
        var kept: [UInt64?: Set<Int>] = [:]
        for (shard, unsorted) in order {
            let units = unitKeys.isEmpty ? unsorted : unsorted.sorted { unitKeys[$0].lexicographicallyPrecedes(unitKeys[$1]) }
            let lo = min(max(sOffset, 0), units.count)
            let hi = sLimit > 0 ? lo + min(sLimit, units.count - lo) : lo
            kept[shard] = Set(units[lo..<hi])
        }
        return groups.enumerated().compactMap { g, group in
            let members = group.members.compactMap { series, sources -> (ParsedSeriesKey, [any SeriesSource])? in
                let from = sources.filter { kept[id($0)]?.contains(unitOf[g]) ?? false }
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
