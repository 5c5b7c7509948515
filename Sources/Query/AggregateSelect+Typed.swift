import InfluxQL
import TSDB
import TSM

/// The typed path for count, sum, mean, min, max, first and last over stored fields with
/// WHERE on time and tags only (what TSBS-style dashboards ask). Each series' values are
/// reduced per window straight from the decoded `[Int64]`/`[Double]` arrays — no `Value`
/// per point, no rows — and the per-series results are merged as 1.x's iterator layers merge
/// them (one call iterator per series and shard, one over the shard group, one per source),
/// so even floating-point means come out as the same bytes.
///
/// A class: the per-block closures capture it by reference instead of copying its fields.
final class TypedAggregate {
    enum Kind { case count, sum, mean, min, max, first, last }

    struct Plan {
        var kind: Kind
        var field: [UInt8]
        /// The field is integer (else float); count takes any type.
        var integer: Bool
    }

    /// One call's state for one window: 1.x's reducer fields.
    struct Partial {
        var count: Int64 = 0
        var sumF: Double = 0
        var sumI: Int64 = 0
        var time: Int64 = 0
        var f: Double = 0
        var i: Int64 = 0
    }

    let plans: [Plan]
    let calls: [AggregateSelect.Call]
    let select: AggregateSelect
    /// The source was a regex: 1.x merges its measurements once more (another mean layer).
    let viaRegex: Bool
    /// The target's shards in its order (shard groups by time): float partials are added shard
    /// after shard in it (``ordered(_:shards:)``).
    let shardOrder: [ObjectIdentifier]

    /// The plan for these calls, or nil when some call, field type or condition needs the
    /// general path.
    init?(select: AggregateSelect, calls: [AggregateSelect.Call], fieldTypes: [String: FieldType], columns: [AggregateSelect.Column],
          conditionFields: Set<String>, target: RawSelect.Target) {
        guard !calls.isEmpty, conditionFields.isEmpty else { return nil }
        for c in columns {
            switch c {
            case .call, .math: continue
            case .aux, .transform: return nil
            }
        }
        var plans: [Plan] = []
        for call in calls {
            guard call.tags.isEmpty, let type = fieldTypes[call.field] else { return nil }
            let kind: Kind
            switch call.function {
            case "count": kind = .count
            case "sum": kind = .sum
            case "mean": kind = .mean
            case "min": kind = .min
            case "max": kind = .max
            case "first": kind = .first
            case "last": kind = .last
            default: return nil
            }
            guard type == .float || type == .integer || kind == .count else { return nil }
            // A field whose type differs between shards goes the general way (1.x casts there).
            for source in target.shards {
                guard let shard = source as? ShardSource, !shard.excluded.contains(call.field), shard.casts[call.field] == nil else { return nil }
                if let t = shard.fieldTypes(of: target.name)[call.field], t != type { return nil }
            }
            plans.append(Plan(kind: kind, field: Array(call.field.utf8), integer: type == .integer))
        }
        self.plans = plans
        self.calls = calls
        self.select = select
        viaRegex = target.viaRegex
        shardOrder = target.shards.compactMap { ($0 as? ShardSource).map { ObjectIdentifier($0.shard) } }
    }

