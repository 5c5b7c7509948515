import Foundation
import SundialTestSupport
import Testing
import TSI

/// `index-version = "tsi1"` both ways with the real influxd 1.6.7: a data directory one server
/// wrote (series file and `index/` included) is opened in place by the other, which then gives
/// the same answers to the metadata statements and sees every point.
@Suite(.serialized) struct TSI1ProcessTests {
    typealias Server = InfluxdCrossCheckTests.Server

    static var available: Bool { InfluxdCrossCheckTests.available }

    /// Series with escapes in names, keys and values over three measurements.
    static let lines: [String] = (0..<600).map { i in
        let measurement = ["cpu", "disk\\ io", "m\\,x"][i % 3]
        return "\(measurement),dc=eu\\,\(i % 4),host=h\\ \(i % 50),t\\=k=v\\=\(i % 3) value=\(i),n=\(i)i 16000000\(String(format: "%05d", i))000000"
    }

    /// What both servers are asked after the data moved; the answers must be equal byte for byte.
    static let statements = [
        "SHOW MEASUREMENTS", "SHOW SERIES", "SHOW SERIES FROM cpu WHERE dc = 'eu,1'", "SHOW TAG KEYS",
        "SHOW TAG VALUES WITH KEY = host", "SHOW TAG VALUES FROM \"disk io\" WITH KEY IN (\"dc\", \"t=k\")",
        "SHOW SERIES EXACT CARDINALITY", "SHOW SERIES CARDINALITY", "SHOW MEASUREMENT EXACT CARDINALITY",
        "SHOW TAG VALUES EXACT CARDINALITY WITH KEY = host", "SHOW TAG KEY EXACT CARDINALITY",
        "SELECT count(value) FROM /.*/ GROUP BY dc", "SELECT sum(n) FROM cpu WHERE host = 'h 3'",
    ]

    static func answers(_ server: Server) async throws -> [String] {
        var out: [String] = []
        for q in statements {
            let (status, body) = try await server.post("/query?db=db0", q, form: true)
            out.append("\(status) \(String(decoding: body, as: UTF8.self))")
        }
        return out
    }

    static func write(_ server: Server) async throws {
        #expect(try await server.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        // Small batches: with a tiny log size, many logs are compacted and merged into levels.
        for batch in stride(from: 0, to: lines.count, by: 50) {
            #expect(try await server.post("/write?db=db0", lines[batch..<batch + 50].joined(separator: "\n")).0 == 204)
        }
        // Deletes leave tombstones in the index files: series, a measurement. Each keeps a
        // series of the tag values it touches: 1.6's tsi1 goes on listing a tag value whose
        // series were all dropped (until its measurement goes), Sundial's does not.
        for q in ["DROP SERIES FROM cpu WHERE host = 'h 0' AND dc = 'eu,0'", "DROP MEASUREMENT \"m,x\"",
                  "DELETE FROM \"disk io\" WHERE host = 'h 1' AND dc = 'eu,1'"] {
            #expect(try await server.post("/query?db=db0", q, form: true).0 == 200)
        }
    }

    static func stop(_ server: Server) {
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
    }

