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

        /// A mean or a float sum: its partials add up through 1.x's layers (``PartialLayers``).
        var layered: Bool { kind == .mean || (kind == .sum && !integer) }

        /// How ``PartialLayers`` adds this call's partials.
        var layerKind: PartialLayers.Kind { kind == .mean ? .mean : .sum }
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
    /// The target's shards in its order (shard groups by time), in which 1.x's shard group
    /// merges them (``PartialLayers``).
    let shardOrder: [ObjectIdentifier]
    /// Per plan, the shards whose measurement has the field: only they make 1.x iterators.
    let fieldShards: [Set<ObjectIdentifier>]
    /// ORDER BY time ASC: 1.x reads each series oldest first.
    let ascending: Bool

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
        var fieldShards: [Set<ObjectIdentifier>] = []
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
            var holding = Set<ObjectIdentifier>()
            for source in target.shards {
                guard let shard = source as? ShardSource, !shard.excluded.contains(call.field), shard.casts[call.field] == nil else { return nil }
                if let t = shard.fieldTypes(of: target.name)[call.field] {
                    if t != type { return nil }
                    holding.insert(ObjectIdentifier(shard.shard))
                }
            }
            fieldShards.append(holding)
            plans.append(Plan(kind: kind, field: Array(call.field.utf8), integer: type == .integer))
        }
        self.plans = plans
        self.calls = calls
        self.select = select
        viaRegex = target.viaRegex
        shardOrder = target.shards.compactMap { ($0 as? ShardSource).map { ObjectIdentifier($0.shard) } }
        self.fieldShards = fieldShards
        ascending = select.statement.sortFields.first?.ascending ?? true
    }

    /// Rows `[time, call values…]` per window for one group of series (each with the shards
    /// holding it), filled; nil when the group has no point at all.
    /// `absent`: the calls the group has no iterator for, filled only by fill(N) as `absentTypes` says.
    func rows(_ members: [(ParsedSeriesKey, [any SeriesSource])], absent: Set<Int>, absentTypes: [Int: FieldType],
              layered: Layered? = nil) throws(StatementError) -> [[Value]]? {
        var windows = WindowTable(calls: plans.count, expected: expectedWindows)
        var firstTime = layered?.firstTime ?? .max
        let range = select.range
        var partials: [[ObjectIdentifier: [[PartialLayers.SeriesPartial]]]] = plans.map { _ in [:] }
        try read(members, plans: layered == nil ? Array(plans.indices) : plans.indices.filter { !plans[$0].layered },
                 windows: &windows, partials: &partials, firstTime: &firstTime)
        for (c, plan) in plans.enumerated() where plan.layered {
            let answers = layered?.answers[c] ?? PartialLayers.reduce(shardOrder.compactMap { partials[c][$0] }, kind: plan.layerKind,
                                                                       ascending: ascending, sourceLayers: viaRegex ? 2 : 1)
            for (start, result) in answers {
                // The layers' answer stands in the window's partial: ``value(_:_:)`` reads it.
                var p = Partial()
                p.count = result.count
                p.f = result.value
                windows.set(p, at: start, call: c)
            }
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

    /// The means' and float sums' answers for every group of a target at once
    /// (``layered(_:)``), with the time of the groups' first point.
    struct Layered {
        var firstTime: Int64
        /// Per plan, per window: the answer and its point count.
        var answers: [Int: [Int64: (value: Double, count: Int64)]]
    }

    /// Whether the groups' order matters to the answers: some mean or float sum, over three
    /// shards or more (two partials add up alike in either order).
    var layersAcrossGroups: Bool {
        plans.contains(where: \.layered) && shardOrder.count >= 3
    }

    /// The means' and float sums' answers for every group (`groups` in the statement's order):
    /// the shard group's heap sees each shard's groups one after the other, so a group's order
    /// of shards depends on the groups before it.
    func layered(_ groups: [[(ParsedSeriesKey, [any SeriesSource])]]) throws(StatementError) -> [Layered] {
        var firstTimes: [Int64] = []
        let ordered = plans.indices.filter { plans[$0].layered }
        var perGroup: [[Int: [[PartialLayers.Point]]]] = []
        for (g, members) in groups.enumerated() {
            if let why = select.interrupted() { throw StatementError(why) }
            var windows = WindowTable(calls: plans.count, expected: 0)
            var partials: [[ObjectIdentifier: [[PartialLayers.SeriesPartial]]]] = plans.map { _ in [:] }
            var firstTime = Int64.max
            try read(members, plans: ordered, windows: &windows, partials: &partials, firstTime: &firstTime)
            firstTimes.append(firstTime)
            var points: [Int: [[PartialLayers.Point]]] = [:]
            for c in ordered {
                // A shard without the group's series still has a (empty) place in the heap's order.
                let shards = shardOrder.map { partials[c][$0] ?? [] }
                points[c] = PartialLayers.shardPoints(shards, kind: plans[c].layerKind, ascending: ascending, group: g)
            }
            perGroup.append(points)
        }
        var kinds: [Int: PartialLayers.Kind] = [:]
        for c in ordered { kinds[c] = plans[c].layerKind }
        let answers = PartialLayers.acrossGroups(perGroup, kinds: kinds, ascending: ascending, sourceLayers: viaRegex ? 2 : 1)
        return zip(firstTimes, answers).map { Layered(firstTime: $0, answers: $1) }
    }

    /// Reads the plans `plans` (indexes) of each member series in each shard: means and float
    /// sums into `partials` (per plan, per shard, the series' streams in member order), the
    /// other calls into `windows`.
    private func read(_ members: [(ParsedSeriesKey, [any SeriesSource])], plans selected: [Int], windows: inout WindowTable,
                      partials: inout [[ObjectIdentifier: [[PartialLayers.SeriesPartial]]]], firstTime: inout Int64) throws(StatementError) {
        let range = select.range
        // Under DESC a float window's values, summed newest first once the window is done.
        var newest: [Double] = []
        for (series, sources) in members {
            for source in sources {
                guard let shard = source as? ShardSource else { continue }
                let shardID = ObjectIdentifier(shard.shard)
                for c in selected {
                    let plan = plans[c]
                    // This series' window in progress: blocks continue it until the window changes.
                    var pending: (start: Int64, partial: Partial)?
                    var collected: [PartialLayers.SeriesPartial] = []
                    let collect = plan.layered
                    if collect && !fieldShards[c].contains(shardID) { continue }
                    let reversedSums = collect && !ascending && !plan.integer
                    newest.removeAll(keepingCapacity: true)
                    func consume(_ chunk: WALValues) {
                        firstTime = min(firstTime, chunk.timestamps.first ?? .max)
                        switch chunk {
                        case .float(let ts, let vs): scan(ts, vs, plan, c, &pending, &windows, &collected, collect: collect,
                                                          newest: &newest, reversedSums: reversedSums)
                        case .integer(let ts, let vs): scan(ts, vs, plan, c, &pending, &windows, &collected, collect: collect,
                                                            newest: &newest, reversedSums: false)
                        default: scan(chunk.timestamps, [Int64](), plan, c, &pending, &windows, &collected, collect: collect,
                                      newest: &newest, reversedSums: false)
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
                        if let done = pending { collected.append(Self.seriesPartial(done, plan, newest: reversedSums ? newest : nil)) }
                        partials[c][shardID, default: []].append(collected)
                    } else if let done = pending {
                        finish(done, plan, c, &windows)
                    }
                }
            }
        }
    }

    /// A series' finished window for ``PartialLayers``; `newest`: under DESC, the window's float
    /// values (oldest first), which 1.x adds newest first.
    private static func seriesPartial(_ done: (start: Int64, partial: Partial), _ plan: Plan, newest: [Double]?) -> PartialLayers.SeriesPartial {
        var sum = done.partial.sumF
        if let newest {
            sum = 0
            for v in newest.reversed() { sum += v }
        }
        return PartialLayers.SeriesPartial(window: done.start, count: done.partial.count, sumF: sum, sumI: done.partial.sumI, integer: plan.integer)
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
            partials[slot(start) + call].merge(partial, plan)
        }

        /// Puts a call's finished answer for the window (``PartialLayers``' result).
        mutating func set(_ partial: Partial, at start: Int64, call: Int) {
            partials[slot(start) + call] = partial
        }

        private mutating func slot(_ start: Int64) -> Int {
            if let found = index[start] { return found }
            let base = partials.count
            index[start] = base
            partials.append(contentsOf: repeatElement(Partial(), count: calls))
            return base
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
                                      _ windows: inout WindowTable, _ collected: inout [PartialLayers.SeriesPartial], collect: Bool,
                                      newest: inout [Double], reversedSums: Bool) {
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
                } else if reversedSums {
                    // Summed newest first when the window is done (``seriesPartial``).
                    break
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
                    if collect {
                        collected.append(Self.seriesPartial(done, plan, newest: reversedSums ? newest : nil))
                        newest.removeAll(keepingCapacity: true)
                    } else {
                        finish(done, plan, c, &windows)
                    }
                }
                pending = (start, p)
            }
            if reversedSums { for k in i..<j { newest.append(vs[k].double) } }
            i = j
        }
    }

    /// A window's value for one call: 1.x's emit, then the per-source merge layers (which
    /// only change a mean: `m·n/n`).
    private func value(_ plan: Plan, _ p: Partial) -> Value {
        guard p.count > 0 else { return .null }
        switch plan.kind {
        case .count: return .integer(p.count)
        case .sum: return plan.integer ? .integer(p.sumI) : .float(p.f)
        // The layers' answer (``PartialLayers``), set in `f`.
        case .mean: return .float(p.f)
        case .min, .max, .first, .last: return plan.integer ? .integer(p.i) : .float(p.f)
        }
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
    /// the per-series call iterators emit). Means and float sums do not come here: their
    /// partials go through ``PartialLayers``, whose answer ``WindowTable/set(_:at:call:)`` puts.
    mutating func merge(_ s: Self, _ plan: TypedAggregate.Plan) {
        defer { count += s.count }
        switch plan.kind {
        case .count: return
        case .sum, .mean:
            // An integer sum adds alike in any order.
            sumI &+= s.sumI
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
