import InfluxQL
import TSDB

/// The reducers and selectors with 1.x's tie-breaking.
extension AggregateSelect {
    static func reduce(_ call: Call, _ points: [(Int64, Value)]) -> (Value, (time: Int64, value: Value)?) {
        guard !points.isEmpty else { return (call.function == "count" ? .null : .null, nil) }
        switch call.function {
        case "count": return (.integer(Int64(points.count)), nil)
        case "countDistinct": return (.integer(Int64(Set(points.map(\.1)).count)), nil)
        case "sum":
            if points.allSatisfy({ if case .integer = $0.1 { return true }; return false }) {
                return (.integer(points.reduce(0) { sum, p in if case .integer(let i) = p.1 { return sum &+ i }; return sum }), nil)
            }
            return (.float(points.reduce(0.0) { $0 + (RawSelect.number($1.1) ?? 0) }), nil)
        case "mean":
            // 1.x's integer mean sums in int64 (wrapping), then divides as floats.
            var ints: Int64 = 0
            if points.allSatisfy({ if case .integer(let i) = $0.1 { ints &+= i; return true }; return false }) {
                return (.float(Double(ints) / Double(points.count)), nil)
            }
            return (.float(points.reduce(0.0) { $0 + (RawSelect.number($1.1) ?? 0) } / Double(points.count)), nil)
        case "spread":
            // Integers subtract in int64 and wrap, as 1.x's integer reducer does.
            let ints = points.compactMap { p -> Int64? in if case .integer(let i) = p.1 { return i }; return nil }
            if ints.count == points.count { return (.integer((ints.max() ?? 0) &- (ints.min() ?? 0)), nil) }
            let nums = points.compactMap { RawSelect.number($0.1) }
            return (.float((nums.max() ?? 0) - (nums.min() ?? 0)), nil)
        case "stddev":
            let nums = points.compactMap { RawSelect.number($0.1) }
            // 1.x's stddev of one point is a NaN point, not a missing one: transformations
            // and fill see it; it is written as null (``emit``).
            guard nums.count > 1 else { return (nums.isEmpty ? .null : .float(.nan), nil) }
            // 1.x's running mean, then the squared differences (NaN points skipped).
            var mean = 0.0, count = 0.0
            for x in nums where !x.isNaN {
                count += 1
                mean += (x - mean) / count
            }
            var variance = 0.0
            for x in nums where !x.isNaN { variance += (x - mean) * (x - mean) }
            return (.float((variance / (count - 1)).squareRoot()), nil)
        case "median":
            // 1.x's integer and unsigned medians: `float64(lo) + float64(hi - lo) / 2`, the
            // difference taken in the values' type (int64 wraps).
            let ints = points.compactMap { p -> Int64? in if case .integer(let i) = p.1 { return i }; return nil }
            if !ints.isEmpty && ints.count == points.count { return (.float(Self.integerMedian(ints)), nil) }
            let uints = points.compactMap { p -> UInt64? in if case .unsigned(let u) = p.1 { return u }; return nil }
            if !uints.isEmpty && uints.count == points.count { return (.float(Self.integerMedian(uints)), nil) }
            // A field stored as text or booleans in another shard gives no numbers (1.x reads
            // no cursor for a shard whose type differs).
            let nums = points.compactMap { RawSelect.number($0.1) }.sorted()
            let n = nums.count
            guard n > 0 else { return (.null, nil) }
            // 1.x's `lo + (hi - lo) / 2`, which rounds differently from `(lo + hi) / 2`.
            let median = n % 2 == 1 ? nums[n / 2] : nums[n / 2 - 1] + (nums[n / 2] - nums[n / 2 - 1]) / 2
            return (.float(median), nil)
        case "mode":
            return (mode(points), nil)
        case "percentile":
            // Go's sort.Sort by value alone: ties come in the order its steps leave them.
            let sorted = GoSortSlice.sorted(points) { valueLess($0.1, $1.1) }
            // Go converts an out-of-range float to MinInt64, which lands outside the points.
            let i = Int(GoConvert.int64((Double(sorted.count) * call.argument / 100 + 0.5).rounded(.down)) &- 1)
            guard i >= 0 && i < sorted.count else { return (.null, nil) }
            return (sorted[i].1, (sorted[i].0, sorted[i].1))
        case "min", "max", "first", "last":
            var best = points[0]
            for p in points.dropFirst() {
                let better: Bool
                switch call.function {
                case "min": better = valueLess(p.1, best.1) || (p.1 == best.1 && p.0 < best.0)
                case "max": better = valueLess(best.1, p.1) || (p.1 == best.1 && p.0 < best.0)
                case "first": better = p.0 < best.0 || (p.0 == best.0 && valueLess(best.1, p.1))
                default: better = p.0 > best.0 || (p.0 == best.0 && valueLess(best.1, p.1))
                }
                if better { best = p }
            }
            return (best.1, (best.0, best.1))
        default:
            return (.null, nil)
        }
    }

