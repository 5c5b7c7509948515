import Testing

@testable import Query

/// User-supplied numbers at their extremes never trap, `max-query-memory` refuses before it
/// allocates, and regexes match with Go's semantics in linear time (RE2).
@Suite struct QueryHardeningTests {
    /// Window starts as 1.x computes them (Go's wrapping int64; the earliest time clamps).
    @Test(arguments: [
        (Int64(1), Int64.max, Int64(0), Int64(0)),
        (Int64.max, Int64.max, 0, Int64.max),
        (Int64.min, 1_000_000_000, 0, Int64.min),
        (Int64.min + 5, 10, 0, Int64.min),
        (-1, 10, 0, -10),
        (15, 10, 3, 13),
        (2, 10, 3, -7),
        (Int64.max, 10, Int64.min, 9_223_372_036_854_775_798),
        (0, Int64.max, Int64.max, 0),
    ] as [(Int64, Int64, Int64, Int64)])
    func windowStarts(t: Int64, interval: Int64, offset: Int64, start: Int64) {
        #expect(AggregateSelect.truncate(t, interval, offset) == start)
    }

    @Test func memoryRefusesBeforeAllocating() {
        let memory = QueryMemory(limit: 1_000)
        #expect(throws: Never.self) { try memory.charge(10, of: 50) }
        #expect(memory.bytes == 500)
        #expect(throws: StatementError("max-query-memory limit exceeded: (1100/1000)")) { try memory.charge(600) }
        // A count whose product overflows Int is refused without wrapping.
        #expect(throws: StatementError(QueryMemory.exceeded(.max, 1_000))) { try QueryMemory(limit: 1_000).charge(.max, of: 64) }
        let released = QueryMemory(limit: 1_000)
        for _ in 0..<10 {
            #expect(throws: Never.self) { try released.charge(900) }
            released.release(900)
        }
        let unlimited = QueryMemory(limit: 0)
        #expect(throws: Never.self) { try unlimited.charge(.max, of: .max) }
    }

    @Test(arguments: [
        ("^(a+)+$", String(repeating: "a", count: 100_000) + "b", false),
        ("(x+x+)+y", String(repeating: "x", count: 50_000), false),
        ("^a+b$", String(repeating: "a", count: 1_000) + "b", true),
        ("cpu", "my_cpu_1", true),
        ("^cpu$", "cpu1", false),
        ("(?i)CPU", "cpu", true),
        ("\\d+\\s\\w", "12 x", true),
        ("^.$", "é", true),
        ("^.$", "\n", false),
        ("(?s)^.$", "\n", true),
        ("^\\x{263a}", "☺ok", true),
        ("\\bserver\\b", "a server.", true),
        ("[[:alpha:]]+", "123", false),
        ("", "", true),
    ])
    func goSemantics(pattern: String, text: String, matches: Bool) {
        #expect(SeriesCondition.regexMatches(pattern, text) == matches)
    }

    /// The largest pattern the parser lets through: an alternation of 2,500 host names.
    @Test func aLargeAlternationMatches() {
        let hosts = (0..<2_500).map { "server-\($0).example.com" }
        let pattern = "^(" + hosts.joined(separator: "|") + ")$"
        #expect(pattern.utf8.count <= 65_536)
        #expect(SeriesCondition.regexMatches(pattern, "server-2499.example.com"))
        #expect(!SeriesCondition.regexMatches(pattern, "server-2500.example.com"))
    }

    /// holt_winters stops its fits when the query is interrupted, and refuses a regular
    /// series longer than the budget before making it.
    @Test func holtWintersStopsWhenInterrupted() throws {
        let points = (0..<2_000).map { (time: Int64($0) * 1_000_000_000, value: Double($0 % 7)) }
        #expect(throws: StatementError("query-timeout limit exceeded")) {
            try HoltWinters.forecast(points, h: 5, m: 4, includeFit: true, interval: 1_000_000_000,
                                     interrupted: { "query-timeout limit exceeded" })
        }
        let far = [(time: Int64(0), value: 1.0), (time: Int64(1_000_000_000_000_000), value: 2.0)]
        #expect(throws: StatementError(QueryMemory.exceeded(16_000_000_016, 1 << 20))) {
            try HoltWinters.forecast(far, h: 1, m: 0, includeFit: false, interval: 1_000_000, memory: QueryMemory(limit: 1 << 20))
        }
        let few = (0..<20).map { (time: Int64($0) * 10, value: Double($0)) }
        #expect(try HoltWinters.forecast(few, h: 2, m: 0, includeFit: false, interval: 10).count == 2)
    }

    /// `time(d, now())`'s offset: Go truncates from January 1 of year 1 (a Monday), not from
    /// the Unix epoch (a Thursday).
    @Test(arguments: [
        (Int64(1_705_104_000_000_000_000), Int64(604_800_000_000_000), Int64(432_000_000_000_000)),  // Sat 2024-01-13, 7d: 5d past Monday
        (1_705_104_000_000_000_000, 300_000_000_000, 0),
        (1_705_104_000_000_000_007, 10, 7),
        (0, 604_800_000_000_000, 259_200_000_000_000),
        (-1, 1_000_000_000, 999_999_999),
        (Int64.max, 604_800_000_000_000, 431_236_854_775_807),
        (5, 0, 0),
        (5, -10, 0),
    ] as [(Int64, Int64, Int64)])
    func offsetOfNow(t: Int64, interval: Int64, offset: Int64) {
        #expect(QueryExecutor.sinceTruncation(t, interval) == offset)
    }

    /// Reducers over a window whose values are not numbers (a field stored as text in another
    /// shard) give null instead of trapping (the HTTP fuzzer's median(*) crash).
    @Test(arguments: ["median", "mean", "spread", "stddev", "sum", "mode", "percentile", "count"])
    func reducersOverTextOnly(function: String) {
        let call = AggregateSelect.Call(function: function, field: "f", argument: 50, column: function)
        let (value, _) = AggregateSelect.reduce(call, [(1, .string("x")), (2, .boolean(true))])
        switch function {
        case "median", "stddev": #expect(value == .null)
        case "count": #expect(value == .integer(2))
        default: #expect(value != .null || function == "percentile")
        }
    }
}
