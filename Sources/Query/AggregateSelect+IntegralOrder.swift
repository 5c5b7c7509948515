import InfluxQL

// 1.x computes integral() in a streaming reducer per group that emits a window's area when
// the next window's first point arrives; each group's last area is emitted only when the
// input ends, for all groups at once, and popped from a list, so newest group first. The
// other calls come out group by group. 1.x's cursor then joins the calls' streams by taking
// the smallest (group, time) at the head of each: a last area can come out after later
// groups, as a series of its own. LIMIT and OFFSET count per call stream and restart when
// the stream's series changes, so such late areas escape them.

extension AggregateSelect {
    /// One group's window rows `[time, call values…]`, in group order.
    typealias GroupWindows = (key: [String], rows: [[Value]])

    /// The groups' rows re-cut as 1.x's cursor emits them: runs of rows of one group, in
    /// emission order (a group may appear more than once). `integrals` are the call indexes
    /// of integral(); `grouped` whether there is GROUP BY time (without it an area's time is 0).
    /// `zeroTime`: the integrals whose un-grouped area 1.x stamps with time 0 (float fields; an
    /// integer field's takes the range's start).
    func integralOrder(_ groups: [GroupWindows], integrals: Set<Int>, grouped: Bool, ascending: Bool = true,
                       zeroTime: Set<Int> = []) -> [GroupWindows] {
        if !ascending { return integralOrderDescending(groups) }
        let width = groups.first?.rows.first?.count ?? 0
        let integralSlots = integrals.sorted()
        let others = (1..<max(width, 1)).filter { !integrals.contains($0 - 1) }
        func time(_ row: [Value]) -> Int64 { if case .time(let t) = row[0] { return t }; return 0 }
        // The calls other than integral share one stream: their rows, group by group.
        var streams: [[Head]] = []
        if !others.isEmpty {
            var b: [Head] = []
            for (g, group) in groups.enumerated() {
                // The other calls emit for a group only if they met a point in it; then, with
                // GROUP BY time and a fill, every window.
                func hasValue(_ row: [Value]) -> Bool { others.contains { row[$0] != .null } }
                let filling = grouped && statement.fill != .none && group.rows.contains(where: hasValue)
                let present = group.rows.filter { filling || hasValue($0) }
                for row in limited(present) { b.append((g, time(row), row)) }
            }
            streams.append(b)
        }
        for i in integralSlots {
            var inStream: [Head] = [], last: [Head] = []
            for (g, group) in groups.enumerated() {
                let areas = group.rows.filter { $0[i + 1] != .null }.map { (g, grouped || !zeroTime.contains(i) ? time($0) : 0, $0) }
                inStream += areas.dropLast()
                if let final = areas.last { last.append(final) }
            }
            streams.append(limitedPerSeries(inStream + last.reversed()))
        }
        // Cells no stream filled stay null here: the caller writes 1.x's scanner default
        // (``scannerFilled``), typed per call.
        var next = [Int](repeating: 0, count: streams.count)
        var joined: [Head] = []
        while true {
            var least: (group: Int, time: Int64)?
            for (s, stream) in streams.enumerated() where next[s] < stream.count {
                let h = stream[next[s]]
                if least.map({ h.group < $0.group || (h.group == $0.group && h.time < $0.time) }) ?? true { least = (h.group, h.time) }
            }
            guard let (g, t) = least else { break }
            var row = [Value](repeating: .null, count: width)
            row[0] = .time(t)
            for (s, stream) in streams.enumerated() where next[s] < stream.count {
                let h = stream[next[s]]
                guard h.group == g, h.time == t else { continue }
                next[s] += 1
                if !others.isEmpty && s == 0 {
                    for j in others { row[j] = h.row[j] }
                } else {
                    let i = integralSlots[others.isEmpty ? s : s - 1]
                    row[i + 1] = h.row[i + 1]
                }
            }
            joined.append((g, t, row))
        }
        return runs(joined, groups)
    }

    typealias Head = (group: Int, time: Int64, row: [Value])

    /// Rows in emission order cut into runs of one group: 1.x's cursor starts a series
    /// whenever the group changes.
    private func runs(_ heads: [Head], _ groups: [GroupWindows]) -> [GroupWindows] {
        var out: [GroupWindows] = []
        for h in heads {
            if let run = out.last, run.key == groups[h.group].key {
                out[out.count - 1].rows.append(h.row)
            } else {
                out.append((groups[h.group].key, [h.row]))
            }
        }
        return out
    }

    /// A lone integral grouped by time under ORDER BY time DESC: 1.x's reducer reads each group
    /// newest first (``integralDescending``) and stamps each area with its window's end;
    /// groups come in reverse order, each group's oldest area last of all, those in ascending
    /// group order (the reverse of the order the groups were met).
    private func integralOrderDescending(_ groups: [GroupWindows]) -> [GroupWindows] {
        var inStream: [Head] = [], last: [Head] = []
        for (g, group) in groups.enumerated().reversed() {
            let areas = group.rows.compactMap { row -> Head? in
                guard row.count > 1, case .time(let t) = row[0], case .float(let area) = row[1] else { return nil }
                return (g, t &+ interval, [.time(t &+ interval), .float(area)])
            }.reversed()
            inStream += areas.dropLast()
            if let oldest = areas.last { last.append(oldest) }
        }
        // The caller reverses a DESC statement's series once more.
        return runs(limitedPerSeries(inStream + last.reversed()), groups).reversed()
    }

    /// OFFSET and LIMIT over one group's rows.
    private func limited(_ rows: [[Value]]) -> ArraySlice<[Value]> {
        let dropped = rows.dropFirst(statement.offset)
        return statement.limit > 0 ? dropped.prefix(statement.limit) : dropped
    }

    /// OFFSET and LIMIT as 1.x's limit iterator counts them: per run of one series.
    private func limitedPerSeries(_ heads: [Head]) -> [Head] {
        guard statement.offset > 0 || statement.limit > 0 else { return heads }
        var out: [Head] = []
        var current = -1, n = 0
        for h in heads {
            if h.group != current { current = h.group; n = 0 }
            n += 1
            if n <= statement.offset || (statement.limit > 0 && n - statement.offset > statement.limit) { continue }
            out.append(h)
        }
        return out
    }
}

extension AggregateSelect {
    /// 1.x's `FloatIntegralReducer` fed newest first (ORDER BY time DESC with GROUP BY time):
    /// its window runs from the window's end down to its start, elapsed times are negative,
    /// crossing below the start closes the window with a value interpolated there, and a gap
    /// of empty windows is integrated into the older window the next point falls in (ascending,
    /// into the newer one). Keyed by window start; a window closed twice keeps its first area.
    /// `integer`: 1.x's integer reducer, whose trapezium after a crossing runs from the
    /// interpolated value to the previous point's (it does not move that point's value).
    static func integralDescending(_ ascendingPoints: [(Int64, Double)], integer: Bool = false, unit: Int64, interval: Int64,
                                   window: (Int64) -> Int64) -> [Int64: Value] {
        let points = ascendingPoints.reversed()
        guard let first = points.first else { return [:] }
        var walk = TrapeziumWalk(first: first, window: window(first.0), unit: unit, integer: integer)
        for p in points.dropFirst() {
            walk.add(p, boundary: p.0 <= walk.current ? walk.current : nil) { out, start, sum in
                if out[start] == nil { out[start] = .float(sum) }
            }
            if walk.closed { walk.current = window(p.0) }
        }
        if walk.prev.0 != walk.current &+ interval, walk.out[walk.current] == nil { walk.out[walk.current] = .float(walk.sum) }
        return walk.out
    }
}
