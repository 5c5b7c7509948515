extension AggregateSelect {
    /// mean() as 1.x's iterator layers compute it: each shard stream (one series of one
    /// shard) is reduced on its own — an integer one sums in int64, wrapping, and divides as
    /// floats — and the streams' means merge weighted by their counts (1.x's float mean
    /// reducer over points that carry `Aggregated`), in stream order; the merged mean passes
    /// through one more such layer per source (two when the source was a regex), as
    /// ``TypedAggregate`` does. Summing every point at once differs once an int64 sum wraps.
    /// `points`: each value with its stream index, in time order.
    static func layeredMean(_ points: [(Value, Int)], viaRegex: Bool) -> Value {
        struct Partial {
            var count: Int64 = 0
            var sumI: Int64 = 0
            var sumF: Double = 0
            var integer = true
        }
        var partials: [Int: Partial] = [:]
        for (value, stream) in points {
            var p = partials[stream, default: Partial()]
            p.count += 1
            if case .integer(let i) = value { p.sumI &+= i } else { p.integer = false }
            p.sumF += RawSelect.number(value) ?? 0
            partials[stream] = p
        }
        var sum = 0.0
        var count: Int64 = 0
        for stream in partials.keys.sorted() {
            let p = partials[stream]!
            let m = p.integer ? Double(p.sumI) / Double(p.count) : p.sumF / Double(p.count)
            sum += p.count >= 2 ? m * Double(p.count) : m
            count += p.count
        }
        guard count > 0 else { return .null }
        var m = sum / Double(count)
        for _ in 0..<(viaRegex ? 2 : 1) where count >= 2 { m = m * Double(count) / Double(count) }
        return .float(m)
    }
}
