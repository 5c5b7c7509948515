import Checksum
import Foundation
import SundialTestSupport
import Testing
@testable import TSDB

/// Sundial's series-file writer against the real influxd 1.6.7: the same series written in the
/// same order give byte-identical segment files; influxd opens a series file Sundial wrote and
/// keeps its ids; and an index built from influxd's segments equals influxd's `index` file.
@Suite(.serialized) struct SeriesFileWriterProcessTests {
    /// A series as line protocol and as the series file's key. Tags are given sorted by key.
    struct Series {
        let measurement: String
        let tags: [(String, String)]

        var line: String {
            func escape(_ s: String, _ chars: String) -> String {
                s.reduce(into: "") { out, c in
                    if chars.contains(c) { out.append("\\") }
                    out.append(c)
                }
            }
            let tagText = tags.map { "," + escape($0.0, ", =") + "=" + escape($0.1, ", =") }.joined()
            return escape(measurement, ", ") + tagText + " v=1 1600000000000000000"
        }

        var key: [UInt8] {
            SeriesFileKey.encode(measurement: Array(measurement.utf8), tags: tags.map { (Array($0.0.utf8), Array($0.1.utf8)) })
        }
    }

    static func series(_ range: Range<Int>) -> [Series] {
        range.map { i in
            Series(measurement: ["cpu load", "disk,io", "mem", "m=x"][i % 4],
                   tags: [("dc", "eu,\(i % 5)"), ("host", "h \(i)"), ("t=a", "v=\(i % 2)")])
        }
    }

    static func write(_ server: InfluxdCrossCheckTests.Server, _ db: String, _ series: [Series]) async throws {
        #expect(try await server.post("/write?db=\(db)", series.map(\.line).joined(separator: "\n")).0 == 204)
    }

    static func stop(_ server: InfluxdCrossCheckTests.Server) {
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
    }

    /// One batch of new series: influxd (inmem index) hands them to its series file in line
    /// order, so Sundial's writer given the same keys in the same order writes the same bytes.
    @Test(.enabled(if: InfluxdCrossCheckTests.available))
    func segmentsAreByteIdentical() async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await InfluxdCrossCheckTests.Server.start(InfluxdCrossCheckTests.influxd, dir: dir, data: ["index-version = \"inmem\""])
        defer { if server.process.isRunning { server.crash() } }
        #expect(try await server.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        let series = Self.series(0..<2000)
        try await Self.write(server, "db0", series)
        Self.stop(server)

        let ours = dir.appendingPathComponent("ours").path
        let file = try SeriesFile.open(path: ours)
        _ = try file.createSeriesListIfNotExists(series.map(\.key))
        file.close()
        let theirs = dir.appendingPathComponent("data/db0/_series").path
        for p in 0..<8 {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(theirs)/0\(p)/0000"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(ours)/0\(p)/0000"))
            #expect(a.count == 4 << 20 && a == b, "partition \(p)")
        }
    }

    /// influxd opens a series file Sundial wrote: the series it already holds keep their ids
    /// (no second insert), new ones continue each partition's sequence, and SHOW SERIES lists
    /// all of them, under either index.
    @Test(.enabled(if: InfluxdCrossCheckTests.available), arguments: ["inmem", "tsi1"])
    func influxdKeepsSundialsIDs(_ indexVersion: String) async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = Self.series(0..<500), second = Self.series(500..<900)
        let path = dir.appendingPathComponent("data/db0/_series").path
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("data/db0").path, withIntermediateDirectories: true)
        let file = try SeriesFile.open(path: path)
        let ids = try file.createSeriesListIfNotExists(first.map(\.key))
        try file.delete(ids[7])
        file.close()

        let server = try await InfluxdCrossCheckTests.Server.start(InfluxdCrossCheckTests.influxd, dir: dir, data: ["index-version = \"\(indexVersion)\""])
        defer { if server.process.isRunning { server.crash() } }
        #expect(try await server.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        try await Self.write(server, "db0", first + second)
        #expect(try await SeriesFileProcessTests.showSeries(server, "db0").count == 900)
        Self.stop(server)

        let all = try SeriesFileReader.open(path: path).series()
        // One insert per series, plus a new one for the series deleted before influxd ran.
        #expect(all.count == 901)
        let byKey = Dictionary(all.filter { !$0.deleted }.map { ($0.keyBytes, $0.id) }, uniquingKeysWith: max)
        for (i, s) in first.enumerated() where i != 7 { #expect(byKey[s.key] == ids[i]) }
        #expect(byKey[first[7].key].map { $0 != ids[7] } == true)
        // New ids come after the highest id each partition had.
        for s in second {
            let id = try #require(byKey[s.key])
            let partition = SeriesFileHash.partition(ofID: id)
            let before = ids.filter { SeriesFileHash.partition(ofID: $0) == partition }.max() ?? 0
            #expect(id > before)
        }
    }
}
