import Foundation
import InfluxQL
import TSDB
import TSM

/// A SELECT of aggregates and selectors (count, sum, mean, median, mode, spread, stddev,
/// min, max, first, last, percentile, distinct, count(distinct)), optionally with GROUP BY
/// time and fill, and auxiliary fields/tags beside a single selector — 1.x's reducers, their
/// tie-breaking, output times and fill rules.
struct AggregateSelect {
    struct Call {
        var function: String
        var field: String
        var argument: Double
        var column: String
        /// top/bottom's tag arguments: one point per distinct combination.
        var tags: [String] = []
    }

    enum Column {
        case call(Call)
        case aux(RawSelect.Column)
        /// Arithmetic over aggregates (`mean(v) * 2`, `max(v) - min(v)`), named as 1.x names it.
        case math(Expr, String)
        /// A transformation over an aggregate per interval (`derivative(mean(v))`): its name,
        /// the aggregate, its argument, its column, and whether a unit was written (1.x's
        /// `DerivativeInterval` defaults a derivative's unit to the interval per call).
        case transform(String, Call, Int64, String, explicitUnit: Bool)

        var name: String {
            switch self {
            case .call(let c): c.column
            case .aux(let a): a.name
            case .math(_, let n): n
            case .transform(_, _, _, let n, _): n
            }
        }
    }

    let statement: SelectStatement
    let targets: [RawSelect.Target]
    let range: (min: Int64, max: Int64)
    let interval: Int64
    let offset: Int64
    /// Why the query must stop (killed, timed out), checked between output series.
    var interrupted: @Sendable () -> String? = { nil }
    /// `max-query-memory`: charged for the windows, rows and points gathered.
    var memory = QueryMemory(limit: 0)
    /// Whether calls the typed path handles go that way (``TypedAggregate``).
    var typedPath = true
    /// Run as a subquery: a column whose arithmetic is a type error is null in every row
    /// (1.x type-checks only the outermost statement); with no other column, no rows.
    var inSubquery = false
    /// `tz()`: windows follow the zone's wall clock (``window(_:)``).
    var zone: Zone?

    /// A window's reduced row before fill: `empty` when no call had points in it, else the
    /// indices of the calls that had none (`missing`).
    typealias ReducedWindow = (row: [Value], empty: Bool, missing: [Int])

    static let functions: Set<String> = ["count", "sum", "mean", "median", "mode", "spread", "stddev", "min", "max", "first", "last", "percentile", "distinct",
                                         "top", "bottom", "sample", "integral"]
    /// Selectors that return several points per interval.
    static let multiRow: Set<String> = ["top", "bottom", "sample"]
    static let selectors: Set<String> = ["min", "max", "first", "last", "percentile"]

    /// Whether every field is one of the supported calls (over a field, `*` or a regex) or a
    /// plain reference, and dimensions are tags and at most `time(d[, offset])`.
    static func handles(_ s: SelectStatement) -> Bool {
        guard s.target == nil else { return false }
        for d in s.dimensions {
            switch d {
            case .varRef, .wildcard, .regex: continue
            case .call("time", let args) where args.allSatisfy({ arg in
                if case .duration = arg { return true }
                if case .call("now", let a) = arg { return a.isEmpty }
                return false
            }): continue
            default: return false
            }
        }
        return s.fields.allSatisfy { f in
            switch f.expr {
            case .varRef: return true
            case .distinct: return true
            case .call(let name, let args) where Transform.names.contains(name):
                guard case .call(let inner, let innerArgs)? = args.first, functions.contains(inner), inner != "distinct" else { return false }
                switch innerArgs.first {
                case .varRef?, .wildcard?, .regex?: return true
                case .call("distinct", let d)? where inner == "count": return d.count == 1 && d[0].isVarRef
                case .distinct? where inner == "count": return true
                default: return false
                }
            case .binary, .paren:
                return isAggregateMath(f.expr)
            case .call(let name, _) where SelectCompiler.mathFunctions.contains(name):
                return isAggregateMath(f.expr)
            case .call(let name, let args):
                guard functions.contains(name) || name == "count" else { return false }
                if name == "count", case .call("distinct", let inner)? = args.first { return inner.count == 1 && inner[0].isVarRef }
                if name == "count", case .distinct? = args.first { return true }
                guard let first = args.first else { return false }
                switch first {
                case .varRef, .wildcard, .regex: return true
                default: return false
                }
            default: return false
            }
        }
    }

