import InfluxQL
import TSDB

/// Fill: 1.x's fill iterators over the reduced windows, and the scanner defaults of cells
/// no call had a point in.
extension AggregateSelect {
    /// The calls without a point anywhere in the group's windows: 1.x's fill iterator never
    /// sees the group, so such a column is null in every window (count too), makes no rows,
    /// and only the cursor's fill(N) writes its literal where other columns made a row.
    static func pointless(_ filled: [ReducedWindow], calls: [Call]) -> Set<Int> {
        Set(calls.indices.filter { j in !filled.contains { !$0.empty && !$0.missing.contains(j) } })
    }

    /// Rows of the windows in order, empty ones filled as the statement's fill says (never
    /// the only window of an un-grouped query: no points, no row). 1.x fills each call's
    /// iterator on its own, so a call without points in a window that others have points in
    /// (`missing`) is filled too, and fill(previous)/fill(linear) look at that call's own
    /// earlier and later values. fill(linear) finds each window's next value from a table
    /// built once per call, backwards (linear, not a scan forward per empty window).
    /// `absent`: calls over a field the measurement does not have. 1.x builds no iterator for
    /// them, so nothing fills them: they stay null (count included).
    func fill(_ filled: [ReducedWindow], calls: [Call], absent: Set<Int> = [], absentTypes: [Int: FieldType] = [:],
              tagged: Set<Int> = []) throws(StatementError) -> [[Value]] {
        let absent = absent.union(Self.pointless(filled, calls: calls))
        // 1.x fills in the query's order: under ORDER BY time DESC, fill(previous) takes the
        // later window's value, and fill(linear) runs its arithmetic from the later point.
        if statement.fill == .previous || statement.fill == .linear, !(statement.sortFields.first?.ascending ?? true) {
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

    /// What 1.x's scanner writes for call `j` where its iterator has no point: fill(N)'s literal
    /// cast to the call's type (`types`), or as written for a call over a tag key (`tagged`);
    /// nil for the other fills and for an untyped call.
    func callDefault(_ j: Int, types: [Int: FieldType], tagged: Set<Int>) -> Value? {
        tagged.contains(j) ? fillLiteral : types[j].flatMap { Self.fillLiteral(statement.fill, as: $0) }
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

    /// A transformation's (or an integral's) cells in rows other columns made (its output has
    /// no point there), as 1.x's scanner leaves them: fill(N)'s literal cast to the column's
    /// type, under fill(previous) the value of the row before, else null. Rows are
    /// `[time, columns…]` in output order.
    /// `tagKeys`: a transformation over a call of a tag key writes fill(N)'s literal uncast.
    func transformDefaults(_ rows: [[Value]], columns: [Column], fieldTypes: [String: FieldType], tagKeys: Set<String> = []) -> [[Value]] {
        // The columns concerned, with the literal fill(N) writes in each (nil: none).
        var literals: [Int: Value?] = [:]
        for (k, c) in columns.enumerated() {
            // integral() has no fill stage either: the scanner's default fills its empty cells.
            if case .call(let call) = c, call.function == "integral" {
                literals[k] = Self.fillLiteral(statement.fill, as: .float)
                continue
            }
            guard case .transform(let name, let call, _, _, _) = c else { continue }
            let type: FieldType?
            switch name {
            case "difference", "non_negative_difference", "cumulative_sum":
                if tagKeys.contains(call.field) && fieldTypes[call.field] == nil {
                    literals[k] = .some(fillLiteral)
                    continue
                }
                type = Self.fillTypes([call], known: fieldTypes)[0]
            case "elapsed": type = .integer
            default: type = .float
            }
            guard let type else { continue }
            literals[k] = .some(Self.fillLiteral(statement.fill, as: type))
        }
        guard !literals.isEmpty else { return rows }
        var rows = rows
        switch statement.fill {
        case .previous:
            for r in rows.indices.dropFirst() {
                for k in literals.keys where rows[r][1 + k] == .null { rows[r][1 + k] = rows[r - 1][1 + k] }
            }
        case .number, .integer:
            for r in rows.indices {
                for (k, literal) in literals where rows[r][1 + k] == .null {
                    if let literal { rows[r][1 + k] = literal }
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
}
