import InfluxQL
import TSDB

/// integral(): 1.x's two streaming reducers, their windows, stamps and split rows.
extension AggregateSelect {
    /// Integer integrals un-grouped under DESC: their areas are stamped with the range's end + 1
    /// (Int64.max without one), as 1.x's integer reducer stamps them, in a row of their own
    /// beside the other calls' row; a point on the range's start closes that window early, and
    /// the reducer's close adds a second area of 0. Ascending here (the caller reverses DESC).
    static func integerDescendingRows(_ filled: [ReducedWindow], _ d: (stamp: Int64, onStart: Bool, calls: Set<Int>),
                                      callCount: Int) -> [ReducedWindow] {
        guard let entry = filled.first, !entry.empty else { return filled }
        let others = (0..<callCount).filter { !d.calls.contains($0) }
        var area = entry
        area.row[0] = .time(d.stamp)
        for j in others { area.row[1 + j] = .null }
        var zero = area
        for i in d.calls { zero.row[1 + i] = .float(0) }
        var base = entry
        for i in d.calls { base.row[1 + i] = .null }
        // The other calls' row, when one of them has points.
        let baseHasPoints = others.contains { !entry.missing.contains($0) }
        return (baseHasPoints ? [base] : []) + (d.onStart ? [zero] : []) + [area]
    }

    /// 1.x's integral: trapezoids between points (a later point at the same time replaces the
    /// earlier one); crossing into the next window closes the current one at the boundary with
    /// a linearly interpolated value. Keyed by window start; divided by `unit`.
    /// Time differences wrap as Go's int64 do (points at both ends of time).
    /// 1.x's `FloatIntegralReducer` / `IntegerIntegralReducer`: the trapezium rule in units of
    /// `unit`, a window's area closed by interpolating to its end. The integer reducer keeps
    /// the point's value at the crossing and starts the next window's first trapezium from the
    /// interpolated value (its quirk, kept). A window whose last point is at its start emits
    /// nothing. Results are keyed by window start (0 without GROUP BY time).
    static func integral(_ points: [(Int64, Double)], integer: Bool = false, unit: Int64, interval: Int64, unGroupedStart: Int64 = 0,
                         window: (Int64) -> Int64) -> [Int64: Value] {
        var out: [Int64: Value] = [:]
        guard let first = points.first else { return out }
        let u = Double(unit)
        var prev = first
        var current = window(first.0)
        var sum = 0.0
        for p in points.dropFirst() {
            if p.0 == prev.0 {
                prev = p
                continue
            }
            var value = p.1
            if interval > 0, window(p.0) != current {
                let end = current &+ interval
                if prev.0 != end {
                    let atEnd = linearAt(end, prev, p)
                    sum += 0.5 * (atEnd + prev.1) * (Double(end &- prev.0) / u)
                    if integer { value = atEnd } else { prev.1 = atEnd }
                    prev.0 = end
                }
                out[current] = .float(sum)
                current = window(p.0)
                sum = 0
            }
            sum += 0.5 * (value + prev.1) * (Double(p.0 &- prev.0) / u)
            prev = p
        }
        if prev.0 != (interval > 0 ? current : unGroupedStart) { out[current] = .float(sum) }
        return out
    }

    /// The value at `t` on the line through `a` and `b` (1.x's `linearFloat`, times wrapping
    /// as Go's int64 do).
    static func linearAt(_ t: Int64, _ a: (Int64, Double), _ b: (Int64, Double)) -> Double {
        let slope = (b.1 - a.1) / Double(b.0 &- a.0)
        return slope * Double(t &- a.0) + a.1
    }

    /// Each row `[time, calls…]` as a row at time 0 with the float integrals and a row at its
    /// own time with the other calls, each kept when it holds a value.
    static func splitIntegralRows(_ rows: [[Value]], zeroTimeCalls: Set<Int>) -> [[Value]] {
        var out: [[Value]] = []
        for row in rows {
            var zero = [Value.time(0)], other = [row[0]]
            for j in 1..<row.count {
                let mine = zeroTimeCalls.contains(j - 1)
                zero.append(mine ? row[j] : .null)
                other.append(mine ? .null : row[j])
            }
            if zero.dropFirst().contains(where: { $0 != .null }) { out.append(zero) }
            if other.dropFirst().contains(where: { $0 != .null }) { out.append(other) }
        }
        return out
    }
}
