import Coordinator
import Foundation
import InfluxQL
import LineProtocol
import Meta
import Query
import SundialTestSupport
import Testing
import TSDB
import TSM

/// The typed aggregate path against the general one: the same random points (two shard
/// groups, overwrites, integer/float/string fields, several series per group), the same
/// queries, the same answers — exact, except for means, where the typed path follows 1.x's
/// per-series layering and may differ from a single sum in the last bits.
@Suite struct TypedAggregateTests {
    /// Sunday 2016-01-03 20:00 UTC: the data crosses into Monday's shard group.
    static let start: Int64 = 1_451_851_200_000_000_000

    static func executors() async throws -> (typed: QueryExecutor, general: QueryExecutor) {
        let meta = MetaClient()
        try await meta.createDatabase("db0")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-typed-\(UUID())").path
        let store = Store(dataDir: dir + "/data", walDir: dir + "/wal")
        let writer = PointsWriter(meta: meta, store: store, now: { start })
        var rng = SeededRandom(seed: 42)
        var lines = ""
        for _ in 0..<3000 {
            let host = Int.random(in: 0..<6, using: &rng), region = Int.random(in: 0..<2, using: &rng)
            let t = start + Int64.random(in: 0..<(8 * 3600), using: &rng) * 1_000_000_000
            var fields = ["i=\(Int.random(in: -50...50, using: &rng))i", "f=\(Double(Int.random(in: -40...40, using: &rng)) / 4)"]
            if Bool.random(using: &rng) { fields.append("s=\"x\"") }
            fields.shuffle(using: &rng)
            let kept = fields.prefix(Int.random(in: 1...fields.count, using: &rng))
            lines += "cpu,host=h\(host),region=r\(region) \(kept.joined(separator: ",")) \(t)\n"
        }
        lines += "disk,host=h0 i=7i,f=1.5 \(start)\n"
        // One long series, written first so that all of it is in TSM blocks after the
        // snapshot, of values whose sums round.
        var long = ""
        for k in 0..<2600 { long += "long x=\(Double.random(in: -1e6...1e6, using: &rng)),n=\(Int.random(in: -99...99, using: &rng))i \(start + Int64(k) * 1_000_000_000)\n" }
        lines = long + lines
        let points = LineProtocolParser.parse(Array(lines.utf8), options: ParseOptions(defaultTime: start)).points
        // Most points go to TSM files, the rest stay in the cache, and a delete removes the
        // newest points of one host: last() and first() narrow their reads to one block.
        let cut = points.count * 3 / 4
        try await writer.writePoints(database: "db0", retentionPolicy: "", points: Array(points[..<cut]))
        for shard in store.openShards { try shard.engine.snapshot() }
        try await writer.writePoints(database: "db0", retentionPolicy: "", points: Array(points[cut...]))
        let typed = QueryExecutor(meta: meta, store: store)
        let deleted = await typed.execute(try Parser.parseQuery("DELETE FROM cpu WHERE host = 'h1' AND time > '2016-01-04T01:00:00Z'"),
                                          options: ExecutionOptions(database: "db0"))
        #expect(deleted.allSatisfy { $0.error == nil })
        return (typed, QueryExecutor(meta: meta, store: store, typedAggregates: false))
    }

    static let window = "time >= '2016-01-03T20:00:00Z' AND time < '2016-01-04T04:00:00Z'"

