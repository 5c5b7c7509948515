import InfluxQL

/// GROUP BY time under `tz()`: 1.x's window arithmetic in the zone's wall clock, including its
/// daylight-saving adjustments, and its fill iterator's walk over the expected windows.
extension AggregateSelect {
    /// 1.x's `IteratorOptions.Window`: the interval holding `t`, end exclusive. Without a
    /// zone it is plain truncation from the epoch plus the GROUP BY offset.
    func window(_ t0: Int64) -> (start: Int64, end: Int64) {
        guard let zone else {
            let start = Self.truncate(t0, interval, offset)
            return (start, start &+ interval)
        }
        let minTime = Int64.min + 2, maxTime = Int64.max - 1
        let t = t0 &- offset
        let z = zone.offset(t)
        var dt = (t &+ z) % interval
        if dt < 0 { dt += interval }
        var start = minTime &+ dt >= t ? minTime : t &- dt
        // Look the offset up again at the start: the day may have begun before a switch.
        let o = z &- zone.offset(start)
        if o != 0 && abs(o) < interval { start &+= o }
        start &+= offset
        let rest = interval &- dt
        var end = maxTime &- rest <= t ? maxTime : t &+ rest
        let endOffset = zone.offset(end)
        let e = z &- endOffset
        if e != 0 && abs(e) < interval {
            // Clocks going back add time to this interval; going forward, the skipped hour
            // belongs to the next one unless the switch lies inside this interval.
            if e > 0 || zone.offset(end &+ e) == endOffset { end &+= e }
        }
        end &+= offset
        return (start, end)
    }

    static func distinct(_ windows: [(start: Int64, end: Int64)]) -> [(start: Int64, end: Int64)] {
        var out: [(start: Int64, end: Int64)] = []
        for w in windows where out.last?.start != w.start { out.append(w) }
        return out
    }

    /// The reduced windows of a group (non-empty, ascending) merged into 1.x's fill walk:
    /// from the window of the range's start (or the first point) to the window of its end,
    /// one interval at a time with the zone's offset changes applied, an empty row wherever
    /// the next reduced window starts later than expected. Without a zone the windows
    /// already are that walk. The walk's windows are charged to `memory` before it starts.
    /// `extraIntervals`: the intervals a transformation reads before the range (after it under
    /// DESC), which the walk covers too.
    func zoned(_ reduced: [ReducedWindow], extraIntervals: Int64 = 0) throws(StatementError) -> [ReducedWindow] {
        guard let zone, interval > 0, statement.fill != .none, let first = reduced.first,
              case .time(let firstTime) = first.row[0] else { return reduced }
        let ascending = statement.sortFields.first?.ascending ?? true
        let extra = extraIntervals &* interval
        let endTime = window(!ascending && range.max != .max && extra > 0 ? range.max &+ extra : range.max).start
        var time = range.min == .min ? firstTime : window(ascending && extra > 0 ? range.min &- extra : range.min).start
        try chargeWindows(from: time, to: endTime, width: first.row.count)
        var current = zone.offset(time)
        let nulls = Array(repeating: Value.null, count: first.row.count - 1)
        var out: [ReducedWindow] = []
        var i = 0
        while true {
            if out.count & 4095 == 4095, let why = interrupted() { throw StatementError(why) }
            if i < reduced.count, case .time(let t) = reduced[i].row[0], t <= time {
                out.append(reduced[i])
                i += 1
            } else if i < reduced.count || time <= endTime {
                out.append(([.time(time)] + nulls, true, []))
            } else {
                break
            }
            time &+= interval
            let next = zone.offset(time &- 1)
            if next != current {
                let diff = current &- next
                if abs(diff) < interval { time &+= diff }
                current = next
            }
        }
        return out
    }
}

extension AggregateSelect {
    /// Rows in time order regrouped by window, the windows newest first and the rows of each
    /// in time order (multi-point selectors under ORDER BY time DESC).
    static func windowsReversed(_ rows: [[Value]], window: (Int64) -> Int64) -> [[Value]] {
        var runs: [[[Value]]] = []
        var current: Int64?
        for row in rows {
            guard case .time(let t)? = row.first else { continue }
            let w = window(t)
            if w != current { runs.append([]); current = w }
            runs[runs.count - 1].append(row)
        }
        return runs.reversed().flatMap { $0 }
    }
}
