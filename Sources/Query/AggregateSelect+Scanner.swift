import InfluxQL
import TSDB

// 1.x joins a statement's calls in its cursor: every call's iterator is peeked, the smallest
// (series, time) head makes the row, and every iterator is read once more for that row
// (`ScanAt`), a head that does not match being put back. A reduce iterator whose window
// emitted nothing (a percentile past the window's points) answers nil for that read, and
// the next read goes on with the next window. Above it, the fill iterator takes a nil met
// before a series' first point for the end of its input and answers nil too; it starts the
// series' windows from the range's start on a later read, so they come out as rows of their
// own. When every iterator answers nil for one row's peeks the cursor says it is done; the
// emitter then hands on the rows it holds and asks again, and ends only when it held none.

extension AggregateSelect {
    /// Per call, what a group's reducers did in each window, recorded by ``buckets``.
    struct BucketTrace {
        /// The windows each call had points in, in time order.
        var present: [[Int64]]
        /// Per percentile call, its windows with points and whether it emitted nothing there.
        var percentile: [Int: [(time: Int64, empty: Bool)]] = [:]

        init(callCount: Int) { present = Array(repeating: [], count: callCount) }
    }

    /// One group as the cursor model reads it.
    struct ScannedGroup {
        var name: String
        var key: [String]
        /// Filled rows `[time, calls…]` in emission order.
        var rows: [[Value]]
        /// Calls without a point in the group.
        var absent: Set<Int>
        var trace: BucketTrace
    }

    /// Whether the statement's calls go through ``scanned(_:calls:fillTypes:tagged:ascending:)``:
    /// a percentile beside plain calls and arithmetic, without tz().
    static func scansCalls(_ calls: [Call], columns: [Column], zone: Zone?) -> Bool {
        guard zone == nil, calls.contains(where: { $0.function == "percentile" }) else { return false }
        return calls.allSatisfy { !["integral", "distinct", "top", "bottom", "sample"].contains($0.function) }
            && columns.allSatisfy { if case .call = $0 { return true }; if case .math(let e, _) = $0 { return Self.transforms(in: e).isEmpty }; return false }
    }

    /// One call iterator's answers: a point or nil.
    private enum Answer {
        case none
        case point(group: Int, time: Int64, value: Value)
    }

    /// An iterator's answers read with one of look-ahead, as 1.x's buffered iterators read.
    private struct Reader {
        var answers: [Answer]
        var next = 0
        var buffered: Answer?

        var exhausted: Bool { next >= answers.count && buffered == nil }

        /// The next answer, nil past the last.
        mutating func answer() -> Answer? {
            if let b = buffered { buffered = nil; return b }
            guard next < answers.count else { return nil }
            next += 1
            return answers[next - 1]
        }

        /// The next point, nil for a nil answer or past the last (the cursor cannot tell them apart).
        mutating func read() -> (group: Int, time: Int64, value: Value)? {
            if case .point(let g, let t, let v)? = answer() { return (g, t, v) }
            return nil
        }
    }

