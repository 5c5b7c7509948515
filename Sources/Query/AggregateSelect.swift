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
        case .call(let name, let args) where (name == "top" || name == "bottom") && args.count > 2:
            // top(v, host, 2) inside arithmetic: the tag arguments still pick one point each.
            guard case .varRef(let f, _)? = args.first else { return [] }
            return [Call(function: name, field: f, argument: args.last?.numericValue ?? 0, column: name, tags: selectorTagArguments(args))]
        case .call(let name, let args):
            guard case .varRef(let f, _)? = args.first else { return [] }
            return [Call(function: name, field: f, argument: callArgument(name, args), column: name)]
        default: return []
        }
    }

    /// top()/bottom()'s tag (or field) arguments, between the field and N: `top(v, host, 2)`
    /// gives `host`.
    static func selectorTagArguments(_ args: [Expr]) -> [String] {
        args.dropFirst().dropLast().compactMap { if case .varRef(let t, _) = $0 { return t }; return nil }
    }

    /// A call's numeric argument: integral's unit is a duration (ns), others a number.
    static func callArgument(_ name: String, _ args: [Expr]) -> Double {
        guard args.count > 1 else { return 0 }
        if name == "integral", case .duration(let d) = args[1] { return Double(d) }
        return args[1].numericValue ?? 0
    }

    /// Evaluates arithmetic over aggregates, taking call values in order (`keepNaN`: see
    /// ``FieldMath/binary(_:_:_:keepNaN:)``).
    static func evaluate(_ e: Expr, _ values: inout ArraySlice<Value>, keepNaN: Bool = false) -> Value {
        switch e {
        case .paren(let inner): return evaluate(inner, &values, keepNaN: keepNaN)
        case .binary(let op, let l, let r):
            let a = evaluate(l, &values, keepNaN: keepNaN)
            let b = evaluate(r, &values, keepNaN: keepNaN)
            return FieldMath.binary(op, a, b, keepNaN: keepNaN)
        case .call(let name, let args) where SelectCompiler.mathFunctions.contains(name):
            var operands: [Value] = []
            for arg in args { operands.append(evaluate(arg, &values, keepNaN: keepNaN)) }
            return FieldMath.call(name, operands, keepNaN: keepNaN)
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
        // SOFFSET without SLIMIT keeps no series (``RawSelect/limitPerShard``): 1.x then builds
        // no iterator, so none of its iterator errors either (type errors come before).
        if statement.sOffset > 0 && statement.sLimit <= 0 { return [] }
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
        // A top()/bottom() with tag arguments inside arithmetic reads its tags too (after the
        // value, where ``select`` looks for them), though they are not columns of the answer.
        if calls.count == 1, auxColumns.isEmpty, Self.multiRow.contains(calls[0].function), !calls[0].tags.isEmpty {
            for t in calls[0].tags {
                readColumns.append(RawSelect.Column(name: t, source: tagKeys.contains(t) ? .tag(t) : (fieldTypes[t] != nil ? .field(t, .unknown) : .none)))
            }
        }
        let ascending = statement.sortFields.first?.ascending ?? true
        let timeName = statement.fields.first { if case .varRef("time", _) = $0.expr { return true }; return false }
            .map { $0.alias.isEmpty ? "time" : $0.alias } ?? "time"
        // 1.x's value mapper keeps one call per distinct expression: `max(v), max(v)` is one
        // selector, whose point's time the row takes.
        let singleSelector = Self.selectors.contains(calls[0].function)
            && calls.allSatisfy { $0.function == calls[0].function && $0.field == calls[0].field && $0.argument == calls[0].argument && $0.tags == calls[0].tags }
        let conditionFields = Set(RawSelect.fieldRefs(statement.condition).filter { fieldTypes[$0] != nil })

        let extra = transforms ? columns.flatMap { c -> [Int64] in
            switch c {
            case .transform(let name, _, let argument, _, _): [Self.extraIntervals(name, argument)]
            case .math(let e, _): Self.transforms(in: e).map { Self.extraIntervals($0.name, $0.argument) }
            default: []
            }
        }.max() ?? 1 : 0
        // The calls outside transformations: 1.x moves the start back for the transformations'
        // calls only, so these never see the extra intervals' points (``buckets``' `clipped`);
        // nor do the calls of cumulative_sum() and holt_winters(), which need none.
        var plainCalls = Set<Int>()
        var callIndex = 0
        for c in columns {
            switch c {
            case .call: plainCalls.insert(callIndex); callIndex += 1
            case .math(let e, _):
                let n = Self.calls(in: e).count
                if Self.transforms(in: e).isEmpty { plainCalls.formUnion(callIndex..<(callIndex + n)) }
                callIndex += n
            case .transform(let name, _, let argument, _, _):
                if Self.extraIntervals(name, argument) == 0 { plainCalls.insert(callIndex) }
                callIndex += 1
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
            && (interval > 0 || integralCalls.isSubset(of: zeroTimeCalls) || (ascending && calls.count == 1))
        // top()/bottom() without tag arguments read their points with the statement's LIMIT
        // and OFFSET still set (1.x's builder hands them to the raw iterator): each shard gives
        // at most `offset + limit + 1` points, as a raw query's shards do.
        var selectorCap = 0
        if calls.count == 1, ["top", "bottom"].contains(calls[0].function), calls[0].tags.isEmpty,
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
            // integral() emits only its areas (it has no fill stage).
            case .call(let call) where call.function == "integral": width = 1; sparseColumns.insert(c)
            default: width = 1
            }
            columnSlots.append(Array(slot..<(slot + width)))
            slot += width
        }
        let stops = IteratorStops()
        // A percentile beside plain calls: the cursor's join is modelled over every group
        // (``scanned(_:calls:fillTypes:tagged:ascending:)``).
        let scanning = !inSubquery && selectorCap == 0 && auxColumns.isEmpty && Self.scansCalls(calls, columns: columns, zone: zone)
        // mean() and sum() add their per-series partials as 1.x's layers do (``streamLayout``).
        let layeredCalls = calls.contains { $0.function == "mean" || $0.function == "sum" }
        var scannedGroups: [ScannedGroup] = []
        var out: [Row] = []
        func emit(_ name: String, _ groupKey: [String], _ values: [[Value]]) throws(StatementError) {
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
                                out.append(Self.evaluate(e, &slice, keepNaN: inSubquery))
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
                out.append(Row(name: name, tags: tags, columns: [timeName] + names, values: ordered))
        }
        /// A group's shard streams and its points merged by time as the cursors read them, handed
        /// to the windows one window at a time (the general path); nil when it has no point.
        func groupFeed(_ members: [(ParsedSeriesKey, [any SeriesSource])]) throws(StatementError) -> (streams: [GroupRows.Stream], feed: PointFeed)? {
            // The group's points merged by time as the cursors read them, handed to
            // the windows one window at a time.
            let callCount = calls.count
            var streams: [GroupRows.Stream] = []
            // Under DESC a capped selector reads newest first (each shard's newest points).
            let newestFirst = selectorCap > 0 && !ascending
            for (order, (series, shards)) in members.enumerated() {
                let builder = RowBuilder(series: series, columns: readColumns, condition: statement.condition, conditionFields: conditionFields)
                for shard in shards {
                    let cursor: ColumnCursor
                    if let sub = shard as? SubquerySource {
                        cursor = sub.columnCursor(series, fields: builder.fields, min: reader.range.min, max: reader.range.max,
                                                  ascending: !newestFirst, calls: true)
                    } else {
                        cursor = try shard.columnCursor(series, fields: builder.fields, min: reader.range.min, max: reader.range.max,
                                                        ascending: !newestFirst)
                    }
                    streams.append(GroupRows.Stream(order: order, cursor: cursor, builder: builder,
                                                    keep: { $0.dropFirst().prefix(callCount).contains { $0 != .null } },
                                                    shard: (shard as? ShardSource)?.shard.id))
                }
            }
            var groupRows = GroupRows(streams: streams, ascending: !newestFirst)
            groupRows.shardCap = selectorCap
            if newestFirst {
                // The capped points, then in time order for the windows.
                var kept: [[Value]] = []
                while let row = try groupRows.next() { kept.append(row) }
                groupRows = GroupRows(gathered: kept.reversed())
            }
            guard let feed = try PointFeed(groupRows) else { return nil }
            return (streams, feed)
        }
        for target in targets.sorted(by: { RawSelect.bytesLess($0.name, $1.name) }) {
            var pending: [GroupWindows] = []
            let typed = transforms || !typedPath || selectorCap > 0 ? nil : TypedAggregate(select: self, calls: calls, fieldTypes: fieldTypes, columns: columns,
                                                          conditionFields: conditionFields, target: target)
            let groups = RawSelect.limitPerShard(RawSelect.groups(of: target, matching: seriesCondition, by: dimensions), dimensions: dimensions,
                                                 sLimit: statement.sLimit, sOffset: statement.sOffset, tagSets: statement.limitDimensions)
            // Means and float sums over three shards or more: the shards' order in each group
            // depends on the groups before it, so every group's answers are worked out first.
            var layered: [TypedAggregate.Layered]?
            if let typed, typed.layersAcrossGroups { layered = try typed.layered(groups.map(\.1)) }
            // So on the general path: a first pass reads every group's streams of those calls.
            var generalAnswers: [[Int: [Int64: (value: Double, count: Int64)]]]?
            if typed == nil, layeredCalls, groups.count > 1, target.shards.count >= 3 {
                var perGroup: [[Int: [[PartialLayers.Point]]]] = []
                var kinds: [Int: PartialLayers.Kind] = [:]
                for (g, (_, members)) in groups.enumerated() {
                    if let why = interrupted() { throw StatementError(why) }
                    var points: [Int: [[PartialLayers.Point]]] = [:]
                    if let (streams, groupFeed) = try groupFeed(members) {
                        var feed = groupFeed
                        let collector = LayerCollector()
                        var noTrace: BucketTrace?
                        // This pass keeps only the streams' partials: what it charged is handed back.
                        let charged = memory.bytes
                        defer { memory.release(memory.bytes - charged) }
                        _ = try buckets(feed: &feed, calls: calls, auxCount: auxColumns.count, singleSelector: singleSelector,
                                        extraIntervals: extra, integralAtZero: integralAtZero, absentTypes: fillTypes, absentTagged: taggedCalls,
                                        clipped: extra > 0 ? plainCalls : [], viaRegex: target.viaRegex,
                                        layout: Self.streamLayout(streams, target: target, collector: collector), trace: &noTrace)
                        for (i, shards) in collector.shards {
                            let kind: PartialLayers.Kind = calls[i].function == "mean" ? .mean : .sum
                            kinds[i] = kind
                            points[i] = PartialLayers.shardPoints(shards, kind: kind, ascending: ascending, group: g)
                        }
                    }
                    perGroup.append(points)
                }
                generalAnswers = PartialLayers.acrossGroups(perGroup, kinds: kinds, ascending: ascending, sourceLayers: target.viaRegex ? 2 : 1)
            }
            for (g, (groupKey, members)) in groups.enumerated() {
                if let why = interrupted() { throw StatementError(why) }
                let absent = Self.absentCalls(calls, in: target)
                var values: [[Value]]
                if let typed {
                    guard let rows = try typed.rows(members, absent: absent, absentTypes: fillTypes, layered: layered?[g]) else { continue }
                    values = rows
                } else {
                    guard let (streams, groupFeed) = try groupFeed(members) else { continue }
                    var feed = groupFeed
                    let absentInGroup: Set<Int>
                    var trace: BucketTrace? = scanning ? BucketTrace(callCount: calls.count) : nil
                    (values, absentInGroup) = try buckets(feed: &feed, calls: calls, auxCount: auxColumns.count, singleSelector: singleSelector, extraIntervals: extra,
                                         integralAtZero: integralAtZero, absent: absent, absentTypes: fillTypes,
                                         absentTagged: taggedCalls,
                                         clipped: extra > 0 ? plainCalls : [], stops: ascending && !scanning ? stops : nil, viaRegex: target.viaRegex,
                                         layout: layeredCalls ? Self.streamLayout(streams, target: target, answers: generalAnswers?[g]) : nil, trace: &trace)
                    if var trace {
                        if !ascending {
                            values.reverse()
                            for k in trace.present.indices { trace.present[k].reverse() }
                            for (k, w) in trace.percentile { trace.percentile[k] = w.reversed() }
                        }
                        scannedGroups.append(ScannedGroup(name: target.name, key: groupKey, rows: values, absent: absentInGroup, trace: trace))
                        continue
                    }
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
                    values = try transformed(values, columns: columns, ascending: ascending, absent: absentInGroup, absentTypes: fillTypes,
                                              tagged: taggedCalls)
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
                // row only an area made) hold the scanner's fill(N) literal, which arithmetic
                // over the integral then reads.
                if !integralCalls.isEmpty, !transforms, interval > 0 {
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
                // A selector's null auxiliary value is what 1.x's scanner leaves there, in a real or
                // a filled window, grouped or not: fill(N)'s literal cast to the aux column's type,
                // or under fill(previous) the row before's value (the scanner skips its default).
                if !auxColumns.isEmpty, !(transforms || callsOnly) {
                    let first = 1 + calls.count
                    switch statement.fill {
                    case .number, .integer:
                        for (k, aux) in auxColumns.enumerated() {
                            let type: FieldType?
                            switch aux.source {
                            case .field(let f, _): type = fieldTypes[f]
                            case .tag: type = .string
                            default: type = nil
                            }
                            guard let literal = type.flatMap({ Self.fillLiteral(statement.fill, as: $0) }) ?? fillLiteral else { continue }
                            for r in values.indices where first + k < values[r].count && values[r][first + k] == .null { values[r][first + k] = literal }
                        }
                    default: break
                    }
                }
                if (statement.offset > 0 || statement.limit > 0) && columns.count > 1 && auxColumns.isEmpty {
                    values = limitPerColumn(values, slots: columnSlots, sparse: sparseColumns, typedLater: transforms && interval > 0)
                } else {
                    if statement.offset > 0 { values = Array(values.dropFirst(statement.offset)) }
                    if statement.limit > 0 { values = Array(values.prefix(statement.limit)) }
                }
                // Under fill(previous) the scanner keeps the aux value of the row it scanned
                // before: rows OFFSET skipped were never scanned.
                if !auxColumns.isEmpty, !(transforms || callsOnly), statement.fill == .previous {
                    let first = 1 + calls.count
                    for r in values.indices.dropFirst() {
                        for j in first..<values[r].count where values[r][j] == .null { values[r][j] = values[r - 1][j] }
                    }
                }
                // The scanner's default in the cells of columns that emitted nothing at a row's
                // time, after LIMIT counted each column's own points (rows in output order).
                if transforms, columns.count > 1, interval > 0 {
                    values = transformDefaults(values, columns: columns, fieldTypes: fieldTypes, tagKeys: sourceTagKeys)
                }
                guard !values.isEmpty else { continue }
                try emit(target.name, groupKey, values)
            }
            for run in integralOrder(pending, integrals: integralCalls, grouped: interval > 0, ascending: ascending, zeroTime: zeroTimeCalls) {
                try emit(target.name, run.key, scannerFilled(run.rows, fillTypes: fillTypes))
            }
        }
        if scanning {
            // Groups in emission order (newest series first under DESC); the runs go in
            // reversed for the reversal below.
            let runs = scanned(ascending ? scannedGroups : scannedGroups.reversed(), calls: calls, fillTypes: fillTypes,
                               tagged: taggedCalls, ascending: ascending)
            for run in ascending ? runs : runs.reversed() { try emit(run.name, run.key, run.rows) }
        }
        if !ascending { out.reverse() }
        return out
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
}

extension Expr {
    var isVarRef: Bool { if case .varRef = self { return true }; return false }
}
