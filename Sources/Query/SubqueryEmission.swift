import InfluxQL

/// The order and rows in which 1.x's inner aggregate hands its points to the outer query
/// (newIteratorOptionsSubstatement, buildCursor): the inner iterators are built with the outer
/// query's dimensions, so one stream per outer tag set holds every inner group, window by
/// window and, within a window, the groups in tag-ID order. Each call has its own stream, fill
/// iterator and limit iterator:
/// - the fill iterator starts a new series whenever the tags change, and fills it over the
///   whole range: each run of one group becomes a full sequence of windows;
/// - LIMIT and OFFSET count each run of one group anew;
/// - the calls' streams are then joined by a cursor that takes the smallest (tags, time) among
///   their heads and reads every call whose head is there.
struct SubqueryEmission {
    /// The inner statement (its fill, order, LIMIT and OFFSET).
    let statement: SelectStatement
    /// The outer GROUP BY tags: each of their tag sets is one stream.
    let outerTags: [String]
    /// Fills one run's windows (ascending) of the call in a given column (``AggregateSelect/fill``).
    let fill: (_ windows: [AggregateSelect.ReducedWindow], _ call: Int) throws(StatementError) -> [[Value]]
    /// Whether the inner range has no start: a run's windows then begin at its first point.
    let openStart: Bool
    /// The calls, one per column: their types for the scanner's fill(N) default.
    let calls: [AggregateSelect.Call]

    /// Whether 1.x's emission differs from Sundial's per-group rows for this inner statement:
    /// an aggregate grouped by time whose fields are plain calls giving one point per window,
    /// with several calls or tags the outer query does not group by.
    static func applies(_ inner: SelectStatement, outerTags: [String]) -> Bool {
        guard inner.groupsByTime else { return false }
        for f in inner.fields where callExprs(in: f.expr) == nil || callExprs(in: f.expr)!.isEmpty { return false }
        // A transformation's input is filled in runs too, which its per-group reducer then sees
        // out of order: not modelled.
        let transforms = inner.fields.contains { f in
            callExprs(in: f.expr)!.contains { if case .call(let name, _) = $0 { return Transform.names.contains(name) }; return false }
        }
        if transforms {
            switch inner.fill {
            case .none, .null: break
            default: return false
            }
        }
        let extraTags = groupsBeyond(inner, outerTags: outerTags)
        return inner.fields.count > 1 || extraTags
    }

    /// Whether the inner query is grouped by time and tags the outer query does not group by,
    /// with a transformation under a fill other than none or null (which ``applies(_:outerTags:)``
    /// leaves out): 1.x then emits its groups one after the other.
    static func transformsGroupByGroup(_ inner: SelectStatement, outerTags: [String]) -> Bool {
        // Under DESC or SLIMIT (whose tag sets are cut per shard) the order is not modelled.
        guard inner.groupsByTime, groupsBeyond(inner, outerTags: outerTags), inner.sortFields.first?.ascending ?? true,
              inner.sLimit <= 0, inner.sOffset <= 0 else { return false }
        return inner.fields.contains { f in
            (callExprs(in: f.expr) ?? []).contains { if case .call(let name, _) = $0 { return Transform.names.contains(name) }; return false }
        }
    }

    /// Whether the inner query groups by tags (or a wildcard or regex) the outer query does not:
    /// 1.x's stream for one outer tag set then holds several inner groups.
    static func groupsBeyond(_ inner: SelectStatement, outerTags: [String]) -> Bool {
        inner.dimensions.contains { d in
            switch d {
            case .call("time", _): return false
            case .varRef(let name, _): return !outerTags.contains(name)
            default: return true
            }
        }
    }

