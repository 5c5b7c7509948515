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
}
