import InfluxQL
import TSDB

extension AggregateSelect {
    /// Transformations over the interval values of their aggregate (rows `[time, values…]`):
    /// null intervals are skipped, the unit of derivative defaults to the interval, and
    /// outputs before the query's start (from the extra intervals read) are dropped.
    /// `absent`: calls without a point in the group; they make no rows, and fill(N) writes its
    /// literal (typed by `absentTypes`) in the rows the others make.
    /// `tagged`: absent calls over a tag key, whose literal is written uncast.
    func transformed(_ rows: [[Value]], columns: [Column], ascending: Bool, absent: Set<Int> = [],
                     absentTypes: [Int: FieldType] = [:], tagged: Set<Int> = []) throws(StatementError) -> [[Value]] {
        var literals: [Int: Value] = [:]
        var outputs: [[(time: Int64, value: Value)]] = []
        // Outputs from the extra intervals are dropped; the window holding the start stays.
        let start = range.min == .min || interval == 0 ? range.min : window(range.min).start
        var callIndex = 1
        // A filled aggregate emits every window of the range; integral (never filled) and any
        // aggregate under fill(none) emit only where they have a value. 1.x's scanner makes a
        // row only where some column emitted.
        // A call without a point in the group emits nothing at all (its fill iterator never starts).
        func dense(_ call: Call, _ index: Int) -> Bool {
            !absent.contains(index) && (interval == 0 || (statement.fill != .none && call.function != "integral"))
        }
        for c in columns {
            let i = callIndex
            // Aggregates and arithmetic beside a transformation keep every window of the range
            // (filled), joined with the transformation's outputs by time.
            if case .call(let call) = c {
                callIndex += 1
                if absent.contains(i - 1) {
                    if let literal = callDefault(i - 1, types: absentTypes, tagged: tagged) { literals[outputs.count] = literal }
                    outputs.append([])
                    continue
                }
                let all = dense(call, i - 1)
                outputs.append(rows.compactMap { row in
                    guard case .time(let t) = row[0], t >= start, all || row[i] != .null else { return nil }
                    return (t, row[i])
                })
                continue
            }
            if case .math(let e, _) = c {
                let inner = Self.calls(in: e)
                let n = inner.count
                callIndex += n
                if !Self.transforms(in: e).isEmpty {
                    outputs.append(try transformedMath(e, rows: rows, slot: i, start: start, ascending: ascending))
                    continue
                }
                let all = inner.indices.contains { dense(inner[$0], i - 1 + $0) }
                // 1.x evaluates the arithmetic over the scanner's row, where an integral without
                // an area holds the default (`sqrt(integral(v))` under fill(7) is sqrt(7)).
                let integrals = inner.indices.filter { inner[$0].function == "integral" }
                var previous = [Value](repeating: .null, count: n)
                outputs.append(rows.compactMap { row in
                    guard case .time(let t) = row[0], t >= start, all || row[i..<(i + n)].contains(where: { $0 != .null }) else { return nil }
                    var slice = row[i..<(i + n)]
                    for k in integrals {
                        if slice[i + k] == .null { slice[i + k] = scannerDefault(previous: previous[k]) } else { previous[k] = slice[i + k] }
                    }
                    return (t, Self.evaluate(e, &slice, keepNaN: true))
                })
                continue
            }
            // A derivative's unit defaults to the interval unless that call gives one.
            guard case .transform(let name, _, let argument, _, let explicitUnit) = c else { continue }
            callIndex += 1
            // Over a call without points in the group the transformation emits nothing (the
            // scanner's default fills its cells, ``transformDefaults(_:columns:fieldTypes:)``).
            if absent.contains(i - 1) {
                outputs.append([])
                continue
            }
            outputs.append(try transformOutputs(name, argument: argument, explicitUnit: explicitUnit, rows: rows, slot: i,
                                                start: start, ascending: ascending))
        }
        // Joined by time in one merge over the time-ordered outputs (a dictionary of every
        // time cost seconds to build and to free for millions of windows, unchecked).
        let lists = outputs.map { list in
            zip(list, list.dropFirst()).allSatisfy { $0.time <= $1.time } ? list : list.sorted { $0.time < $1.time }
        }
        var next = Array(repeating: 0, count: lists.count)
        var rows: [[Value]] = []
        let rowBytes = QueryMemory.rowBytes(width: lists.count + 1) + 8
        while true {
            var earliest: Int64?
            for k in lists.indices where next[k] < lists[k].count {
                let t = lists[k][next[k]].time
                if earliest.map({ t < $0 }) ?? true { earliest = t }
            }
            guard let time = earliest else { break }
            if rows.count & 4095 == 4095, let why = interrupted() { throw StatementError(why) }
            try memory.charge(rowBytes)
            var row: [Value] = [.time(time)]
            row.reserveCapacity(lists.count + 1)
            for k in lists.indices {
                var value = Value.null
                // Of several outputs at one time, the last is kept.
                while next[k] < lists[k].count && lists[k][next[k]].time == time {
                    value = lists[k][next[k]].value
                    next[k] += 1
                }
                row.append(literals[k] ?? value)
            }
            rows.append(row)
        }
        // Ascending here: the caller reverses the rows for DESC.
        return rows
    }