    /// The calls of a field made of calls giving one point per window, literals and math over
    /// them, in the order ``AggregateSelect/evaluate`` takes their values; nil for any other field.
    static func callExprs(in e: Expr) -> [Expr]? {
        switch e {
        case .number, .integer: return []
        case .paren(let inner): return callExprs(in: inner)
        case .binary(let op, let l, let r):
            guard [.add, .sub, .mul, .div, .mod, .bitwiseAnd, .bitwiseOr, .bitwiseXor].contains(op),
                  let a = callExprs(in: l), let b = callExprs(in: r) else { return nil }
            return a + b
        case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name):
            var out: [Expr] = []
            for arg in args {
                guard let calls = callExprs(in: arg) else { return nil }
                out += calls
            }
            return out
        case .call(let name, let args) where Transform.names.contains(name):
            // A transformation of such a call (fill(none) only, ``applies``): 1.x reduces it per
            // group as the points stream by, so its points keep the stream's order.
            guard case .call(let inner, let innerArgs)? = args.first, pointPerWindow.contains(inner), case .varRef? = innerArgs.first
            else { return nil }
            return [e]
        case .call(let name, let args):
            guard case .varRef? = args.first, pointPerWindow.contains(name) else { return nil }
            return [e]
        default: return nil
        }
    }

    /// The aggregates and selectors that give one point per window.
    static let pointPerWindow: Set<String> = ["count", "sum", "mean", "median", "mode", "spread", "stddev", "min", "max", "first", "last",
                                              "percentile"]

    private struct Cell {
        var group: Int
        var time: Int64
        var value: Value
    }

    /// `real`: the inner rows run with fill(none) and without LIMIT/OFFSET (a row per window
    /// some call has points in; a call without is null). `grid`: every window's time,
    /// ascending (only read for a fill that writes values). Returns the rows per inner group in
    /// emission order (times may repeat and go back), with each row's place in that order.
    func rows(real: [Row], grid: [Int64]) throws(StatementError) -> (rows: [Row], sequence: [[Int]]) {
        let ascending = statement.sortFields.first?.ascending ?? true
        let width = (real.first?.columns.count ?? 1) - 1
        var out: [Row] = []
        var sequence: [[Int]] = []
        var next = 0
        for members in Self.tagSets(real, outerTags: outerTags) {
            // Groups in tag-ID order: the values of the sorted tag keys, NUL-separated.
            let members = members.sorted { a, b in
                Self.tagID(real[a]).lexicographicallyPrecedes(Self.tagID(real[b]))
            }
            var times = Set<Int64>()
            var cells: [[Int64: Value]] = Array(repeating: [:], count: members.count * width)
            for (g, r) in members.enumerated() {
                for values in real[r].values {
                    guard case .time(let t)? = values.first else { continue }
                    times.insert(t)
                    for j in 0..<width where values[1 + j] != .null { cells[g * width + j][t] = values[1 + j] }
                }
            }
            var windows = times.sorted()
            if !ascending { windows.reverse() }
            var streams: [[Cell]] = []
            for j in 0..<width {
                var stream: [Cell] = []
                for t in windows {
                    for g in members.indices { if let v = cells[g * width + j][t] { stream.append(Cell(group: g, time: t, value: v)) } }
                }
                streams.append(limited(try filled(stream, call: j, grid: grid, ascending: ascending)))
            }
            // A call without a point where the row is: the scanner writes fill(N)'s literal cast to
            // the call's type, or under fill(previous) keeps the value of the row before when it
            // is of the same group (its values are cleared at each change of tags).
            var types = AggregateSelect.fillTypes(calls, known: [:])
            for j in 0..<width where types[j] == nil {
                for r in members {
                    if let v = real[r].values.lazy.map({ $0[1 + j] }).first(where: { $0 != .null }), let t = SubquerySource.type(v) { types[j] = t; break }
                }
            }
            let defaults = (0..<width).map { j in types[j].flatMap { AggregateSelect.fillLiteral(statement.fill, as: $0) } ?? .null }
            var previous: (group: Int, row: [Value])?
            var groupRows: [[[Value]]] = Array(repeating: [], count: members.count)
            var groupSequence: [[Int]] = Array(repeating: [], count: members.count)
            var heads = Array(repeating: 0, count: width)
            while true {
                // The smallest (tags, time) among the heads (largest under DESC).
                var best: (group: Int, time: Int64)?
                for j in 0..<width where heads[j] < streams[j].count {
                    let c = streams[j][heads[j]]
                    guard let b = best else { best = (c.group, c.time); continue }
                    let earlier = ascending ? (c.group, c.time) < (b.group, b.time) : (c.group, c.time) > (b.group, b.time)
                    if earlier { best = (c.group, c.time) }
                }
                guard let (g, t) = best else { break }
                var row: [Value] = [.time(t)]
                for j in 0..<width {
                    if heads[j] < streams[j].count, streams[j][heads[j]].group == g, streams[j][heads[j]].time == t {
                        row.append(streams[j][heads[j]].value)
                        heads[j] += 1
                    } else if statement.fill == .previous, let p = previous, p.group == g {
                        row.append(p.row[1 + j])
                    } else {
                        row.append(defaults[j])
                    }
                }
                previous = (g, row)
                groupRows[g].append(row)
                groupSequence[g].append(next)
                next += 1
            }
            for (g, r) in members.enumerated() where !groupRows[g].isEmpty {
                var row = real[r]
                row.values = groupRows[g]
                out.append(row)
                sequence.append(groupSequence[g])
            }
        }
        return (out, sequence)
    }

    /// One call's stream through 1.x's fill iterator: each run of one group filled over every
    /// window of the range (from the run's first point when the range has no start).
    private func filled(_ stream: [Cell], call: Int, grid: [Int64], ascending: Bool) throws(StatementError) -> [Cell] {
        switch statement.fill {
        case .number, .integer, .previous, .linear: break
        default: return stream
        }
        var out: [Cell] = []
        var start = 0
        while start < stream.count {
            var end = start
            while end < stream.count && stream[end].group == stream[start].group { end += 1 }
            var real: [Int64: Value] = [:]
            for c in stream[start..<end] { real[c.time] = c.value }
            var windows = grid
            if openStart, let first = real.keys.min() { windows = windows.filter { $0 >= first } }
            let rows = try fill(windows.map { t in
                let v = real[t]
                return (row: [.time(t), v ?? .null], empty: v == nil, missing: [])
            }, call)
            let group = stream[start].group
            let cells = rows.compactMap { r -> Cell? in
                guard case .time(let t)? = r.first else { return nil }
                return Cell(group: group, time: t, value: r[1])
            }
            out += ascending ? cells : cells.reversed()
            start = end
        }
        return out
    }

    /// LIMIT and OFFSET over one call's stream, counted anew at each change of group.
    private func limited(_ stream: [Cell]) -> [Cell] {
        let (limit, offset) = (statement.limit, statement.offset)
        guard limit > 0 || offset > 0 else { return stream }
        var out: [Cell] = []
        var n = 0
        for (i, c) in stream.enumerated() {
            n = i > 0 && stream[i - 1].group == c.group ? n + 1 : 1
            if n <= offset || (limit > 0 && n - offset > limit) { continue }
            out.append(c)
        }
        return out
    }

    /// The rows' indexes by tag set (measurement and outer tag values): each set is one of 1.x's
    /// streams. Sets in first-seen order, rows in order.
    static func tagSets(_ rows: [Row], outerTags: [String]) -> [[Int]] {
        var sets: [[String]: Int] = [:]
        var out: [[Int]] = []
        for (i, row) in rows.enumerated() {
            let key = [row.name] + outerTags.map { row.tags[$0] ?? "" }
            if let k = sets[key] { out[k].append(i) } else { sets[key] = out.count; out.append([i]) }
        }
        return out
    }

    /// 1.x's tag ID of a row's group: its tag values in key order, NUL-separated.
    static func tagID(_ row: Row) -> [UInt8] {
        var id: [UInt8] = []
        for (i, k) in row.tags.keys.sorted(by: RawSelect.bytesLess).enumerated() {
            if i > 0 { id.append(0) }
            id += Array(row.tags[k]!.utf8)
        }
        return id
    }
}

