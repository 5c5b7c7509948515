import Foundation
import PromRemote
import Snappy
import SundialTestSupport
import SwiftProtobuf
import Testing

/// Remote reads that influxd 1.6.7 answers with a panic (500, "Internal Server Error"), so no
/// golden could be recorded: matchers on a label some series lack, over several measurements.
/// Sundial answers them as the same matchers select series everywhere else (a missing label
/// is the empty string).
@Suite(.serialized) struct PromReadQuirksTests {
    static func write(_ port: Int) async throws {
        var request = Prometheus_WriteRequest()
        let series: [[(String, String)]] = [
            [("__name__", "up"), ("job", "node"), ("instance", "a")],
            [("__name__", "up"), ("job", "prometheus"), ("instance", "b")],
            [("job", "nameless")],
            [("__name__", "temp"), ("job", "x")],
        ]
        request.timeseries = series.enumerated().map { i, labels in
            var ts = Prometheus_TimeSeries()
            ts.labels = labels.map { var l = Prometheus_LabelPair(); l.name = $0.0; l.value = $0.1; return l }
            var s = Prometheus_Sample()
            s.value = Double(i)
            s.timestampMs = 1_700_000_000_000
            ts.samples = [s]
            return ts
        }
        let body = Snappy.compress(try request.serializedBytes() as [UInt8])
        let response = try await RawHTTPClient.send(RawHTTPClient.encode(method: "POST", target: "/api/v1/prom/write?db=db0", headers: [], body: body, chunked: false, port: port),
                                                    port: port, isHead: false)
        #expect(response.status == 204)
    }

    /// The `job` label of each series read back.
    static func read(_ port: Int, _ matchers: [(Prometheus_MatchType, String, String)]) async throws -> [String] {
        var q = Prometheus_Query()
        q.startTimestampMs = 1_699_999_999_000
        q.endTimestampMs = 1_700_000_001_000
        q.matchers = matchers.map { var m = Prometheus_LabelMatcher(); m.type = $0.0; m.name = $0.1; m.value = $0.2; return m }
        var request = Prometheus_ReadRequest()
        request.queries = [q]
        let body = Snappy.compress(try request.serializedBytes() as [UInt8])
        let response = try await RawHTTPClient.send(RawHTTPClient.encode(method: "POST", target: "/api/v1/prom/read?db=db0", headers: [], body: body, chunked: false, port: port),
                                                    port: port, isHead: false)
        #expect(response.status == 200)
        let decoded = try Prometheus_ReadResponse(serializedBytes: try Snappy.decompress(response.body))
        return decoded.results.first?.timeseries.map { ts in ts.labels.first { $0.name == "job" }?.value ?? "" } ?? []
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)))
    func matchersOnLabelsSomeSeriesLack() async throws {
        let dir = try InfluxdServicesTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sundial = try await InfluxdCrossCheckTests.Server.start(DaemonProcessTests.binary, dir: dir)
        defer { sundial.crash() }
        #expect(try await sundial.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        try await Self.write(sundial.port)
        // Series sorted by measurement, then tags.
        #expect(try await Self.read(sundial.port, [(.equal, "job", "nameless"), (.regexMatch, "instance", "^$")]) == ["nameless"])
        #expect(try await Self.read(sundial.port, [(.notEqual, "job", "node"), (.regexMatch, "__name__", ".+")]) == ["nameless", "x", "prometheus"])
        #expect(try await Self.read(sundial.port, [(.regexNoMatch, "instance", ".")]) == ["nameless", "x"])
        #expect(try await Self.read(sundial.port, [(.equal, "instance", "")]) == ["nameless", "x"])
    }
}
