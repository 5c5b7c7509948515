// libFuzzer entry for the InfluxQL planner and executor. Each input is a query text (UTF-8,
// lossy); every SELECT it parses to goes through the steps `QueryExecutor.select` runs
// (QueryExecutor+Data.swift): the system-source and measurement checks of normalization,
// SelectCompiler.check, the time range and zone, the GROUP BY time offset, the bucket check,
// subqueries first (inheriting the outer time range), then RawSelect or AggregateSelect (both
// the typed and the general aggregate path) over fixed in-memory rows (no store: the
// measurements `cpu`, `mem` and `m` are SubquerySources), and SELECT INTO's point building.
// Properties checked on every input:
//   1. no crash, trap, hang (run.sh: -timeout=10) or unbounded memory (-rss_limit_mb=2048);
//      the query's `interrupted` says "timeout" after 2 s and its memory budget is 64 MiB;
//   2. every failure is a ParseError or a StatementError with a message;
//   3. every result row has as many values as columns.
// Built by run.sh together with Sources/Query (module Query, so internal symbols are visible);
// see tools/fuzz/README.md.

import Foundation
import InfluxQL

/// The fixed data: two measurements, tags host/region, fields of every type, times near 0
/// and at both ends of 1.x's time range.
private let fixedData: [String: SubquerySource] = {
    let minTime: Int64 = -9_223_372_036_854_775_806
    let maxTime: Int64 = 9_223_372_036_854_775_806
    let cpuColumns = ["time", "usage", "idle", "up", "note", "count"]
    let cpu: [Row] = [
        Row(name: "cpu", tags: ["host": "a", "region": "east"], columns: cpuColumns, values: [
            [.time(0), .float(1.5), .integer(10), .boolean(true), .string("ok"), .unsigned(7)],
            [.time(10), .float(3), .integer(30), .null, .null, .null],
            [.time(1_000_000_000), .float(-2.5), .integer(-4), .boolean(false), .string("x y,z=\"q\""), .unsigned(UInt64.max)],
            [.time(3_600_000_000_000), .float(0), .integer(Int64.max), .null, .string(""), .unsigned(0)],
        ]),
        Row(name: "cpu", tags: ["host": "b", "region": "west"], columns: cpuColumns, values: [
            [.time(minTime), .float(-1e308), .integer(Int64.min), .boolean(false), .string("first"), .unsigned(1)],
            [.time(0), .float(2.25), .integer(20), .null, .null, .null],
            [.time(20), .float(5), .null, .boolean(true), .string("é\u{0}"), .null],
            [.time(maxTime), .float(1e308), .integer(1), .null, .string("last"), .unsigned(2)],
        ]),
        Row(name: "cpu", tags: ["host": "c"], columns: cpuColumns, values: [
            [.time(-10), .float(4), .integer(40), .boolean(true), .null, .null],
            [.time(30), .float(0.000001), .integer(0), .null, .string("c"), .unsigned(3)],
        ]),
    ]
    let mem: [Row] = [
        Row(name: "mem", tags: ["host": "a"], columns: ["time", "free", "used"], values: [
            [.time(0), .integer(100), .null],
            [.time(15), .integer(200), .float(1e21)],
            [.time(30), .integer(300), .float(0.5)],
        ]),
        Row(name: "mem", tags: ["host": "b", "region": "west"], columns: ["time", "free", "used"], values: [
            [.time(5), .integer(-1), .float(-0.0)],
        ]),
    ]
    // The crosscheck queries' measurement.
    let m: [Row] = [
        Row(name: "m", tags: ["host": "a", "region": "east"], columns: ["time", "value", "x", "y", "b"], values: [
            [.time(0), .float(1), .integer(1), .string("a"), .boolean(true)],
            [.time(600_000_000_000), .float(2.5), .integer(-2), .string("b"), .boolean(false)],
            [.time(7_200_000_000_000), .float(-3), .integer(3), .null, .null],
        ]),
        Row(name: "m", tags: ["host": "b"], columns: ["time", "value", "x", "y", "b"], values: [
            [.time(minTime), .float(0), .integer(0), .string(""), .boolean(false)],
            [.time(300_000_000_000), .float(4), .null, .string("ünïcödé"), .null],
            [.time(maxTime), .float(5), .integer(5), .null, .boolean(true)],
        ]),
    ]
    return ["cpu": SubquerySource(rows: cpu), "mem": SubquerySource(rows: mem), "m": SubquerySource(rows: m)]
}()

private let fuzzLimits = SelectLimits()