extension QueryExecutor {
    /// An inner aggregate's rows in 1.x's emission order (``SubqueryEmission``): run without
    /// fill or limits, then filled, limited and joined as 1.x's iterators do; with each row's
    /// place in that order.
    func emitted(_ inner: SelectStatement, limit: Int, offset: Int, outerTags: [String], queryID: UInt64,
                 memory: QueryMemory) async throws(StatementError) -> ([Row], [[Int]]) {
        var real = inner
        real.fill = .none
        real.limit = 0
        real.offset = 0
        let named = try await select(real, queryID: queryID, memory: memory, subquery: true)
        guard let columns = named.first?.columns else { return ([], []) }
        // Each call's own column: fill and the join work on calls, arithmetic comes after.
        let plain = inner.fields.allSatisfy { if case .call(let name, _) = $0.expr { return SubqueryEmission.pointPerWindow.contains(name) }; return false }
        var fieldCalls: [[Expr]] = []
        if !plain {
            fieldCalls = inner.fields.map { SubqueryEmission.callExprs(in: $0.expr) ?? [] }
            real.fields = fieldCalls.joined().map { Field(expr: $0, alias: "") }
        }
        let rows = plain ? named : try await select(real, queryID: queryID, memory: memory, subquery: true)
        var grid: [Int64] = []
        switch inner.fill {
        case .number, .integer, .previous, .linear:
            // Every window of the range: fill(null) gives each group all of them.
            var all = real
            all.fill = .null
            var times = Set<Int64>()
            for row in try await select(all, queryID: queryID, memory: memory, subquery: true) {
                for values in row.values { if case .time(let t)? = values.first { times.insert(t) } }
            }
            grid = times.sorted()
        default: break
        }
        let compiled = try SelectCompiler.check(inner)
        let (range, zone) = try Self.timeRange(of: inner, interval: compiled.interval)
        var filler = AggregateSelect(statement: inner, targets: [], range: range, interval: compiled.interval,
                                     offset: try Self.groupByOffset(inner, interval: compiled.interval))
        filler.zone = zone
        filler.inSubquery = true
        let calls = real.fields.map { f -> AggregateSelect.Call in
            if case .call(let name, _) = f.expr { return AggregateSelect.Call(function: name, field: "", argument: 0, column: "") }
            return AggregateSelect.Call(function: "", field: "", argument: 0, column: "")
        }
        var limited = inner
        limited.limit = limit
        limited.offset = offset
        let emission = SubqueryEmission(statement: limited, outerTags: outerTags,
                                        fill: { windows, j throws(StatementError) in try filler.fill(windows, calls: [calls[j]]) },
                                        openStart: range.min == .min, calls: calls)
        var (out, sequence) = try emission.rows(real: rows, grid: grid)
        guard !plain else { return (out, sequence) }
        for r in out.indices {
            out[r].columns = columns
            out[r].values = out[r].values.map { row in
                var slice = row.dropFirst()
                var values = [row[0]]
                for f in inner.fields { values.append(AggregateSelect.evaluate(f.expr, &slice, keepNaN: true)) }
                return values
            }
        }
        return (out, sequence)
    }
}