    @Test(arguments: [
        "SELECT count(i), sum(i), mean(i), min(i), max(i), first(i), last(i) FROM cpu",
        "SELECT count(f), sum(f), mean(f), min(f), max(f), first(f), last(f) FROM cpu",
        "SELECT max(f) FROM cpu",
        "SELECT min(i) FROM cpu GROUP BY host",
        "SELECT first(f), last(i) FROM cpu GROUP BY *",
        "SELECT count(s), count(i) FROM cpu GROUP BY region",
        "SELECT last(*) FROM cpu GROUP BY host",
        "SELECT count(*) FROM cpu",
        "SELECT mean(i) * 2 + max(f) FROM cpu GROUP BY region",
        "SELECT mean(f), sum(i) FROM cpu WHERE \(window) GROUP BY time(30m)",
        "SELECT max(i), min(f) FROM cpu WHERE \(window) GROUP BY time(1h, 15m), host fill(none)",
        "SELECT count(i), mean(f) FROM cpu WHERE \(window) GROUP BY time(2h) fill(0)",
        "SELECT last(f) FROM cpu WHERE \(window) GROUP BY time(1h) fill(previous) ORDER BY time DESC LIMIT 3",
        "SELECT mean(i) FROM cpu WHERE \(window) GROUP BY time(90m) fill(linear)",
        "SELECT sum(f) FROM cpu WHERE host = 'h1' OR region = 'r0' GROUP BY host SLIMIT 2",
        "SELECT mean(f), count(i) FROM /c.*|disk/",
        "SELECT first(i) FROM cpu, disk WHERE host =~ /h[01]/ GROUP BY time(4h)",
        "SELECT max(f) FROM cpu WHERE time >= '2016-01-04T00:00:00Z'",
        "SELECT last(f), last(i) FROM cpu WHERE host = 'h1'",
        "SELECT first(*) FROM cpu GROUP BY host",
        "SELECT last(i) FROM cpu WHERE time < '2016-01-04T00:30:00Z' GROUP BY *",
        "SELECT mean(f), count(i), last(i) FROM cpu WHERE \(window) GROUP BY time(1h), host tz('Asia/Kolkata')",
        "SELECT sum(f) FROM cpu WHERE time >= '2016-01-03 15:00:00' AND time < '2016-01-03 20:00:00' GROUP BY time(20m) fill(linear) tz('America/Chicago')",
    ])
    func typedEqualsGeneral(query: String) async throws {
        let (a, b) = try await Self.bothPaths(query)
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.error == y.error)
            #expect(x.series.count == y.series.count)
            #expect(!x.series.isEmpty)
            for (r, s) in zip(x.series, y.series) {
                #expect(r.name == s.name && r.tags == s.tags && r.columns == s.columns)
                #expect(r.values.count == s.values.count)
                for (u, v) in zip(r.values, s.values) {
                    #expect(Self.close(u, v), "\(query): \(u) vs \(v)")
                }
            }
        }
    }

    /// One series read block by block from a TSM file: sums and means run on across block
    /// boundaries in time order, so they equal the general path's one pass bit for bit.
    @Test(arguments: [
        "SELECT sum(x), mean(x), count(x), min(x), max(x), first(x), last(x), sum(n), mean(n) FROM long",
        "SELECT sum(x), mean(x), max(n) FROM long WHERE time >= '2016-01-03T20:00:00Z' AND time < '2016-01-03T21:00:00Z' GROUP BY time(7m)",
        "SELECT mean(x) FROM long WHERE time >= '2016-01-03T20:05:00Z' AND time < '2016-01-03T20:40:00Z' GROUP BY time(1m)",
    ])
    func blocksReduceExactly(query: String) async throws {
        let (a, b) = try await Self.bothPaths(query)
        #expect(a == b)
        #expect(a.first?.series.first?.values.isEmpty == false)
    }

    /// The query's results from the typed path and from the general path, over the same data.
    static func bothPaths(_ query: String) async throws -> (typed: [StatementResult], general: [StatementResult]) {
        let (typed, general) = try await executors()
        let q = try Parser.parseQuery(query)
        return (await typed.execute(q, options: ExecutionOptions(database: "db0")),
                await general.execute(q, options: ExecutionOptions(database: "db0")))
    }

    /// Equal values, floats to 1e-12 relative.
    static func close(_ a: [Value], _ b: [Value]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            if case .float(let p) = x, case .float(let q) = y { return abs(p - q) <= 1e-12 * max(1, abs(p)) }
            return x == y
        }
    }
}