/// QueryExecutor.select without a store or meta data: measurements read the fixed data.
private func plannedSelect(_ s: SelectStatement, memory: QueryMemory, started: UInt64) async throws(StatementError) -> [Row] {
    if let error = QueryExecutor.systemSourceError(s) { throw StatementError(error) }
    for case .measurement(let m) in s.sources where !m.isTarget && m.name.isEmpty && m.regex == nil {
        throw StatementError("invalid measurement")
    }
    let compiled = try SelectCompiler.check(s)
    let (range, zone) = try QueryExecutor.timeRange(of: s, interval: compiled.interval)
    var offset: Int64 = 0
    for case .call("time", let args) in s.dimensions where args.count == 2 {
        if case .duration(let d) = args[1], compiled.interval > 0 { offset = d % compiled.interval }
    }
    try fuzzLimits.checkBuckets(interval: compiled.interval, offset: offset, range: range)
    var targets: [String: [any SeriesSource]] = [:]
    var regexNames = Set<String>()
    var anyData = false
    for case .measurement(let m) in s.sources {
        for name in ["cpu", "m", "mem"] where QueryExecutor.measurement(name, matches: m) {
            anyData = true
            if m.regex != nil { regexNames.insert(name) }
            if targets[name] == nil { targets[name] = [fixedData[name]!] }
        }
    }
    for case .subquery(var inner) in s.sources {
        if inner.condition == nil || !SeriesCondition(expr: inner.condition).hasTime, range.min != .min || range.max != .max {
            var bounds: [Expr] = []
            if range.min != .min { bounds.append(.binary(op: .gte, lhs: .varRef(name: "time", type: .unknown), rhs: .integer(range.min))) }
            if range.max != .max { bounds.append(.binary(op: .lte, lhs: .varRef(name: "time", type: .unknown), rhs: .integer(range.max))) }
            var condition = inner.condition.map { Expr.paren($0) }
            for b in bounds { condition = condition.map { .binary(op: .and, lhs: $0, rhs: b) } ?? b }
            inner.condition = condition
        }
        let rows = try await plannedSelect(inner, memory: memory, started: started)
        checkRows(rows)
        let source = SubquerySource(rows: rows)
        for row in rows where !targets[row.name, default: []].contains(where: { $0 is SubquerySource }) {
            targets[row.name, default: []].append(source)
            anyData = true
        }
    }
    if anyData, let target = s.target {
        var inner = s
        inner.target = nil
        let rows = try await plannedSelect(inner, memory: memory, started: started)
        checkRows(rows)
        let points = SelectInto.points(from: rows, target: target)
        return [Row(name: "result", columns: ["time", "written"], values: [[.time(0), .integer(Int64(points.count))]])]
    }
    guard anyData else { return [] }
    let list = targets.map { RawSelect.Target(name: $0.key, shards: $0.value, viaRegex: regexNames.contains($0.key)) }
    let interrupted: @Sendable () -> String? = {
        DispatchTime.now().uptimeNanoseconds &- started > 2_000_000_000 ? "timeout" : nil
    }
    if RawSelect.handles(s) {
        var raw = RawSelect(statement: s, targets: list, range: range, interrupted: interrupted)
        raw.memory = memory
        return QueryExecutor.zoned(try await raw.run(), zone)
    }
    if AggregateSelect.handles(s) {
        var rows: [Row] = []
        for typed in [true, false] {
            var aggregate = AggregateSelect(statement: s, targets: list, range: range, interval: compiled.interval, offset: offset,
                                            interrupted: interrupted, typedPath: typed)
            aggregate.zone = zone
            aggregate.memory = memory
            rows = QueryExecutor.zoned(try aggregate.run(), zone)
            checkRows(rows)
        }
        return rows
    }
    throw StatementError("not implemented yet: this SELECT over stored points (the query engine is issue 6)")
}

private func checkRows(_ rows: [Row]) {
    for row in rows {
        for values in row.values where values.count != row.columns.count {
            fatalError("row of \(values.count) values for \(row.columns.count) columns in \(row.name): \(row.columns) \(values)")
        }
    }
}

private final class Done: @unchecked Sendable {
    let semaphore = DispatchSemaphore(value: 0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlanner(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let statements: [Statement]
    do throws(ParseError) { statements = try Parser.parseQuery(text).statements } catch {
        if error.description.isEmpty { fatalError("parse error without a message") }
        return 0
    }
    for statement in statements {
        guard case .select(let s) = statement else { continue }
        let done = Done()
        Task.detached {
            let memory = QueryMemory(limit: 64 << 20)
            do throws(StatementError) {
                checkRows(try await plannedSelect(s, memory: memory, started: DispatchTime.now().uptimeNanoseconds))
            } catch {
                if error.description.isEmpty { fatalError("statement error without a message: \(s)") }
            }
            done.semaphore.signal()
        }
        done.semaphore.wait()
    }
    return 0
}