    /// The groups' rows as 1.x's cursor emits them: runs of rows of one group, in emission
    /// order (a group may come more than once). `groups` are in emission order.
    func scanned(_ groups: [ScannedGroup], calls: [Call], fillTypes: [Int: FieldType], tagged: Set<Int>,
                 ascending: Bool) -> [(name: String, key: [String], rows: [[Value]])] {
        let filling = interval > 0 && statement.fill != .none
        // Calls written alike share one iterator (1.x's value mapper keeps one per expression).
        var members: [[Int]] = []
        var seen: [String: Int] = [:]
        for (j, c) in calls.enumerated() {
            let key = "\(c.function)\u{0}\(c.field)\u{0}\(c.argument)"
            if let s = seen[key] { members[s].append(j) } else { seen[key] = members.count; members.append([j]) }
        }
        var readers: [Reader] = []
        for m in members {
            let j = m[0]
            var answers: [Answer] = []
            if calls[j].function == "percentile" {
                // The reduce iterator's answers over every group, then the fill iterator's.
                var reduced: [Answer] = []
                for (g, group) in groups.enumerated() {
                    let row = group.rows.first
                    let values = Dictionary(group.rows.map { row -> (Int64, Value) in
                        guard case .time(let t) = row[0] else { return (0, .null) }
                        return (t, row[1 + j])
                    }, uniquingKeysWith: { a, _ in a })
                    for w in group.trace.percentile[j] ?? [] {
                        if w.empty { reduced.append(.none); continue }
                        // Un-grouped, the group's one row is stamped with the selected point's time.
                        if interval == 0, let row, case .time(let t) = row[0] {
                            reduced.append(.point(group: g, time: t, value: row[1 + j]))
                        } else {
                            reduced.append(.point(group: g, time: w.time, value: values[w.time] ?? .null))
                        }
                    }
                }
                answers = filling ? filled(reduced, groups, call: j) : reduced
            } else {
                for (g, group) in groups.enumerated() where !group.absent.contains(j) {
                    let present = Set(group.trace.present[j])
                    answers += group.rows.compactMap { row in
                        guard case .time(let t) = row[0], filling || present.contains(t) || (interval == 0 && !present.isEmpty) else { return nil }
                        return .point(group: g, time: t, value: row[1 + j])
                    }
                }
            }
            readers.append(Reader(answers: limitedPoints(answers)))
        }
        var literal: [Int: Value] = [:]
        for j in calls.indices { literal[j] = callDefault(j, types: fillTypes, tagged: tagged) }
        var out: [(name: String, key: [String], rows: [[Value]])] = []
        var lastGroup = -1
        var previous: [Value] = []
        var holding = false
        while true {
            var best: (group: Int, time: Int64)?
            for r in readers.indices {
                guard let h = readers[r].read() else { continue }
                readers[r].buffered = .point(group: h.group, time: h.time, value: h.value)
                if let b = best, b.group < h.group || (b.group == h.group && (ascending ? b.time <= h.time : b.time >= h.time)) { continue }
                best = (h.group, h.time)
            }
            // Every iterator answered nil: 1.x's emitter hands on the row it holds and reads on;
            // holding none, it ends here.
            guard let (g, t) = best else {
                if holding { holding = false; continue }
                break
            }
            holding = true
            var row = [Value](repeating: .null, count: 1 + calls.count)
            row[0] = .time(t)
            var got = [Bool](repeating: false, count: calls.count)
            for r in readers.indices {
                guard let h = readers[r].read() else { continue }
                guard h.group == g, h.time == t else { readers[r].buffered = .point(group: h.group, time: h.time, value: h.value); continue }
                for j in members[r] { row[1 + j] = h.value; got[j] = true }
            }
            // The cursor's default where an iterator had no point (fill(previous) keeps the
            // series' value from the row before; the map is cleared for a new series).
            for j in calls.indices where !got[j] || row[1 + j] == .null {
                if statement.fill == .previous {
                    if g == lastGroup, !previous.isEmpty { row[1 + j] = previous[1 + j] }
                } else if let v = literal[j] {
                    row[1 + j] = v
                }
            }
            if g == lastGroup, let last = out.indices.last {
                out[last].rows.append(row)
            } else {
                out.append((groups[g].name, groups[g].key, [row]))
            }
            lastGroup = g
            previous = row
        }
        return out
    }

    /// OFFSET and LIMIT over each group's points, as 1.x's limit iterator counts them (again
    /// from one at each new series); its nils pass through.
    private func limitedPoints(_ answers: [Answer]) -> [Answer] {
        guard statement.offset > 0 || statement.limit > 0 else { return answers }
        var n = 0, current = -1
        return answers.filter { a in
            guard case .point(let g, _, _) = a else { return true }
            if g != current { current = g; n = 0 }
            n += 1
            return n > statement.offset && (statement.limit <= 0 || n - statement.offset <= statement.limit)
        }
    }

    /// 1.x's fill iterator over a reduce iterator's answers, read once per call as it reads:
    /// before its first point a nil is its own answer; after, a nil or another series' point
    /// while windows of the series remain makes the next window's fill point (the nil is
    /// used up); past the last window a nil is answered and a new series starts its windows
    /// from the first. A filled window takes the group's filled row value for call `j`.
    private func filled(_ input: [Answer], _ groups: [ScannedGroup], call j: Int) -> [Answer] {
        let grids = groups.map { g in g.rows.compactMap { row -> Int64? in if case .time(let t) = row[0] { return t }; return nil } }
        let slots = grids.map { grid in Dictionary(grid.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) }
        var out: [Answer] = []
        var input = Reader(answers: input)
        var started = false
        var group = 0, slot = 0
        // Each step is one call of the fill iterator's Next; it stops once its input is spent.
        while !input.exhausted || (started && slot < grids[group].count) {
            if !started {
                guard let a = input.answer() else { break }
                guard case .point(let g, _, _) = a else { out.append(.none); continue }
                input.buffered = a
                group = g
                slot = 0
                started = true
            }
            var p = input.answer()
            var pointGroup = -1
            if case .point(let g, _, _)? = p { pointGroup = g }
            if pointGroup != group {
                if slot < grids[group].count {
                    if pointGroup >= 0 { input.buffered = p }
                    p = nil
                } else {
                    guard pointGroup >= 0 else { out.append(.none); continue }
                    group = pointGroup
                    slot = 0
                }
            }
            if case .point(let g, let t, let v)? = p, (slots[g][t] ?? slot) <= slot {
                out.append(.point(group: g, time: t, value: v))
            } else {
                if case .point? = p { input.buffered = p }
                let t = grids[group][slot]
                out.append(.point(group: group, time: t, value: groups[group].rows[slot][1 + j]))
            }
            slot += 1
        }
        return out
    }
}
