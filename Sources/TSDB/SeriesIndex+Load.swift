import TSM

extension SeriesIndex {
    /// Fills an empty index in one pass, as a shard opening does: every posting set is made at
    /// its final size, so none grows and rehashes its keys on the way (which dominated opening
    /// a shard of 300,000 series). Returns the series added, as `add` does.
    static func load(_ parsed: [ParsedSeriesKey], into s: inout State) -> [ParsedSeriesKey] {
        var all = Set<ByteKey>(minimumCapacity: parsed.count)
        var added: [ParsedSeriesKey] = []
        added.reserveCapacity(parsed.count)
        for series in parsed where all.insert(ByteKey(series.key)).inserted { added.append(series) }
        var byMeasurement: [String: [Int]] = [:]
        for (i, series) in added.enumerated() { byMeasurement[series.measurement, default: []].append(i) }
        for (name, indices) in byMeasurement {
            var measurement = Measurement()
            measurement.series.reserveCapacity(indices.count)
            var lists: [String: [String: [ByteKey]]] = [:]
            for i in indices {
                let key = ByteKey(added[i].key)
                measurement.series[key] = added[i]
                for (k, v) in added[i].tags { lists[k, default: [:]][v, default: []].append(key) }
            }
            measurement.postings = lists.mapValues { $0.mapValues { Set($0) } }
            measurement.tagKeys = Set(lists.keys)
            s.measurements[name] = measurement
        }
        s.all = all
        return added
    }
}