    /// Rows `[time, call values…]` per window for one group of series (each with the shards
    /// holding it), filled; nil when the group has no point at all.
    /// `absent`: the calls the group has no iterator for, filled only by fill(N) as `absentTypes` says.
    func rows(_ members: [(ParsedSeriesKey, [any SeriesSource])], absent: Set<Int>, absentTypes: [Int: FieldType]) throws(StatementError) -> [[Value]]? {
        var windows = WindowTable(calls: plans.count, expected: expectedWindows)
        var firstTime = Int64.max
        let range = select.range
        // Float means and sums add the series' partials shard after shard (``ordered``).
        let ordersPartials = plans.map { $0.kind == .mean || ($0.kind == .sum && !$0.integer) }
        var partials: [[ObjectIdentifier: [[(window: Int64, payload: Partial)]]]] = plans.map { _ in [:] }
        for (series, sources) in members {
            for source in sources {
                guard let shard = source as? ShardSource else { continue }
                let shardID = ObjectIdentifier(shard.shard)
                for (c, plan) in plans.enumerated() {
                    // This series' window in progress: blocks continue it until the window changes.
                    var pending: (start: Int64, partial: Partial)?
                    var collected: [(window: Int64, payload: Partial)] = []
                    let collect = ordersPartials[c]
                    func consume(_ chunk: WALValues) {
                        firstTime = min(firstTime, chunk.timestamps.first ?? .max)
                        switch chunk {
                        case .float(let ts, let vs): scan(ts, vs, plan, c, &pending, &windows, &collected, collect: collect)
                        case .integer(let ts, let vs): scan(ts, vs, plan, c, &pending, &windows, &collected, collect: collect)
                        default: scan(chunk.timestamps, [Int64](), plan, c, &pending, &windows, &collected, collect: collect)
                        }
                    }
                    if select.interval == 0 && (plan.kind == .last || plan.kind == .first) {
                        if let stored = try read(shard, series, plan) { consume(stored) }
                    } else {
                        let key = series.key + TSMFormat.fieldSeparator + plan.field
                        do throws(EngineError) {
                            try shard.shard.engine.scan(key: key, min: range.min, max: range.max) { chunk in
                                shard.counter.add(chunk.count)
                                consume(chunk)
                            }
                        } catch {
                            throw StatementError(error.description)
                        }
                    }
                    if collect {
                        if let done = pending { collected.append((done.start, done.partial)) }
                        partials[c][shardID, default: []].append(collected)
                    } else if let done = pending {
                        finish(done, plan, c, &windows)
                    }
                }
            }
        }
        for (c, plan) in plans.enumerated() where ordersPartials[c] {
            for (start, partial) in ordered(partials[c], shards: shardOrder) { windows.merge(partial, at: start, call: c, plan) }
        }
        guard !windows.isEmpty else { return nil }
        let callCount = plans.count
        var filled: [AggregateSelect.ReducedWindow] = []
        // One selector, however often it is written (1.x's value mapper keeps one call).
        let singleSelector = [.min, .max, .first, .last].contains(plans[0].kind)
            && plans.allSatisfy { $0.kind == plans[0].kind && $0.field == plans[0].field }
        // Under tz() the reduced windows are merged into 1.x's fill walk afterwards.
        // fill(none) walks only the windows with points (the empty ones would be dropped).
        let sparse = select.zone != nil && select.interval > 0 || select.statement.fill == .none && select.interval > 0
        let walk = !sparse ? try select.windows(firstTime: firstTime, width: 1 + callCount)
            : windows.starts.sorted().map { ($0, $0) }
        filled.reserveCapacity(walk.count)
        for (n, w) in walk.enumerated() {
            if n & 4095 == 4095, let why = select.interrupted() { throw StatementError(why) }
            // Each row is allocated once at its final size.
            var row: [Value] = []
            row.reserveCapacity(1 + callCount)
            row.append(.time(select.interval > 0 ? w.start : (range.min == .min ? 0 : range.min)))
            guard let partials = windows[w.start] else {
                for _ in 0..<callCount { row.append(.null) }
                filled.append((row, true, []))
                continue
            }
            var missing: [Int] = []
            for (j, (plan, p)) in zip(plans, partials).enumerated() {
                row.append(value(plan, p))
                if p.count == 0 { missing.append(j) }
            }
            if singleSelector && select.interval == 0 && partials[partials.startIndex].count > 0 { row[0] = .time(partials[partials.startIndex].time) }
            filled.append((row, false, missing))
        }
        return try select.fill(try select.zoned(filled), calls: calls, absent: absent, absentTypes: absentTypes)
    }

    /// A call's per-series partials (per shard, series in the group's order) in the order 1.x's
    /// answers show them added: window by window, shard after shard in time order, each shard's
    /// series in key order.
    private func ordered(_ byShard: [ObjectIdentifier: [[(window: Int64, payload: Partial)]]],
                         shards: [ObjectIdentifier]) -> [(window: Int64, payload: Partial)] {
        let ascending = select.statement.sortFields.first?.ascending ?? true
        let streams = shards.compactMap { id in byShard[id].map { Self.sequential($0, ascending: ascending) } }
        return Self.sequential(streams, ascending: ascending)
    }

    /// The series' partials window by window, each window's in series order.
    private static func sequential(_ series: [[(window: Int64, payload: Partial)]], ascending: Bool) -> [(window: Int64, payload: Partial)] {
        var all: [(window: Int64, series: Int, payload: Partial)] = []
        for (k, s) in series.enumerated() { for p in s { all.append((p.window, k, p.payload)) } }
        all.sort { $0.window != $1.window ? (ascending ? $0.window < $1.window : $0.window > $1.window) : $0.series < $1.series }
        return all.map { ($0.window, $0.payload) }
    }