extension SubqueryEmission {
    /// Whether a raw inner query's LIMIT/OFFSET applies to 1.x's interleaved stream: it groups
    /// by tags the outer query does not.
    static func limitsRawRuns(_ inner: SelectStatement, outerTags: [String]) -> Bool {
        guard inner.limit > 0 || inner.offset > 0 else { return false }
        return groupsBeyond(inner, outerTags: outerTags)
    }

    /// A raw inner query's rows (run without LIMIT/OFFSET) limited as 1.x limits them when the
    /// outer query does not group by all its tags: each series gives at most `offset + limit + 1`
    /// points (the engine's per-series limit), the outer tag set's series merged by time then
    /// count LIMIT/OFFSET per run of one series, and again after the shards' merge. Returns the
    /// kept rows with their place in the merged order. `shardStarts`: the start times of the
    /// inner retention policy's shard groups, ascending (a point's shard is the last one at or
    /// before its time).
    static func rawRuns(_ rows: [Row], outerTags: [String], limit: Int, offset: Int, ascending: Bool,
                        shardStarts: [Int64]) -> (rows: [Row], sequence: [[Int]]) {
        func shard(_ t: Int64) -> Int {
            var lo = 0, hi = shardStarts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if shardStarts[mid] <= t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        func runLimited(_ points: [(time: Int64, row: Int, index: Int)]) -> [(time: Int64, row: Int, index: Int)] {
            var n = 0
            return points.enumerated().compactMap { k, p in
                n = k > 0 && points[k - 1].row == p.row ? n + 1 : 1
                return n <= offset || (limit > 0 && n - offset > limit) ? nil : p
            }
        }
        let (cap, overflow) = offset.addingReportingOverflow(max(limit, 0) &+ 1)
        var kept = rows.map { _ in [Int]() }
        var sequence = rows.map { _ in [Int]() }
        var next = 0
        for members in tagSets(rows, outerTags: outerTags) {
            // Per shard: each series capped, the series merged by time (ties in series order),
            // then runs limited; the shards' outputs follow one another in time order.
            var byShard: [Int: [(time: Int64, row: Int, index: Int)]] = [:]
            for r in members {
                var taken: [Int: Int] = [:]
                for (i, values) in rows[r].values.enumerated() {
                    guard case .time(let t)? = values.first else { continue }
                    let s = shard(t)
                    let n = taken[s, default: 0]
                    guard overflow || n < cap else { continue }
                    taken[s] = n + 1
                    byShard[s, default: []].append((t, r, i))
                }
            }
            var points: [(time: Int64, row: Int, index: Int)] = []
            for s in byShard.keys.sorted(by: ascending ? (<) : (>)) {
                let merged = byShard[s]!.sorted { a, b in
                    if a.time != b.time { return ascending ? a.time < b.time : a.time > b.time }
                    return a.row != b.row ? a.row < b.row : a.index < b.index
                }
                points += runLimited(merged)
            }
            points = runLimited(points)
            for p in points {
                kept[p.row].append(p.index)
                sequence[p.row].append(next)
                next += 1
            }
        }
        var out: [Row] = []
        var seqs: [[Int]] = []
        for r in rows.indices where !kept[r].isEmpty {
            var row = rows[r]
            row.values = kept[r].map { rows[r].values[$0] }
            out.append(row)
            seqs.append(sequence[r])
        }
        return (out, seqs)
    }
}

extension SubqueryEmission {
    /// Whether the inner query's one field is top(), bottom() or sample().
    static func lonePointSelector(_ inner: SelectStatement) -> Bool {
        guard inner.fields.count == 1, case .call(let name, _) = inner.fields[0].expr else { return false }
        return ["top", "bottom", "sample"].contains(name)
    }

