import Snappy
import SwiftProtobuf
import Testing

@testable import PromRemote

@Suite struct RemoteReadTests {
    static func body(_ queries: [Prometheus_Query]) throws -> [UInt8] {
        var request = Prometheus_ReadRequest()
        request.queries = queries
        return Snappy.compress(try request.serializedBytes() as [UInt8])
    }

    static func query(_ matchers: [(Prometheus_MatchType, String, String)], start: Int64 = 1, end: Int64 = 2) -> Prometheus_Query {
        var q = Prometheus_Query()
        q.startTimestampMs = start
        q.endTimestampMs = end
        q.matchers = matchers.map { var m = Prometheus_LabelMatcher(); m.type = $0.0; m.name = $0.1; m.value = $0.2; return m }
        return q
    }

    @Test func everyMatcherType() throws {
        let decoded = try RemoteRead.decode(snappy: try Self.body([Self.query([
            (.equal, "__name__", "up"), (.notEqual, "job", "a"), (.regexMatch, "i", "x.*"), (.regexNoMatch, "z", "^$"),
        ], start: -5, end: 1_700_000_000_000)]))
        #expect(decoded == RemoteReadQuery(startMs: -5, endMs: 1_700_000_000_000, matchers: [
            LabelMatcher(.equal, "__name__", "up"), LabelMatcher(.notEqual, "job", "a"),
            LabelMatcher(.regexMatch, "i", "x.*"), LabelMatcher(.regexNoMatch, "z", "^$"),
        ]))
    }

    /// The match type is an int32 in 1.x: a varint's bits above 32 are dropped.
    @Test func matchTypeIsInt32() throws {
        // LabelMatcher{type: 2^32 + 2}
        let matcher: [UInt8] = [0x08, 0x82, 0x80, 0x80, 0x80, 0x10]
        let query: [UInt8] = [0x1A, UInt8(matcher.count)] + matcher
        let decoded = try RemoteRead.decode(snappy: Snappy.compress([0x0A, UInt8(query.count)] + query))
        #expect(decoded.matchers == [LabelMatcher(.regexMatch, "", "")])
    }

    @Test(arguments: [
        ([Prometheus_Query](), "Prometheus read endpoint currently only supports one query at a time"),
        ([query([(.equal, "a", "b")]), query([(.equal, "a", "b")])], "Prometheus read endpoint currently only supports one query at a time"),
        ([query([])], "expected matcher"),
    ])
    func refusedRequests(_ queries: [Prometheus_Query], _ message: String) throws {
        #expect(throws: PromError(message)) { try RemoteRead.decode(snappy: try Self.body(queries)) }
    }

    /// The answer is a `ReadResponse` with one result that the generated decoder reads back.
    @Test func answerRoundTrips() throws {
        let series = [RemoteSeries(labels: [("__name__", "up"), ("job", "x")], timestampsMs: [1, 2, -3], values: [1, .nan, -0.5])]
        let body = RemoteRead.encode(series)
        let response = try Prometheus_ReadResponse(serializedBytes: try Snappy.decompress(body))
        #expect(response.results.count == 1)
        let ts = try #require(response.results.first?.timeseries.first)
        #expect(ts.labels.map { [$0.name, $0.value] } == [["__name__", "up"], ["job", "x"]])
        #expect(ts.samples.map(\.timestampMs) == [1, 2, -3])
        #expect(ts.samples[0].value == 1 && ts.samples[1].value.isNaN && ts.samples[2].value == -0.5)
    }
}