    /// What 1.x's scanner leaves in a float column that emitted nothing at a row's time:
    /// fill(N)'s literal, under fill(previous) the column's previous value, else null.
    func scannerDefault(previous: Value) -> Value {
        switch statement.fill {
        case .previous: previous
        case .number, .integer: Self.fillLiteral(statement.fill, as: .float) ?? .null
        default: .null
        }
    }

    /// One transformation's outputs over the interval values in `slot` (null intervals
    /// skipped): the unit of derivative defaults to the interval unless given, holt_winters
    /// forecasts (charged first), and outputs before `start` (from the extra intervals read)
    /// are dropped.
    func transformOutputs(_ name: String, argument: Int64, explicitUnit: Bool, rows: [[Value]], slot i: Int,
                          start: Int64, ascending: Bool) throws(StatementError) -> [(time: Int64, value: Value)] {
        var argument = argument
        let points = rows.compactMap { row -> (time: Int64, value: Value)? in
            guard case .time(let t) = row[0], row[i] != .null else { return nil }
            return (t, row[i])
        }
        if name.hasSuffix("derivative"), !TechnicalAnalysis.names.contains(name), argument == 1_000_000_000, !explicitUnit {
            argument = interval
        }
        if name.hasPrefix("holt_winters") {
            let series = points.compactMap { p in RawSelect.number(p.value).map { (p.time, $0) } }
            // The fitted values and h forecasts are made whole: refused first when too many
            // (fewer than two points forecast nothing).
            if series.count >= 2 { try memory.charge(series.count + Int(argument & 0xFFFF_FFFF), of: 40 + QueryMemory.rowBytes(width: 2)) }
            let forecast = try HoltWinters.forecast(series,
                                                    h: Int(argument & 0xFFFF_FFFF), m: Int(argument >> 32), includeFit: name == "holt_winters_with_fit",
                                                    interval: interval, memory: memory, interrupted: interrupted)
            return forecast.map { ($0.time, .float($0.value)) }
        }
        // ORDER BY time DESC runs the transformation over the intervals newest first.
        return Transform.apply(name, ascending ? points : points.reversed(), argument: argument, ascending: ascending).filter { $0.time >= start }
    }

    /// Arithmetic over transformations and aggregates (`derivative(mean(v)) * 2`,
    /// `derivative(mean(v)) + mean(v)`), as 1.x's binary iterators join their inputs: a row
    /// wherever any input has a point, a missing input read as null.
    func transformedMath(_ e: Expr, rows: [[Value]], slot: Int, start: Int64, ascending: Bool) throws(StatementError) -> [(time: Int64, value: Value)] {
        var leaves: [[Int64: Value]] = []
        var next = slot
        func collect(_ e: Expr) throws(StatementError) {
            switch e {
            case .paren(let inner): try collect(inner)
            case .binary(_, let l, let r): try collect(l); try collect(r)
            case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name):
                for a in args { try collect(a) }
            case .call(let name, let args) where Transform.names.contains(name):
                let outputs = try transformOutputs(name, argument: Transform.argument(name, args), explicitUnit: args.count > 1,
                                                   rows: rows, slot: next, start: start, ascending: ascending)
                next += 1
                leaves.append(Dictionary(outputs.map { ($0.time, $0.value) }, uniquingKeysWith: { a, _ in a }))
            case .call:
                var values: [Int64: Value] = [:]
                for row in rows { if case .time(let t) = row[0], t >= start { values[t] = row[next] } }
                next += 1
                leaves.append(values)
            default: break
            }
        }
        try collect(e)
        var times = Set<Int64>()
        for leaf in leaves { times.formUnion(leaf.keys) }
        var out: [(time: Int64, value: Value)] = []
        out.reserveCapacity(times.count)
        for (n, t) in times.sorted().enumerated() {
            if n & 4095 == 4095, let why = interrupted() { throw StatementError(why) }
            var slice = ArraySlice(leaves.map { $0[t] ?? .null })
            out.append((t, Self.evaluate(e, &slice, keepNaN: true)))
        }
        return out
    }

    /// The transformations inside arithmetic, with their arguments.
    static func transforms(in e: Expr) -> [(name: String, argument: Int64)] {
        switch e {
        case .paren(let inner): return transforms(in: inner)
        case .binary(_, let l, let r): return transforms(in: l) + transforms(in: r)
        case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name): return args.flatMap(transforms(in:))
        case .call(let name, let args) where Transform.names.contains(name): return [(name, Transform.argument(name, args))]
        default: return []
        }
    }

    /// Intervals read before the range's start for a transformation's input: one for all
    /// but cumulative_sum and holt_winters (none). 1.x moves moving_average's and the
    /// technical-analysis functions' start back another n−1 intervals only after their
    /// input is built, where it changes nothing.
    static func extraIntervals(_ name: String, _ argument: Int64) -> Int64 {
        if name.hasPrefix("holt_winters") || name == "cumulative_sum" { return 0 }
        return 1
    }
}
