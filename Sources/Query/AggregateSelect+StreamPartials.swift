extension AggregateSelect {
    /// mean() as 1.x's iterator layers compute it: each shard stream (one series of one
    /// shard) is reduced on its own — an integer one sums in int64, wrapping, and divides as
    /// floats — and the streams' means merge weighted by their counts (1.x's float mean
    /// reducer over points that carry `Aggregated`), in stream order; the merged mean passes
    /// through one more such layer per source (two when the source was a regex), as
    /// ``TypedAggregate`` does. Summing every point at once differs once an int64 sum wraps.
    /// `points`: each value with its stream index, in time order.
    /// `layout`: the group's streams per shard, shards in time order: the partials are added
    /// shard after shard, as 1.x's answers show; without it, in stream order.
    static func layeredMean(_ points: [(Value, Int)], viaRegex: Bool, layout: [[Int]]? = nil) -> Value {
        // Per stream: its sums, and whether every value was an integer.
        var partials: [Int: (partial: TypedAggregate.Partial, integer: Bool)] = [:]
        for (value, stream) in points {
            var p = partials[stream, default: (TypedAggregate.Partial(), true)]
            p.partial.count += 1
            if case .integer(let i) = value { p.partial.sumI &+= i } else { p.integer = false }
            p.partial.sumF += RawSelect.number(value) ?? 0
            partials[stream] = p
        }
        var total = TypedAggregate.Partial()
        let order = layout.map { $0.flatMap { $0 }.filter { partials[$0] != nil } } ?? partials.keys.sorted()
        for stream in order {
            let p = partials[stream]!
            total.merge(p.partial, TypedAggregate.Plan(kind: .mean, field: [], integer: p.integer))
        }
        guard total.count > 0 else { return .null }
        return .float(TypedAggregate.mean(of: total, viaRegex: viaRegex))
    }
}