    /// Arithmetic whose variables are all aggregate calls over a field.
    static func isAggregateMath(_ e: Expr) -> Bool {
        switch e {
        case .number, .integer: return true
        case .paren(let inner): return isAggregateMath(inner)
        case .binary(let op, let l, let r):
            return [.add, .sub, .mul, .div, .mod, .bitwiseAnd, .bitwiseOr, .bitwiseXor].contains(op) && isAggregateMath(l) && isAggregateMath(r)
        case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name):
            // abs(mean(v)), log(sum(v), 2): a math function over aggregate arithmetic.
            return !args.isEmpty && args.allSatisfy(isAggregateMath)
        case .call(let name, let args) where Transform.names.contains(name):
            // derivative(mean(v)) * 2: a transformation of an aggregate inside arithmetic.
            guard case .call(let inner, let innerArgs)? = args.first, functions.contains(inner), inner != "distinct",
                  case .varRef? = innerArgs.first else { return false }
            return true
        case .call("count", let args) where distinctField(args) != nil: return true
        case .call(let name, let args):
            guard functions.contains(name), name != "distinct", case .varRef? = args.first else { return false }
            return true
        default: return false
        }
    }

    /// The field of `distinct(f)` (or `DISTINCT f`) as the first of `args` (count's in
    /// `count(distinct(f))`); nil for anything else.
    static func distinctField(_ args: [Expr]) -> String? {
        switch args.first {
        case .call("distinct", let inner)?: if case .varRef(let f, _)? = inner.first, inner.count == 1 { return f }; return nil
        case .distinct(let f)?: return f
        default: return nil
        }
    }

    /// The aggregate calls inside an arithmetic expression, in order.
    static func calls(in e: Expr) -> [Call] {
        switch e {
        case .paren(let inner): return calls(in: inner)
        case .binary(_, let l, let r): return calls(in: l) + calls(in: r)
        case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name): return args.flatMap(calls(in:))
        case .call("count", let args) where distinctField(args) != nil:
            return [Call(function: "countDistinct", field: distinctField(args)!, argument: 0, column: "count")]
        case .call(let name, let args) where Transform.names.contains(name):
            // The transformation's aggregate fills the slot; the transformation runs later.
            guard case .call(let inner, let innerArgs)? = args.first, case .varRef(let f, _)? = innerArgs.first else { return [] }
            return [Call(function: inner, field: f, argument: callArgument(inner, innerArgs), column: inner)]
        case .call(let name, let args):
            guard case .varRef(let f, _)? = args.first else { return [] }
            return [Call(function: name, field: f, argument: callArgument(name, args), column: name)]
        default: return []
        }
    }

    /// A call's numeric argument: integral's unit is a duration (ns), others a number.
    static func callArgument(_ name: String, _ args: [Expr]) -> Double {
        guard args.count > 1 else { return 0 }
        if name == "integral", case .duration(let d) = args[1] { return Double(d) }
        return args[1].numericValue ?? 0
    }

    /// Evaluates arithmetic over aggregates, taking call values in order.
    static func evaluate(_ e: Expr, _ values: inout ArraySlice<Value>) -> Value {
        switch e {
        case .paren(let inner): return evaluate(inner, &values)
        case .binary(let op, let l, let r):
            let a = evaluate(l, &values)
            let b = evaluate(r, &values)
            return FieldMath.binary(op, a, b)
        case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name):
            var operands: [Value] = []
            for arg in args { operands.append(evaluate(arg, &values)) }
            return FieldMath.call(name, operands)
        case .call: return values.popFirst() ?? .null
        case .integer(let i): return .integer(i)
        case .number(let f): return .float(f)
        default: return .null
        }
    }

    func run() throws(StatementError) -> [Row] {
        let (fieldTypes, tagKeys) = RawSelect.schema(targets)
        let raw = RawSelect(statement: statement, targets: targets, range: range, interrupted: interrupted)
        let dimensions = raw.groupTags(tagKeys)
        var aliased: [Bool] = []
        var columns = try expand(fieldTypes: fieldTypes, tagKeys: tagKeys, dimensions: Set(dimensions), aliased: &aliased)
        Self.uniqueNames(&columns, aliased: aliased)
        let calls = columns.flatMap { c -> [Call] in
            switch c {
            case .call(let call): [call]
            case .math(let e, _): Self.calls(in: e)
            case .transform(_, let call, _, _, _): [call]
            case .aux: []
            }
        }
        let transforms = columns.contains { c in
            if case .transform = c { return true }
            if case .math(let e, _) = c { return !Self.transforms(in: e).isEmpty }
            return false
        }
        if transforms && columns.contains(where: { if case .aux = $0 { return true }; return false }) {
            throw StatementError("not implemented yet: transformations beside plain fields or tags over stored points")
        }
        guard !calls.isEmpty else { return [] }
        // SOFFSET without SLIMIT keeps no series (``RawSelect/limitPerShard``): 1.x then builds
        // no iterator, so none of its type errors either.
        if statement.sOffset > 0 && statement.sLimit <= 0 { return [] }
        let zeroTimeCalls = Set(calls.indices.filter { calls[$0].function == "integral" && fieldTypes[calls[$0].field] == .float })
        let integralAtZero = zeroTimeCalls.count == calls.count
        var untyped = Set<Int>()
        for (k, c) in columns.enumerated() {
            guard case .math(let e, _) = c else { continue }
            do throws(StatementError) {
                try Self.typeCheck(e, fieldTypes: fieldTypes, tagKeys: tagKeys)
            } catch {
                guard inSubquery else { throw error }
                untyped.insert(k)
            }
        }
        if !untyped.isEmpty && untyped.count == columns.count { return [] }
        let seriesCondition = SeriesCondition(expr: statement.condition, fields: Set(fieldTypes.keys))
        let fillTypes = Self.fillTypes(calls, known: fieldTypes)
        // A call over a tag of one of the query's measurements is typed by it (1.x's type
        // mapper reads the sources' dimensions, not inmem's database-wide keys), so fill(N)
        // fills it where it has no points.
        var sourceTagKeys = Set<String>()
        for target in targets { for shard in target.shards { sourceTagKeys.formUnion(shard.tagKeys(of: target.name)) } }
        let taggedCalls = Set(calls.indices.filter { sourceTagKeys.contains(calls[$0].field) })
        try checkIteratorTypes(columns, fieldTypes: fieldTypes, condition: seriesCondition, dimensions: dimensions)
        // Read every field the calls, aux columns and condition need, as raw rows.
        let auxColumns = columns.compactMap { if case .aux(let a) = $0 { return a }; return nil }
        var readColumns = calls.map { RawSelect.Column(name: $0.field, source: .field($0.field, .unknown)) }
        readColumns += auxColumns
        let ascending = statement.sortFields.first?.ascending ?? true
        let timeName = statement.fields.first { if case .varRef("time", _) = $0.expr { return true }; return false }
            .map { $0.alias.isEmpty ? "time" : $0.alias } ?? "time"
        let singleSelector = calls.count == 1 && Self.selectors.contains(calls[0].function)
        let conditionFields = Set(RawSelect.fieldRefs(statement.condition).filter { fieldTypes[$0] != nil })

        let extra = transforms ? columns.flatMap { c -> [Int64] in
            switch c {
            case .transform(let name, _, let argument, _, _): [Self.extraIntervals(name, argument)]
            case .math(let e, _): Self.transforms(in: e).map { Self.extraIntervals($0.name, $0.argument) }
            default: []
            }
        }.max() ?? 1 : 0
        // The calls outside transformations: 1.x moves the start back for the transformations'
        // calls only, so these never see the extra intervals' points (``buckets``' `clipped`).
        var plainCalls = Set<Int>()
        var callIndex = 0
        for c in columns {
            switch c {
            case .call: plainCalls.insert(callIndex); callIndex += 1
            case .math(let e, _):
                let n = Self.calls(in: e).count
                if Self.transforms(in: e).isEmpty { plainCalls.formUnion(callIndex..<(callIndex + n)) }
                callIndex += n
            case .transform: callIndex += 1
            case .aux: break
            }
        }
        // The extra intervals a transformation needs are read too (1.x moves the start back).
        var reader = raw
        // Under ORDER BY time DESC the transformations read newest first: 1.x moves the end on.
        if extra > 0 && interval > 0 && ascending && range.min != .min {
            reader = RawSelect(statement: statement, targets: targets, range: (range.min &- extra &* interval, range.max), interrupted: interrupted)
        } else if extra > 0 && interval > 0 && !ascending && range.max != .max {
            let (end, overflow) = range.max.addingReportingOverflow(extra &* interval)
            reader = RawSelect(statement: statement, targets: targets, range: (range.min, overflow ? .max : end), interrupted: interrupted)
        }
        // Plain calls in statement order: the window rows are already `[time, calls…]`.
        let callsOnly = columns.allSatisfy { if case .call = $0 { return true }; return false }
        // integral() beside other calls or groups comes out in 1.x's emission order
        // (``integralOrder(_:integrals:grouped:)``); un-grouped integer integrals keep theirs.
        let integralCalls = Set(calls.indices.filter { calls[$0].function == "integral" })
        // Under ORDER BY time DESC only a lone integral grouped by time is modelled.
        let integralStreams = !integralCalls.isEmpty && !transforms && auxColumns.isEmpty
            && (ascending || (interval > 0 && zone == nil && calls.count == 1 && integralCalls.isSubset(of: zeroTimeCalls)))
            && (interval > 0 || integralCalls.isSubset(of: zeroTimeCalls))
        // top()/bottom() without tag arguments read their points with the statement's LIMIT
        // and OFFSET still set (1.x's builder hands them to the raw iterator): each shard gives
        // at most `offset + limit + 1` points, as a raw query's shards do.
        var selectorCap = 0
        if ascending, calls.count == 1, ["top", "bottom"].contains(calls[0].function), calls[0].tags.isEmpty,
           statement.offset > 0 || statement.limit > 0 {
            let (cap, overflow) = statement.offset.addingReportingOverflow(max(statement.limit, 0) &+ 1)
            selectorCap = overflow ? 0 : cap
        }
        // Where each column's values sit in a group's rows, for LIMIT/OFFSET per column
        // (``limitPerColumn``): rows are `[time, columns…]` after transformations (or when
        // the columns are the calls), else `[time, calls…]` with arithmetic over several.
        var columnSlots: [[Int]] = []
        var sparseColumns = Set<Int>()
        var slot = 1
        for (c, column) in columns.enumerated() {
            let width: Int
            switch column {
            case .math(let e, _):
                width = transforms || callsOnly ? 1 : Self.calls(in: e).count
                if !Self.transforms(in: e).isEmpty { sparseColumns.insert(c) }
            case .transform: width = 1; sparseColumns.insert(c)
            default: width = 1
            }
            columnSlots.append(Array(slot..<(slot + width)))
            slot += width
        }
        let stops = IteratorStops()
        var out: [Row] = []
        for target in targets.sorted(by: { RawSelect.bytesLess($0.name, $1.name) }) {
            var pending: [GroupWindows] = []
            func emit(_ groupKey: [String], _ values: [[Value]]) throws(StatementError) {
                var tags: [String: String] = [:]
                for (k, v) in zip(dimensions, groupKey) { tags[k] = v }
                let names = columns.map(\.name)
                // Columns come out in statement order: calls, arithmetic and aux values interleaved.
                var ordered = values
                if !(transforms || callsOnly) {
                    for (r, row) in values.enumerated() {
                        if r & 4095 == 4095, let why = interrupted() { throw StatementError(why) }
                        var callIndex = 1, auxIndex = 1 + calls.count
                        var out: [Value] = [row[0]]
                        out.reserveCapacity(1 + columns.count)
                        for c in columns {
                            switch c {
                            case .call, .transform: out.append(row[callIndex]); callIndex += 1
                            case .aux: out.append(row[auxIndex]); auxIndex += 1
                            case .math(let e, _):
                                let n = Self.calls(in: e).count
                                var slice = row[callIndex..<(callIndex + n)]
                                callIndex += n
                                out.append(Self.evaluate(e, &slice))
                            }
                        }
                        ordered[r] = out
                    }
                }
                // 1.x's cursor writes a NaN as null (a one-point stddev and what follows from it);
                // a subquery's iterators hand the outer query the NaN itself (count counts it,
                // sum and mean become NaN).
                for r in ordered.indices {
                    for j in ordered[r].indices where !inSubquery { if case .float(let f) = ordered[r][j], f.isNaN { ordered[r][j] = .null } }
                    for k in untyped where 1 + k < ordered[r].count { ordered[r][1 + k] = .null }
                }
                out.append(Row(name: target.name, tags: tags, columns: [timeName] + names, values: ordered))
            }
            let typed = transforms || !typedPath || selectorCap > 0 ? nil : TypedAggregate(select: self, calls: calls, fieldTypes: fieldTypes, columns: columns,
                                                          conditionFields: conditionFields, target: target)
            let groups = RawSelect.limitPerShard(RawSelect.groups(of: target, matching: seriesCondition, by: dimensions), dimensions: dimensions,
                                                 sLimit: statement.sLimit, sOffset: statement.sOffset, tagSets: statement.limitDimensions)
            for (groupKey, members) in groups {
                if let why = interrupted() { throw StatementError(why) }
                let absent = Self.absentCalls(calls, in: target)
                var values: [[Value]]
                if let typed {
                    guard let rows = try typed.rows(members, absent: absent, absentTypes: fillTypes) else { continue }
                    values = rows
                } else {
                    // The group's points merged by time as the cursors read them, handed to
                    // the windows one window at a time.
                    let callCount = calls.count
                    var streams: [GroupRows.Stream] = []
                    for (order, (series, shards)) in members.enumerated() {
                        let builder = RowBuilder(series: series, columns: readColumns, condition: statement.condition, conditionFields: conditionFields)
                        for shard in shards {
                            let cursor = try shard.columnCursor(series, fields: builder.fields, min: reader.range.min, max: reader.range.max, ascending: true)
                            streams.append(GroupRows.Stream(order: order, cursor: cursor, builder: builder,
                                                            keep: { $0.dropFirst().prefix(callCount).contains { $0 != .null } },
                                                            shard: (shard as? ShardSource)?.shard.id))
                        }
                    }
                    var groupRows = GroupRows(streams: streams, ascending: true)
                    groupRows.shardCap = selectorCap
                    guard var feed = try PointFeed(groupRows) else { continue }
                    let absentInGroup: Set<Int>
                    (values, absentInGroup) = try buckets(feed: &feed, calls: calls, auxCount: auxColumns.count, singleSelector: singleSelector, extraIntervals: extra,
                                         integralAtZero: integralAtZero, absent: absent, absentTypes: fillTypes,
                                         absentTagged: taggedCalls,
                                         clipped: extra > 0 ? plainCalls : [], stops: ascending ? stops : nil, viaRegex: target.viaRegex)
                    // Un-grouped, a float integral's point (time 0) and the other calls' points
                    // (the range's start) are different times: 1.x answers two rows.
                    if interval == 0, range.min != .min, !zeroTimeCalls.isEmpty, !integralAtZero, auxColumns.isEmpty, !integralStreams {
                        values = scannerFilled(Self.splitIntegralRows(values, zeroTimeCalls: zeroTimeCalls), fillTypes: fillTypes)
                    } else if interval == 0, !ascending, !integralCalls.isEmpty, calls.count > 1 {
                        // An integer integral's own row under DESC (``integerDescendingRows``), filled
                        // in output order (newest first).
                        values = scannerFilled(values.reversed(), fillTypes: fillTypes).reversed()
                    }
                if transforms {
                    values = try transformed(values, columns: columns, ascending: ascending, absent: absentInGroup, absentTypes: fillTypes)
                    // Under DESC the extra windows after the end only fed the transformations.
                    if !ascending, extra > 0, interval > 0, range.max != .max {
                        let last = window(range.max).start
                        values = values.filter { if case .time(let t)? = $0.first { return t <= last }; return true }
                    }
                }
                }
                if integralStreams {
                    if !values.isEmpty { pending.append((groupKey, values)) }
                    continue
                }
                // integral has no fill stage: its empty cells (and the other calls' cells in a
                // row only an area made) hold the scanner's fill(N) literal.
                if !integralCalls.isEmpty, callsOnly, interval > 0 {
                    switch statement.fill {
                    case .number, .integer: values = scannerFilled(values, fillTypes: fillTypes)
                    default: break
                    }
                }
                // top, bottom and sample keep time order whatever ORDER BY says (as 1.x).
                if !ascending && calls.count == 1 && ["top", "bottom", "sample"].contains(calls[0].function) {
                    // They keep time order within a window; with GROUP BY time the windows
                    // come newest first.
                    if interval > 0 { values = Self.windowsReversed(values) { self.window($0).start } }
                } else if !ascending {
                    values.reverse()
                }
                // A selector's null auxiliary value shows fill(N)'s literal (1.x's cursor scans a
                // nil aux value as its default), in a real or a filled window, grouped or not.
                if !auxColumns.isEmpty, !(transforms || callsOnly) {
                    if let literal = fillLiteral {
                        for r in values.indices {
                            for j in (1 + calls.count)..<values[r].count where values[r][j] == .null { values[r][j] = literal }
                        }
                    }
                }
                if (statement.offset > 0 || statement.limit > 0) && columns.count > 1 && auxColumns.isEmpty {
                    values = limitPerColumn(values, slots: columnSlots, sparse: sparseColumns)
                } else {
                    if statement.offset > 0 { values = Array(values.dropFirst(statement.offset)) }
                    if statement.limit > 0 { values = Array(values.prefix(statement.limit)) }
                }
                guard !values.isEmpty else { continue }
                try emit(groupKey, values)
            }
            for run in integralOrder(pending, integrals: integralCalls, grouped: interval > 0, ascending: ascending) {
                try emit(run.key, scannerFilled(run.rows, fillTypes: fillTypes))
            }
        }
        if !ascending { out.reverse() }
        return out
    }

    /// Rows for one group: `[time, call values…, aux values…]` per bucket (several for distinct).
    /// Points come from `feed` a window at a time; integral and tz() windows take them all first.
    /// `integralAtZero`: the calls are integrals of float fields, whose un-grouped point 1.x
    /// stamps with time 0 (an integer field's gets the range's start, as other calls do).
    func buckets(feed: inout PointFeed, calls: [Call], auxCount: Int, singleSelector: Bool, extraIntervals: Int64 = 0,
                 integralAtZero: Bool = false, absent: Set<Int> = [], absentTypes: [Int: FieldType] = [:], absentTagged: Set<Int> = [],
                 clipped: Set<Int> = [],
                 stops: IteratorStops? = nil, viaRegex: Bool = false) throws(StatementError) -> (rows: [[Value]], absent: Set<Int>) {
        let zonedWindows = zone != nil && interval > 0
        let width = 1 + calls.count + auxCount
        let drains = zonedWindows || calls.contains(where: { $0.function == "integral" })
        let points = drains ? try feed.drainCharging(memory, width: width) : []
        // fill(none) keeps only windows with points: they are found from the points, so a
        // fine interval over a long range costs nothing for the empty ones (as in 1.x).
        // So do distinct, top, bottom, sample and the other selectors of several rows: 1.x
        // emits nothing for their empty windows, whatever the fill.
        let multiRowOnly = calls.count == 1 && (calls[0].function == "distinct" || Self.multiRow.contains(calls[0].function))
        let sparse = (statement.fill == .none || multiRowOnly) && !zonedWindows && interval > 0
        let windows = sparse ? [] : !zonedWindows ? try windows(firstTime: feed.firstTime, extraIntervals: extraIntervals, width: width)
            : Self.distinct(points.map { window($0.time) }).map { ($0.start, $0.end &- 1) }
        var integrals: [Int: [Int64: Value]] = [:]
        // A lone integer integral un-grouped under DESC: its area's time and whether its
        // oldest point lies on the range's start (``integerDescendingRows``).
        var integerDescending: (stamp: Int64, onStart: Bool, calls: Set<Int>)?
        // Integrals whose areas are keyed by their window's end (grouped under DESC).
        var stampedAtEnd = Set<Int>()
        for (i, call) in calls.enumerated() where call.function == "integral" {
            // The argument went through a Double: 2^63−1 rounds past Int64 and is clamped back.
            let unit = call.argument > 0 ? (call.argument >= 9.223372036854775807e18 ? Int64.max : Int64(call.argument)) : 1_000_000_000
            var integer = false
            // A plain integral beside a transformation reads only the query's range (1.x moves
            // the start back for the transformation's input alone).
            let clip = clipped.contains(i)
            let values = points.compactMap { p -> (Int64, Double)? in
                if case .integer = p.values[i] { integer = true }
                if clip && (p.time < range.min || p.time > range.max) { return nil }
                return p.values[i] == .null ? nil : (p.time, RawSelect.number(p.values[i]) ?? 0)
            }
            // An integer field's reducer keeps the range's start as its un-grouped window.
            let start: Int64 = integer && range.min != .min ? range.min : 0
            // Un-grouped under ORDER BY time DESC, 1.x's float reducer reads the points newest
            // first: every elapsed time is negative, and so is the area.
            let descending = !(statement.sortFields.first?.ascending ?? true) && interval == 0 && !integer
            if interval == 0, integer, !(statement.sortFields.first?.ascending ?? true) {
                // 1.x's integer reducer takes the un-grouped window even so: under DESC it is
                // (end+1, start), points come newest first and the area is negative.
                let stamp = range.max == .max ? Int64.max : range.max &+ 1
                let onStart = range.min != .min && values.first?.0 == range.min
                integerDescending = (stamp, onStart || integerDescending?.onStart == true, integerDescending.map { $0.calls.union([i]) } ?? [i])
                integrals[i] = Self.integral(values.reversed(), integer: true, unit: unit, interval: 0, unGroupedStart: stamp, window: { _ in 0 })
                continue
            }
            if interval > 0, zone == nil, !(statement.sortFields.first?.ascending ?? true) {
                // Grouped under DESC the reducers run newest first (``integralDescending``) and
                // stamp each area with its window's end: beside other calls (or for an integer
                // field) the area joins the next window's row, or a row of its own past the
                // last window (a lone float integral is ordered by ``integralOrder``).
                let areas = Self.integralDescending(values, integer: integer, unit: unit, interval: interval) { Self.truncate($0, interval, offset) }
                if calls.count == 1 && !integer {
                    integrals[i] = areas
                } else {
                    integrals[i] = Dictionary(areas.map { ($0.key &+ interval, $0.value) }, uniquingKeysWith: { a, _ in a })
                    stampedAtEnd.insert(i)
                }
                continue
            }
            integrals[i] = Self.integral(descending ? values.reversed() : values, integer: integer, unit: unit, interval: interval, unGroupedStart: start,
                                         window: { t in interval > 0 ? self.window(t).start : 0 })
        }
        var rows: [[Value]] = []
        var filled: [ReducedWindow] = []
        var n = 0
        while true {
            let w: (start: Int64, end: Int64)
            if sparse {
                guard let t = try feed.nextTime() else { break }
                let start = Self.truncate(t, interval, offset)
                w = (start, start &+ interval &- 1)
                try memory.charge(Self.windowBytes(width: width))
            } else {
                guard n < windows.count else { break }
                w = windows[n]
            }
            n += 1
            if n & 255 == 255, let why = interrupted() { throw StatementError(why) }
            // A window's points are held while it is reduced (all of them without GROUP BY time).
            let slice = try feed.window(start: w.start, end: w.end, charging: memory, width: width)
            let sliceBytes = drains ? 0 : slice.count * PointFeed.pointBytes(width: width)
            defer { memory.release(sliceBytes) }
            let outTime: Int64 = interval > 0 ? w.start : (range.min == .min || integralAtZero ? 0 : range.min)
            if calls.count == 1 && calls[0].function == "distinct" {
                let distinct = Self.sortedDistinct(slice.map { ($0.time, $0.values[0]) }.filter { $0.1 != .null },
                                                   descending: !(statement.sortFields.first?.ascending ?? true))
                for v in distinct { rows.append([.time(outTime), v] + Array(repeating: .null, count: auxCount)) }
                continue
            }
            if calls.count == 1 && Self.multiRow.contains(calls[0].function) {
                let candidates = slice.filter { $0.values[0] != .null }
                for p in Self.select(calls[0], candidates, tagCount: calls[0].tags.count) {
                    rows.append([.time(p.time), p.values[0]] + p.values.suffix(auxCount))
                }
                continue
            }
            var row: [Value] = [.time(outTime)]
            var selected: (time: Int64, values: [Value])?
            var empty = true
            var missing: [Int] = []
            let streams = feed.windowStreams
            for (i, call) in calls.enumerated() {
                let clip = clipped.contains(i)
                let vals = slice.indices.compactMap { k -> (Int64, Value, [Value], Int)? in
                    let p = slice[k]
                    return p.values[i] == .null || (clip && (p.time < range.min || p.time > range.max)) ? nil : (p.time, p.values[i], p.values, streams[k])
                }
                if call.function == "integral" {
                    if stampedAtEnd.contains(i) {
                        let area = integrals[i]?[w.start]
                        if area == nil { missing.append(i) } else { empty = false }
                        row.append(area ?? .null)
                        continue
                    }
                    if vals.isEmpty { missing.append(i) } else { empty = false }
                    row.append(vals.isEmpty ? .null : integrals[i]?[interval > 0 ? w.start : 0] ?? .null)
                    continue
                }
                if let stops, stops.calls.contains(i) {
                    missing.append(i)
                    row.append(.null)
                    continue
                }
                let (value, at) = call.function == "mean" && !vals.isEmpty && !vals.contains(where: { $0.3 < 0 })
                    ? (Self.layeredMean(vals.map { ($0.1, $0.3) }, viaRegex: viaRegex), nil)
                    : Self.reduce(call, vals.map { ($0.0, $0.1) })
                // A call whose reducer emitted no point here (no points, or a percentile past
                // them) is missing from the window; stddev of one point emits a null point.
                if vals.isEmpty || (call.function == "percentile" && value == .null) { missing.append(i) } else { empty = false }
                // 1.x's consumer of the reduce iterator ends when its first window with points
                // emits nothing: the percentile then has no point anywhere (``IteratorStops``).
                if call.function == "percentile", calls.count == 1, !vals.isEmpty, let stops, stops.started.insert(i).inserted, value == .null {
                    stops.calls.insert(i)
                }
                row.append(value)
                // A NaN (a subquery's one-point stddev) is kept by max/min when it comes first.
                if singleSelector, let at {
                    selected = vals.first { $0.0 == at.time && ($0.1 == at.value || ($0.1.isNaN && at.value.isNaN)) }.map { ($0.0, $0.2) }
                }
            }
            if singleSelector, let selected {
                if interval == 0 { row[0] = .time(selected.time) }
                row += selected.values.suffix(auxCount)
            } else {
                row += Array(repeating: .null, count: auxCount)
            }
            filled.append((row, empty, empty ? [] : missing))
        }
        if calls.count == 1 && (calls[0].function == "distinct" || Self.multiRow.contains(calls[0].function)) { return (rows, []) }
        // 1.x's fill only sees the points its reducers emitted: a group for which they emitted
        // none (a percentile past every window's points) gives no rows at all, filled or not.
        if !calls.isEmpty, !calls.contains(where: { $0.function == "count" || $0.function == "integral" }),
           filled.allSatisfy({ $0.empty }) {
            return ([], [])
        }
        if let integerDescending { filled = Self.integerDescendingRows(filled, integerDescending, callCount: calls.count) }
        let reduced = try zoned(filled)
        var result = try fill(reduced, calls: calls, absent: absent, absentTypes: absentTypes, tagged: absentTagged)
        if !stampedAtEnd.isEmpty {
            // Areas stamped past every window read (the newest window's, or a window fill(none)
            // left out) are rows of their own; the other calls have no point there.
            var starts = Set<Int64>()
            for entry in filled { if case .time(let t) = entry.row[0] { starts.insert(t) } }
            var extra: [Int64: [Value]] = [:]
            for i in stampedAtEnd {
                for (t, area) in integrals[i] ?? [:] where !starts.contains(t) {
                    extra[t, default: [.time(t)] + Array(repeating: .null, count: calls.count + auxCount)][1 + i] = area
                }
            }
            if !extra.isEmpty {
                result += extra.values
                result.sort { if case .time(let a) = $0[0], case .time(let b) = $1[0] { return a < b }; return false }
            }
        }
        return (result, absent.union(Self.pointless(reduced, calls: calls)))
    }

    /// The windows of GROUP BY time from the query's start (or the group's first point when
    /// the query has none), or the whole range when there is no interval.
    /// Each window is charged to `memory` with its row of `width` values before any is made.
    func windows(firstTime: Int64, extraIntervals: Int64 = 0, width: Int) throws(StatementError) -> [(start: Int64, end: Int64)] {
        guard interval > 0 else { return [(range.min, range.max)] }
        var windows: [(start: Int64, end: Int64)] = []
        let ascending = statement.sortFields.first?.ascending ?? true
        let lo = (range.min == .min ? firstTime : range.min) &- (ascending ? extraIntervals &* interval : 0)
        var start = Self.truncate(lo, interval, offset)
        var hi = range.max
        if !ascending, extraIntervals > 0, range.max != .max {
            let (end, overflow) = range.max.addingReportingOverflow(extraIntervals &* interval)
            hi = overflow ? .max : end
        }
        try chargeWindows(from: start, to: hi, width: width)
        windows.reserveCapacity(windowCapacity(from: start, to: hi))
        while start <= hi {
            if windows.count & 65535 == 65535, let why = interrupted() { throw StatementError(why) }
            windows.append((start, start &+ interval &- 1))
            let (next, overflow) = start.addingReportingOverflow(interval)
            if overflow { break }
            start = next
        }
        return windows
    }

    /// Charges the windows from the one starting at `start` to the one holding `hi` (none
    /// when `hi` is earlier), each of `width` values, before any is made.
    func chargeWindows(from start: Int64, to hi: Int64, width: Int) throws(StatementError) {
        guard hi >= start else { return }
        let (span, overflow) = hi.subtractingReportingOverflow(start)
        try memory.charge(overflow ? .max : Int(span / interval) + 1, of: Self.windowBytes(width: width))
    }

    /// A window's estimated cost: its bounds and fill entry, and its row of `width` values
    /// twice (the reduced row and the filled or reordered copy the answer holds).
    static func windowBytes(width: Int) -> Int { 40 + 2 * QueryMemory.rowBytes(width: width) }

    /// Room to reserve for the windows starting at `start` (a window start) up to `hi`: their
    /// count, at most 10,000 (a sparse group over a long range does not reserve more).
    func windowCapacity(from start: Int64, to hi: Int64) -> Int {
        guard interval > 0, hi >= start else { return 0 }
        let (span, overflow) = hi.subtractingReportingOverflow(start)
        return overflow ? 0 : Int(min(span / interval + 1, 10_000))
    }

    /// Rows of the windows in order, empty ones filled as the statement's fill says (never
    /// the only window of an un-grouped query: no points, no row). 1.x fills each call's
    /// iterator on its own, so a call without points in a window that others have points in
    /// (`missing`) is filled too, and fill(previous)/fill(linear) look at that call's own
    /// earlier and later values. fill(linear) finds each window's next value from a table
    /// built once per call, backwards (linear, not a scan forward per empty window).
    /// `absent`: calls over a field the measurement does not have. 1.x builds no iterator for
    /// them, so nothing fills them: they stay null (count included).
    /// The calls without a point anywhere in the group's windows: 1.x's fill iterator never
    /// sees the group, so such a column is null in every window (count too), makes no rows,
    /// and only the cursor's fill(N) writes its literal where other columns made a row.
    static func pointless(_ filled: [ReducedWindow], calls: [Call]) -> Set<Int> {
        Set(calls.indices.filter { j in !filled.contains { !$0.empty && !$0.missing.contains(j) } })
    }

    func fill(_ filled: [ReducedWindow], calls: [Call], absent: Set<Int> = [], absentTypes: [Int: FieldType] = [:],
              tagged: Set<Int> = []) throws(StatementError) -> [[Value]] {
        let absent = absent.union(Self.pointless(filled, calls: calls))
        // 1.x fills in the query's order: under ORDER BY time DESC, fill(previous) takes the
        // later window's value.
        if statement.fill == .previous, !(statement.sortFields.first?.ascending ?? true) {
            return try fillInOrder(filled.reversed(), calls: calls, absent: absent, absentTypes: absentTypes, tagged: tagged).reversed()
        }
        return try fillInOrder(filled, calls: calls, absent: absent, absentTypes: absentTypes, tagged: tagged)
    }

    private func fillInOrder(_ filled: [ReducedWindow], calls: [Call], absent: Set<Int>, absentTypes: [Int: FieldType],
                             tagged: Set<Int>) throws(StatementError) -> [[Value]] {
        func hasPoints(_ entry: ReducedWindow, _ j: Int) -> Bool { !entry.empty && !entry.missing.contains(j) }
        var previous = [Value?](repeating: nil, count: calls.count)
        var previousTime = [Int64](repeating: 0, count: calls.count)
        // fill(N) is cast to each column's type as 1.x's typed fill iterators cast it.
        var fillValues = [Value?](repeating: nil, count: calls.count)
        if case .number(let f) = statement.fill { Self.fillValues(f, filled, into: &fillValues) }
        if case .integer(let n) = statement.fill { Self.fillValues(Double(n), filled, into: &fillValues) }
        let noGrid = calls.indices.allSatisfy { calls[$0].function == "integral" || absent.contains($0) }
        var result: [[Value]] = []
        result.reserveCapacity(filled.count)
        var nextFilled: [[Int]] = []
        if statement.fill == .linear {
            for j in calls.indices {
                var table = Array(repeating: -1, count: filled.count)
                var next = -1
                for i in filled.indices.reversed() {
                    table[i] = next
                    if hasPoints(filled[i], j) { next = i }
                }
                nextFilled.append(table)
            }
        }
        for (i, entry) in filled.enumerated() {
            if i & 4095 == 4095, let why = interrupted() { throw StatementError(why) }
            // integral has no fill stage in 1.x: empty intervals are simply absent.
            // Neither do calls without a point in the group: then only integral makes rows.
            if entry.empty && (interval == 0 || noGrid) { continue }
            if entry.empty && statement.fill == .none { continue }
            var row = entry.row
            for j in calls.indices {
                if hasPoints(entry, j) {
                    previous[j] = row[1 + j]
                    if case .time(let t) = row[0] { previousTime[j] = t }
                    continue
                }
                // A call over a field the measurement lacks has no points; when its result type
                // is fixed whatever the field (mean, count, …), or its argument is a tag key (1.x
                // types the call by the tag), 1.x still fills it with fill(N)'s literal, with or
                // without GROUP BY time; the others stay null.
                if absent.contains(j) {
                    if tagged.contains(j) {
                        if case .number(let f) = statement.fill { row[1 + j] = .float(f) }
                        if case .integer(let n) = statement.fill { row[1 + j] = .integer(n) }
                    } else if let type = absentTypes[j], let literal = Self.fillLiteral(statement.fill, as: type) {
                        row[1 + j] = literal
                    }
                    continue
                }
                // Without GROUP BY time 1.x has no fill stage.
                if interval == 0 || calls[j].function == "integral" { continue }
                switch statement.fill {
                case .none: break
                case .null:
                    if calls[j].function == "count" || calls[j].function == "countDistinct" { row[1 + j] = .integer(0) }
                case .number(let f):
                    row[1 + j] = fillValues[j] ?? fieldValue(f, like: calls[j])
                case .integer(let n):
                    row[1 + j] = fillValues[j] ?? .integer(n)
                case .previous:
                    if let prev = previous[j] { row[1 + j] = prev }
                case .linear:
                    guard let prev = previous[j], let before = RawSelect.number(prev), nextFilled[j][i] >= 0 else { continue }
                    let prevTime = previousTime[j]
                    let next = filled[nextFilled[j][i]]
                    guard let after = RawSelect.number(next.row[1 + j]),
                          case .time(let t1) = next.row[0], case .time(let t) = row[0] else { continue }
                    // 1.x's linearFloat/linearInteger over times counted in intervals: slope
                    // times distance plus the previous value (integers subtract as int64 first).
                    var rise = after - before
                    if case .integer(let a) = prev, case .integer(let b) = next.row[1 + j] { rise = Double(b &- a) }
                    let (x0, x1, x) = (prevTime / interval, t1 / interval, t / interval)
                    let v = rise / Double(x1 &- x0) * Double(x &- x0) + before
                    if case .integer = prev { row[1 + j] = .integer(GoConvert.int64(v)) } else { row[1 + j] = .float(v) }
                }
            }
            result.append(row)
        }
        return result
    }

    /// Per call column, fill(N)'s value in the column's type (the first value shows it):
    /// integers truncated, text "" and booleans false (the cast fails and leaves the zero value).
    static func fillValues(_ n: Double, _ filled: [ReducedWindow], into out: inout [Value?]) {
        for j in out.indices {
            for entry in filled where 1 + j < entry.row.count {
                switch entry.row[1 + j] {
                case .null: continue
                case .string: out[j] = .string("")
                case .boolean: out[j] = .boolean(false)
                case .integer: out[j] = .integer(GoConvert.int64(n))
                case .unsigned: out[j] = .unsigned(GoConvert.uint64(n))
                // A float column's fill is a float even for fill(0) (msgpack tells 0.0 from 0).
                case .float: out[j] = .float(n)
                default: break
                }
                break
            }
        }
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

    /// The cells of the split rows no call had a point in, as 1.x's scanners leave them:
    /// fill(previous) keeps the column's value from the row before (the scanner skips its
    /// default), fill(N) writes the literal cast to the call's type.
    func scannerFilled(_ rows: [[Value]], fillTypes: [Int: FieldType]) -> [[Value]] {
        var rows = rows
        switch statement.fill {
        case .previous:
            for r in rows.indices.dropFirst() {
                for j in rows[r].indices.dropFirst() where rows[r][j] == .null { rows[r][j] = rows[r - 1][j] }
            }
        case .number, .integer:
            for r in rows.indices {
                for j in rows[r].indices.dropFirst() where rows[r][j] == .null {
                    if let type = fillTypes[j - 1], let literal = Self.fillLiteral(statement.fill, as: type) { rows[r][j] = literal }
                }
            }
        default: break
        }
        return rows
    }

    /// The calls whose field none of the target's shards has.
    /// The type fill(N)'s literal takes in a call without points in its group: 1.x's cursor
    /// writes the literal into such a column, cast to the column's type (count an integer,
    /// mean a float, a selector its field's type in the mapped shards). A call over a field
    /// no mapped shard knows has no type there and stays null.
    static func fillTypes(_ calls: [Call], known: [String: FieldType]) -> [Int: FieldType] {
        var out: [Int: FieldType] = [:]
        for (j, c) in calls.enumerated() {
            switch c.function {
            case "count", "countDistinct": out[j] = .integer
            case "mean", "median", "stddev", "integral": out[j] = .float
            default: if let t = known[c.field] { out[j] = t }
            }
        }
        return out
    }

    /// fill(N)'s literal cast to `type` as 1.x's cursor casts it (`castToType`): a text or
    /// boolean column gets the number as written.
    static func fillLiteral(_ fill: Fill, as type: FieldType) -> Value? {
        let n: Double, i: Int64
        switch fill {
        case .number(let f): (n, i) = (f, GoConvert.int64(f))
        case .integer(let v): (n, i) = (Double(v), v)
        default: return nil
        }
        switch type {
        case .integer: return .integer(i)
        case .unsigned: return .unsigned(GoConvert.uint64(n))
        case .float: return .float(n)
        // castToString/castToBoolean refuse a number: the literal stays as written.
        default:
            if case .integer(let v) = fill { return .integer(v) }
            return .float(n)
        }
    }

    /// The calls over a field the measurement lacks in every mapped shard.
    static func absentCalls(_ calls: [Call], in target: RawSelect.Target) -> Set<Int> {
        var fields = Set<String>()
        for shard in target.shards { fields.formUnion(shard.fieldTypes(of: target.name).keys) }
        return Set(calls.indices.filter { !fields.contains(calls[$0].field) })
    }

    func fieldValue(_ f: Double, like call: Call) -> Value {
        call.function == "count" || call.function == "countDistinct" ? .integer(GoConvert.int64(f)) : .float(f)
    }

    /// Go's `time.Truncate` from the Unix epoch with an offset, as 1.x's window starts.
    /// Wrapping like Go's int64 arithmetic; a window that would start before the earliest
    /// time starts there (1.x's MinTime clamp).
    static func truncate(_ t: Int64, _ d: Int64, _ offset: Int64) -> Int64 {
        guard d > 0 else { return t }
        var dt = (t &- offset) % d
        if dt < 0 { dt += d }
        let (start, overflow) = t.subtractingReportingOverflow(dt)
        return overflow ? .min : start
    }

    // MARK: Reducers (1.x's tie-breaking)

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
            guard points.count > n else { return points }
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

    /// 1.x's integral: trapezoids between points (a later point at the same time replaces the
    /// earlier one); crossing into the next window closes the current one at the boundary with
    /// a linearly interpolated value. Keyed by window start; divided by `unit`.
    /// Time differences wrap as Go's int64 do (points at both ends of time).
    /// 1.x's `FloatIntegralReducer` / `IntegerIntegralReducer`: the trapezium rule in units of
    /// `unit`, a window's area closed by interpolating to its end. The integer reducer keeps
    /// the point's value at the crossing and starts the next window's first trapezium from the
    /// interpolated value (its quirk, kept). A window whose last point is at its start emits
    /// nothing. Results are keyed by window start (0 without GROUP BY time).
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

    // MARK: Columns

    /// The columns of the fields, wildcards expanded; `aliased` gets, per column, whether 1.x
    /// treats its name as an alias (``ColumnNames``).
    func expand(fieldTypes: [String: FieldType], tagKeys: Set<String>, dimensions: Set<String>, aliased: inout [Bool]) throws(StatementError) -> [Column] {
        // A subquery's tag columns are not fields to a wildcard call.
        var tagColumns = Set<String>()
        for target in targets { for case let sub as SubquerySource in target.shards { tagColumns.formUnion(sub.tagColumns.union(sub.wildcardHidden)) } }
        let wildcardTypes = tagColumns.isEmpty ? fieldTypes : fieldTypes.filter { !tagColumns.contains($0.key) }
        var out: [Column] = []
        var flags: [Bool] = []
        var pending: (field: Field, start: Int)?
        // Flags for the previous field's columns (a branch may `continue` past the loop's end).
        func flush() {
            guard let (field, start) = pending else { return }
            let wildcard = ColumnNames.isWildcardCall(field.expr)
            for k in 0..<(out.count - start) { flags.append(wildcard || (k == 0 && !field.alias.isEmpty)) }
            pending = nil
        }
        defer {
            flush()
            aliased = flags
        }
        for field in statement.fields {
            flush()
            pending = (field, out.count)
            switch field.expr {
            case .varRef("time", _): continue
            case .varRef(let name, let type):
                let source: RawSelect.Source = fieldTypes[name] != nil && type != .tag ? .field(name, type)
                    : (tagKeys.contains(name) ? .tag(name) : .none)
                out.append(.aux(RawSelect.Column(name: field.alias.isEmpty ? name : field.alias, source: source)))
            case .distinct(let name):
                out.append(.call(Call(function: "distinct", field: name, argument: 0, column: field.alias.isEmpty ? "distinct" : field.alias)))
            case .call(let name, let args) where Transform.names.contains(name):
                guard case .call(let inner, let innerArgs)? = args.first, let arg = innerArgs.first else {
                    throw StatementError("not implemented yet: \(field.expr)")
                }
                let argument = Transform.argument(name, args)
                let explicitUnit = args.count > 1
                let column = field.alias.isEmpty ? name : field.alias
                let innerArgument = Self.callArgument(inner, innerArgs)
                switch arg {
                case .varRef(let f, _):
                    out.append(.transform(name, Call(function: inner, field: f, argument: innerArgument, column: inner), argument, column, explicitUnit: explicitUnit))
                case .call("distinct", let d) where inner == "count":
                    guard case .varRef(let f, _)? = d.first else { throw StatementError("not implemented yet: \(field.expr)") }
                    out.append(.transform(name, Call(function: "countDistinct", field: f, argument: 0, column: inner), argument, column, explicitUnit: explicitUnit))
                case .distinct(let f) where inner == "count":
                    out.append(.transform(name, Call(function: "countDistinct", field: f, argument: 0, column: inner), argument, column, explicitUnit: explicitUnit))
                case .wildcard, .regex:
                    // derivative(mean(*)): one transformation per field the inner call takes.
                    for f in Self.wildcardFields(inner, arg, wildcardTypes) {
                        out.append(.transform(name, Call(function: inner, field: f, argument: innerArgument, column: inner), argument, "\(column)_\(f)", explicitUnit: explicitUnit))
                    }
                default:
                    throw StatementError("not implemented yet: \(field.expr)")
                }
            case .binary, .paren:
                out.append(.math(field.expr, field.alias.isEmpty ? FieldMath.name(field.expr) : field.alias))
            case .call(let name, _) where SelectCompiler.mathFunctions.contains(name):
                out.append(.math(field.expr, field.alias.isEmpty ? FieldMath.name(field.expr) : field.alias))
            case .call(let name, let args):
                if name == "count", case .call("distinct", let inner)? = args.first, case .varRef(let f, _)? = inner.first {
                    out.append(.call(Call(function: "countDistinct", field: f, argument: 0, column: field.alias.isEmpty ? "count" : field.alias)))
                    continue
                }
                if name == "count", case .distinct(let f)? = args.first {
                    out.append(.call(Call(function: "countDistinct", field: f, argument: 0, column: field.alias.isEmpty ? "count" : field.alias)))
                    continue
                }
                var argument = Self.callArgument(name, args)
                switch args[0] {
                case .varRef(let f, _) where name == "top" || name == "bottom":
                    let tags = args.dropFirst().dropLast().compactMap { if case .varRef(let t, _) = $0 { return t }; return nil }
                    argument = args.last?.numericValue ?? 0
                    out.append(.call(Call(function: name, field: f, argument: argument, column: field.alias.isEmpty ? name : field.alias, tags: tags)))
                    for t in tags {
                        let source: RawSelect.Source = tagKeys.contains(t) ? .tag(t) : (fieldTypes[t] != nil ? .field(t, .unknown) : .none)
                        out.append(.aux(RawSelect.Column(name: t, source: source)))
                    }
                case .varRef(let f, _):
                    out.append(.call(Call(function: name, field: f, argument: argument, column: field.alias.isEmpty ? name : field.alias)))
                case .wildcard, .regex:
                    for f in Self.wildcardFields(name, args[0], wildcardTypes) {
                        let prefix = field.alias.isEmpty ? name : field.alias
                        out.append(.call(Call(function: name, field: f, argument: argument, column: "\(prefix)_\(f)")))
                    }
                default:
                    throw StatementError("not implemented yet: \(field.expr)")
                }
            default:
                throw StatementError("not implemented yet: \(field.expr)")
            }
        }
        return out
    }

    /// The fields a call over `*` or a regex reads, in byte order: numeric ones for the
    /// functions that only take numbers, all but strings for min and max.
    static func wildcardFields(_ function: String, _ arg: Expr, _ fieldTypes: [String: FieldType]) -> [String] {
        var names = fieldTypes.keys.filter { f in
            let t = fieldTypes[f]!
            switch function {
            case _ where AnalyzedPlan.numericOnly.contains(function): return t != .string && t != .boolean
            case "min", "max": return t != .string
            default: return true
            }
        }
        if case .regex(let re) = arg { names = names.filter { SeriesCondition.regexMatches(re, $0) } }
        return names.sorted(by: RawSelect.bytesLess)
    }

    static func uniqueNames(_ columns: inout [Column], aliased: [Bool]) {
        let names = ColumnNames.resolve(columns.map(\.name), aliased: aliased)
        for i in columns.indices {
            let name = names[i]
            switch columns[i] {
            case .call(var c): c.column = name; columns[i] = .call(c)
            case .aux(var a): a.name = name; columns[i] = .aux(a)
            case .math(let e, _): columns[i] = .math(e, name)
            case .transform(let f, let c, let a, _, let u): columns[i] = .transform(f, c, a, name, explicitUnit: u)
            }
        }
    }
}

extension Expr {
    var isVarRef: Bool { if case .varRef = self { return true }; return false }
}
