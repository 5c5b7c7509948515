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
        guard let first = points.first else { return [:] }
        var walk = TrapeziumWalk(first: first, window: window(first.0), unit: unit, integer: integer)
        for p in points.dropFirst() {
            let end = walk.current &+ interval
            walk.add(p, boundary: interval > 0 && window(p.0) != walk.current ? end : nil) { out, start, sum in out[start] = .float(sum) }
            if interval > 0, walk.closed { walk.current = window(p.0) }
        }
        if walk.prev.0 != (interval > 0 ? walk.current : unGroupedStart) { walk.out[walk.current] = .float(walk.sum) }
        return walk.out
    }

    /// The trapezium rule both of 1.x's integral reducers run, in either direction: points at
    /// the previous point's time replace it; a point past the window's `boundary` first closes
    /// the window with the value interpolated there (the integer reducer's quirk: the next
    /// trapezium runs from that value to the previous point's own).
    struct TrapeziumWalk {
        var out: [Int64: Value] = [:]
        var prev: (Int64, Double)
        var current: Int64
        var sum = 0.0
        /// The last ``add(_:boundary:close:)`` closed the window (the caller moves `current`).
        var closed = false
        let unit: Double
        let integer: Bool

        init(first: (Int64, Double), window: Int64, unit: Int64, integer: Bool) {
            prev = first
            current = window
            self.unit = Double(unit)
            self.integer = integer
        }

        mutating func add(_ p: (Int64, Double), boundary: Int64?, close: (inout [Int64: Value], Int64, Double) -> Void) {
            closed = false
            if p.0 == prev.0 {
                prev = p
                return
            }
            var value = p.1
            if let boundary {
                if prev.0 != boundary {
                    let at = AggregateSelect.linearAt(boundary, prev, p)
                    sum += 0.5 * (at + prev.1) * (Double(boundary &- prev.0) / unit)
                    if integer { value = at } else { prev.1 = at }
                    prev.0 = boundary
                }
                close(&out, current, sum)
                sum = 0
                closed = true
            }
            sum += 0.5 * (value + prev.1) * (Double(p.0 &- prev.0) / unit)
            prev = p
        }
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