    /// The median of integers (at least one) as 1.x's integer reducers take it.
    static func integerMedian<T: FixedWidthInteger>(_ values: [T]) -> Double {
        let sorted = values.sorted(), n = sorted.count
        if n % 2 == 1 { return Double(sorted[n / 2]) }
        let (lo, hi) = (sorted[n / 2 - 1], sorted[n / 2])
        return Double(lo) + Double(hi &- lo) / 2
    }

    /// 1.x's `*ModeReduceSlice`: booleans by count (a tie is true); other values sorted, then
    /// runs of equal values counted, where a run's first value is not checked (a value seen
    /// once after the smallest never wins) and a run as long as the best one wins unless it
    /// started later than the best one's deciding point. Sorted by value with Go's sort.Sort
    /// steps, so equal values keep the order 1.x leaves them in.
    static func mode(_ points: [(Int64, Value)]) -> Value {
        guard points.count > 1 else { return points.first?.1 ?? .null }
        if case .boolean = points[0].1 {
            let trues = points.filter { $0.1 == .boolean(true) }.count
            return .boolean(trues >= points.count - trues)
        }
        let sorted = GoSortSlice.sorted(points) { valueLess($0.1, $1.1) }
        var (mostFreq, currFreq) = (0, 0)
        var (currMode, mostMode) = (sorted[0].1, sorted[0].1)
        var (mostTime, currTime) = (sorted[0].0, sorted[0].0)
        for (time, value) in sorted {
            if value != currMode {
                (currFreq, currMode, currTime) = (1, value, time)
                continue
            }
            currFreq += 1
            if mostFreq > currFreq || (mostFreq == currFreq && currTime > mostTime) { continue }
            (mostFreq, mostMode, mostTime) = (currFreq, value, time)
        }
        return mostMode
    }

    /// top/bottom/sample: the chosen points, in time order (ties: rank order).
    static func select(_ call: Call, _ points: [(time: Int64, values: [Value])], tagCount: Int) -> [(time: Int64, values: [Value])] {
        // N past the points selects them all (1.x allocates N first and fails past memory).
        let n = call.argument >= Double(points.count) ? points.count : max(0, Int(call.argument))
        if call.function == "sample" {
            // 1.x's sample reducer sorts what it kept with Go's sort.Sort by time, then value
            // (false before true), so points at one time come out by value.
            guard points.count > n else {
                return GoSortSlice.sorted(points) { a, b in
                    if a.time != b.time { return a.time < b.time }
                    if case .boolean(let x) = a.values[0] { return !x }
                    return valueLess(a.values[0], b.values[0])
                }
            }
            var chosen = Array(points.indices.shuffled().prefix(n)).sorted()
            chosen.sort()
            return chosen.map { points[$0] }
        }
        let top = call.function == "top"
        func better(_ a: (time: Int64, values: [Value]), _ b: (time: Int64, values: [Value])) -> Bool {
            if a.values[0] != b.values[0] { return top ? valueLess(b.values[0], a.values[0]) : valueLess(a.values[0], b.values[0]) }
            return a.time < b.time
        }
        var candidates = points
        if tagCount > 0 {
            // One point per combination of the tag arguments (read as aux values after the value).
            var best: [[Value]: (time: Int64, values: [Value])] = [:]
            var order: [[Value]] = []
            for p in points {
                let key = Array(p.values[1...tagCount])
                if let current = best[key] {
                    if better(p, current) { best[key] = p }
                } else {
                    best[key] = p
                    order.append(key)
                }
            }
            candidates = order.map { best[$0]! }
        }
        let chosen = candidates.enumerated().sorted { better($0.element, $1.element) || (!better($1.element, $0.element) && $0.offset < $1.offset) }
            .prefix(n).map(\.element)
        return chosen.sorted { $0.time != $1.time ? $0.time < $1.time : better($0, $1) }
    }

    static func valueLess(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return RawSelect.bytesLess(x, y)
        case (.boolean(let x), .boolean(let y)): return !x && y
        // Exact: 2^63-1 and 2^63-2 are one Double.
        case (.integer(let x), .integer(let y)): return x < y
        case (.unsigned(let x), .unsigned(let y)): return x < y
        default:
            guard let x = RawSelect.number(a), let y = RawSelect.number(b) else { return false }
            return x < y
        }
    }

    /// A window's distinct values as 1.x emits them: each at the time it was first met in the
    /// statement's order (the earliest, or the latest under ORDER BY time DESC), ordered by
    /// that time ascending. Under DESC the list comes reversed, as the caller reverses the rows.
    static func sortedDistinct(_ points: [(Int64, Value)], descending: Bool = false) -> [Value] {
        var first: [Value: Int64] = [:]
        for (t, v) in points where first[v].map({ descending ? t > $0 : t < $0 }) ?? true { first[v] = t }
        let ordered = first.sorted { a, b in a.value != b.value ? a.value < b.value : valueLess(a.key, b.key) }.map(\.key)
        return descending ? ordered.reversed() : ordered
    }
}