    /// Hands a series' finished window to the group's, as 1.x's shard-group call iterator
    /// receives each series' result.
    private func finish(_ done: (start: Int64, partial: Partial), _ plan: Plan, _ c: Int, _ windows: inout WindowTable) {
        windows.merge(done.partial, at: done.start, call: c, plan)
    }

    /// The windows the range spans, when it is bounded: the table reserves room for them.
    private var expectedWindows: Int {
        let range = select.range
        guard select.interval > 0, range.min != .min, range.max != .max else { return 0 }
        return select.windowCapacity(from: AggregateSelect.truncate(range.min, select.interval, select.offset), to: range.max)
    }

    /// A group's windows: each window's partials (one per call) stored together in one flat
    /// array and found by the window's start — no array allocated per window.
    struct WindowTable {
        let calls: Int
        private var index: [Int64: Int] = [:]
        private var partials: [Partial] = []

        init(calls: Int, expected: Int) {
            self.calls = calls
            index.reserveCapacity(expected)
            partials.reserveCapacity(expected * calls)
        }

        var isEmpty: Bool { index.isEmpty }
        var starts: Dictionary<Int64, Int>.Keys { index.keys }

        mutating func merge(_ partial: Partial, at start: Int64, call: Int, _ plan: Plan) {
            let base: Int
            if let found = index[start] {
                base = found
            } else {
                base = partials.count
                index[start] = base
                partials.append(contentsOf: repeatElement(Partial(), count: calls))
            }
            partials[base + call].merge(partial, plan)
        }

        /// The window's partials, one per call, or nil when no series had a point in it.
        subscript(start: Int64) -> ArraySlice<Partial>? {
            index[start].map { partials[$0..<$0 + calls] }
        }
    }

    /// A series' field over the range. Without GROUP BY time, last() (first()) needs only the
    /// newest (oldest) block: the read is narrowed to it, and widened again if deletes left
    /// nothing there.
    private func read(_ shard: ShardSource, _ series: ParsedSeriesKey, _ plan: Plan) throws(StatementError) -> WALValues? {
        let range = select.range
        if select.interval == 0, plan.kind == .last || plan.kind == .first {
            let key = series.key + TSMFormat.fieldSeparator + plan.field
            if let bound = shard.shard.engine.edgeBlockBound(key: key, min: range.min, max: range.max, newest: plan.kind == .last) {
                let narrowed = plan.kind == .last ? try shard.read(series, field: plan.field, min: bound, max: range.max)
                    : try shard.read(series, field: plan.field, min: range.min, max: bound)
                if let narrowed, narrowed.count > 0 { return narrowed }
            }
        }
        return try shard.read(series, field: plan.field, min: range.min, max: range.max)
    }

    /// Reduces one series' values (time-ascending, unique times) window by window, merging
    /// each window's result into the group's as 1.x's shard-group call iterator does.
    /// `collect`: finished windows go to `collected` (the series' stream, merged later in 1.x's
    /// order) instead of the group's table.
    private func scan<N: TypedNumber>(_ ts: [Int64], _ vs: [N], _ plan: Plan, _ c: Int, _ pending: inout (start: Int64, partial: Partial)?,
                                      _ windows: inout WindowTable, _ collected: inout [(window: Int64, payload: Partial)], collect: Bool) {
        let interval = select.interval
        let n = ts.count
        var i = 0
        while i < n {
            let start: Int64, end: Int64
            if interval == 0 {
                (start, end) = (select.range.min, .max)
            } else if select.zone == nil {
                start = AggregateSelect.truncate(ts[i], interval, select.offset)
                end = start &+ (interval &- 1)
            } else {
                let w = select.window(ts[i])
                (start, end) = (w.start, w.end &- 1)
            }
            var j = i
            while j < n && ts[j] <= end { j += 1 }
            var p = Partial()
            p.count = Int64(j - i)
            switch plan.kind {
            case .count: break
            case .sum, .mean:
                // A window continued from the previous block runs its sum on (floating-point
                // addition is not associative: the same order gives the same bytes).
                let continued = pending.map { $0.start == start } ?? false
                if plan.integer {
                    var s: Int64 = continued ? pending!.partial.sumI : 0
                    for k in i..<j { s &+= vs[k].int }
                    p.sumI = s
                } else {
                    var s = continued ? pending!.partial.sumF : 0.0
                    for k in i..<j { s += vs[k].double }
                    p.sumF = s
                }
            case .min:
                var best = i
                for k in i..<j where vs[k] < vs[best] { best = k }
                p.time = ts[best]
                vs[best].store(&p)
            case .max:
                var best = i
                for k in i..<j where vs[best] < vs[k] { best = k }
                p.time = ts[best]
                vs[best].store(&p)
            case .first:
                p.time = ts[i]
                vs[i].store(&p)
            case .last:
                p.time = ts[j - 1]
                vs[j - 1].store(&p)
            }
            if var current = pending, current.start == start {
                current.partial.extend(p, plan)
                pending = current
            } else {
                if let done = pending {
                    if collect { collected.append((done.start, done.partial)) } else { finish(done, plan, c, &windows) }
                }
                pending = (start, p)
            }
            i = j
        }
    }