    /// Whether the inner query is a lone top(), bottom() or sample() grouped by time and by tags
    /// the outer query does not group by: 1.x emits its points window by window, the groups
    /// of a window in tag-ID order, each group's points in time order (``selectorRuns``).
    static func selectorWindows(_ inner: SelectStatement, outerTags: [String]) -> Bool {
        guard lonePointSelector(inner), inner.sortFields.first?.ascending ?? true, inner.location == nil,
              inner.groupsByTime else { return false }
        return groupsBeyond(inner, outerTags: outerTags)
    }

    /// The place of each of a selector's rows in 1.x's emission: per tag set, by window (of
    /// `interval`, shifted by `offset`), then group in tag-ID order, then time.
    static func selectorRuns(_ rows: [Row], outerTags: [String], interval: Int64, offset: Int64) -> [[Int]] {
        var sequence = rows.map { Array(repeating: 0, count: $0.values.count) }
        var next = 0
        for members in tagSets(rows, outerTags: outerTags) {
            let ordered = members.sorted { tagID(rows[$0]).lexicographicallyPrecedes(tagID(rows[$1])) }
            var points: [(window: Int64, group: Int, time: Int64, row: Int, index: Int)] = []
            for (g, r) in ordered.enumerated() {
                for (i, values) in rows[r].values.enumerated() {
                    guard case .time(let t)? = values.first else { continue }
                    points.append((AggregateSelect.truncate(t, interval, offset), g, t, r, i))
                }
            }
            points.sort { ($0.window, $0.group, $0.time, $0.index) < ($1.window, $1.group, $1.time, $1.index) }
            for p in points {
                sequence[p.row][p.index] = next
                next += 1
            }
        }
        return sequence
    }
}