    static func indexPartitions(_ dir: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: dir.appendingPathComponent("data/db0").path)
        return (enumerator?.allObjects as? [String] ?? []).filter { $0.hasSuffix("/MANIFEST") }.sorted()
    }

    /// `writer` writes and deletes with tsi1; `reader` then opens the directory in place.
    func crossCheck(writer: URL, reader: URL, writerData: [String] = [], indexFiles: Bool = false) async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await Server.start(writer, dir: dir, data: ["index-version = \"tsi1\""] + writerData)
        defer { if first.process.isRunning { first.crash() } }
        try await Self.write(first)
        // Both servers compact a log file past max-index-log-file-size in the background, and
        // merge level-1 files into higher levels later still: on a loaded machine that takes
        // seconds, so wait (up to 30 s) for a file of level 2 or more.
        func tsiFiles() -> Bool {
            let all = FileManager.default.enumerator(atPath: dir.appendingPathComponent("data/db0").path)?.allObjects as? [String] ?? []
            return all.contains { $0.hasSuffix(".tsi") }
        }
        func levels() -> Set<Int> {
            let all = FileManager.default.enumerator(atPath: dir.appendingPathComponent("data/db0").path)?.allObjects as? [String] ?? []
            return Set(all.compactMap { $0.split(separator: "/").last.flatMap { ManifestFileName.parse(String($0))?.level } })
        }
        for _ in 0..<600 where indexFiles && !levels().contains(where: { $0 >= 2 }) { try await Task.sleep(for: .milliseconds(50)) }
        let expected = try await Self.answers(first)
        // The writer's own answers first: the deletes took effect.
        #expect(expected[0] == #"200 {"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["cpu"],["disk io"]]}]}]}"# + "\n")
        #expect(expected[6].contains(#"{"name":"cpu","columns":["count"],"values":[[99]]}"#), "\(expected[6])")
        Self.stop(first)
        // One shard, eight partitions, each with its MANIFEST.
        #expect(Self.indexPartitions(dir).count == 8, "\(Self.indexPartitions(dir))")
        #expect(tsiFiles() == indexFiles)
        if indexFiles { #expect(levels().contains { $0 >= 2 }, "\(levels())") }

        let second = try await Server.start(reader, dir: dir, data: ["index-version = \"tsi1\""])
        defer { if second.process.isRunning { second.crash() } }
        let got = try await Self.answers(second)
        for (i, q) in Self.statements.enumerated() { #expect(got[i] == expected[i], "\(q)") }
        Self.stop(second)
    }

    @Test(.enabled(if: available))
    func influxdOpensSundialsIndex() async throws {
        try await crossCheck(writer: DaemonProcessTests.binary, reader: InfluxdCrossCheckTests.influxd)
    }

    /// Sundial's log files compacted into `.tsi` files past a tiny log size: influxd reads them.
    @Test(.enabled(if: available))
    func influxdOpensSundialsCompactedIndex() async throws {
        try await crossCheck(writer: DaemonProcessTests.binary, reader: InfluxdCrossCheckTests.influxd,
                             writerData: ["max-index-log-file-size = 256"], indexFiles: true)
    }

    /// `buildtsi` converts influxd's inmem shards (TSM files and a WAL tail) to tsi1: influxd
    /// then opens them with tsi1 and answers as before, and so does Sundial.
    @Test(.enabled(if: available && InspectProcessTests.built))
    func buildTSIConvertsInmemShards() async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await Server.start(InfluxdCrossCheckTests.influxd, dir: dir, data: ["index-version = \"inmem\""])
        defer { if first.process.isRunning { first.crash() } }
        try await Self.write(first)
        let expected = try await Self.answers(first)
        Self.stop(first)
        #expect(Self.indexPartitions(dir).isEmpty)

        let data = dir.appendingPathComponent("data").path, wal = dir.appendingPathComponent("wal").path
        let refused = try await InspectProcessTests.inspect(["buildtsi", "-datadir", data, "-waldir", wal], input: "n\n")
        #expect(refused.status == 1 && refused.err == "buildtsi: operation aborted\n", "\(refused.err)")
        let built = try await InspectProcessTests.inspect(["buildtsi", "-datadir", data, "-waldir", wal, "-max-log-file-size", "256"], input: "y\n")
        #expect(built.status == 0, "\(built.err)")
        #expect(built.err.contains("msg=\"Moving tsi to permanent location\""), "\(built.err)")
        #expect(Self.indexPartitions(dir).count == 8)
        let again = try await InspectProcessTests.inspect(["buildtsi", "-datadir", data, "-waldir", wal], input: "y\n")
        #expect(again.err.contains("msg=\"tsi1 index already exists, skipping\""))

        for binary in [InfluxdCrossCheckTests.influxd, DaemonProcessTests.binary] {
            let server = try await Server.start(binary, dir: dir, data: ["index-version = \"inmem\""])
            defer { if server.process.isRunning { server.crash() } }
            let got = try await Self.answers(server)
            for (i, q) in Self.statements.enumerated() { #expect(got[i] == expected[i], "\(binary.lastPathComponent): \(q)") }
            Self.stop(server)
        }
    }

    /// influxd's log files are compacted into `.tsi` files past a tiny log size, so Sundial
    /// reads both kinds.
    @Test(.enabled(if: available))
    func sundialOpensInfluxdsIndex() async throws {
        try await crossCheck(writer: InfluxdCrossCheckTests.influxd, reader: DaemonProcessTests.binary,
                             writerData: ["max-index-log-file-size = 256"], indexFiles: true)
    }
}