    /// A window's value for one call: 1.x's emit, then the per-source merge layers (which
    /// only change a mean: `m·n/n`).
    private func value(_ plan: Plan, _ p: Partial) -> Value {
        guard p.count > 0 else { return .null }
        switch plan.kind {
        case .count: return .integer(p.count)
        case .sum: return plan.integer ? .integer(p.sumI) : .float(p.sumF)
        case .mean: return .float(Self.mean(of: p, viaRegex: viaRegex))
        case .min, .max, .first, .last: return plan.integer ? .integer(p.i) : .float(p.f)
        }
    }
}

extension TypedAggregate {
    /// A merged mean (`sumF` the series' means weighted by their counts) after 1.x's
    /// per-source merge layers, each `m·n/n` (two when the source was a regex).
    static func mean(of p: Partial, viaRegex: Bool) -> Double {
        var m = p.sumF / Double(p.count)
        for _ in 0..<(viaRegex ? 2 : 1) where p.count >= 2 { m = m * Double(p.count) / Double(p.count) }
        return m
    }
}

extension TypedAggregate.Partial {
    /// Continues this series' window with its next block's points (later in time); the
    /// block's sums were run on from this window's, so the result is the same bytes as one
    /// pass over the points.
    mutating func extend(_ next: Self, _ plan: TypedAggregate.Plan) {
        defer { count += next.count }
        switch plan.kind {
        case .count, .first: return
        case .sum, .mean:
            // The block's sums already include this window's earlier points.
            sumI = next.sumI
            sumF = next.sumF
        case .min, .max:
            let less = plan.integer ? next.i < i : next.f < f
            let greater = plan.integer ? next.i > i : next.f > f
            if plan.kind == .min ? less : greater { time = next.time; f = next.f; i = next.i }
        case .last:
            time = next.time; f = next.f; i = next.i
        }
    }

    /// Adds a series' result for the window to the group's (1.x's reducers over the points
    /// the per-series call iterators emit; a series' mean arrives with its count).
    mutating func merge(_ s: Self, _ plan: TypedAggregate.Plan) {
        defer { count += s.count }
        switch plan.kind {
        case .count: return
        case .sum:
            sumI &+= s.sumI
            sumF += s.sumF
        case .mean:
            let m = plan.integer ? Double(s.sumI) / Double(s.count) : s.sumF / Double(s.count)
            sumF += s.count >= 2 ? m * Double(s.count) : m
        case .min, .max, .first, .last:
            guard count > 0 else {
                time = s.time; f = s.f; i = s.i
                return
            }
            let less = plan.integer ? s.i < i : s.f < f
            let greater = plan.integer ? s.i > i : s.f > f
            let better: Bool
            switch plan.kind {
            case .min: better = less || (!greater && s.time < time)
            case .max: better = greater || (!less && s.time < time)
            case .first: better = s.time < time || (s.time == time && greater)
            default: better = s.time > time || (s.time == time && greater)
            }
            if better { time = s.time; f = s.f; i = s.i }
        }
    }
}

/// The stored numeric types the typed path reduces.
protocol TypedNumber: Comparable {
    var double: Double { get }
    var int: Int64 { get }
    func store(_ p: inout TypedAggregate.Partial)
}

extension Double: TypedNumber {
    var double: Double { self }
    var int: Int64 { Int64(exactly: rounded(.towardZero)) ?? 0 }
    func store(_ p: inout TypedAggregate.Partial) { p.f = self }
}

extension Int64: TypedNumber {
    var double: Double { Double(self) }
    var int: Int64 { self }
    func store(_ p: inout TypedAggregate.Partial) { p.i = self }
}
