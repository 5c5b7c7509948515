extension AggregateSelect {
    /// One window's points of a mean or a float sum, each with its shard stream (one series of one shard),
    /// reduced per stream as 1.x's per-series call iterators reduce them: an integer stream sums
    /// in int64, wrapping; a float one adds oldest first (newest first under DESC, as 1.x reads
    /// it). Appended to each stream's partials for ``PartialLayers``.
    static func streamPartials(_ points: [(Value, Int)], window: Int64, ascending: Bool,
                               into streams: inout [Int: [PartialLayers.SeriesPartial]]) {
        var order: [Int] = []
        var partials: [Int: PartialLayers.SeriesPartial] = [:]
        for (value, stream) in ascending ? AnySequence(points) : AnySequence(points.reversed()) {
            var p = partials[stream] ?? {
                order.append(stream)
                return PartialLayers.SeriesPartial(window: window, count: 0, sumF: 0, sumI: 0, integer: true)
            }()
            p.count += 1
            if case .integer(let i) = value { p.sumI &+= i } else { p.integer = false }
            p.sumF += RawSelect.number(value) ?? 0
            partials[stream] = p
        }
        for stream in order { streams[stream, default: []].append(partials[stream]!) }
    }
}
