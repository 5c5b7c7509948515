import LineProtocol
import Snappy
import SwiftProtobuf
import Testing

@testable import PromRemote

/// Remote write bodies built with the generated messages, decoded as 1.8 converts them.
@Suite struct RemoteWriteTests {
    static func body(_ series: [([(String, String)], [(Double, Int64)])]) throws -> [UInt8] {
        var request = Prometheus_WriteRequest()
        request.timeseries = series.map { labels, samples in
            var ts = Prometheus_TimeSeries()
            ts.labels = labels.map { var l = Prometheus_LabelPair(); l.name = $0.0; l.value = $0.1; return l }
            ts.samples = samples.map { var s = Prometheus_Sample(); s.value = $0.0; s.timestampMs = $0.1; return s }
            return ts
        }
        return Snappy.compress(try request.serializedBytes() as [UInt8])
    }

    struct Conversion: Sendable, CustomTestStringConvertible {
        let labels: [(String, String)]
        let key: String
        var testDescription: String { key }
    }

    /// 1.x's `models.MakeKey`: name from the last `__name__`, tags sorted with the last of a
    /// name winning, empty values left out, the name unescaped then escaped.
    static let conversions: [Conversion] = [
        Conversion(labels: [("__name__", "up"), ("job", "node"), ("instance", "a:1")], key: "up,__name__=up,instance=a:1,job=node"),
        Conversion(labels: [("job", "x")], key: "prom_metric_not_specified,job=x"),
        Conversion(labels: [("__name__", "a"), ("__name__", "b")], key: "b,__name__=b"),
        Conversion(labels: [("__name__", "m"), ("k", "1"), ("k", "2")], key: "m,__name__=m,k=2"),
        Conversion(labels: [("__name__", "m"), ("empty", "")], key: "m,__name__=m"),
        Conversion(labels: [("__name__", "m m,x"), ("t", "a b,c=d")], key: "m\\ m\\,x,__name__=m\\ m\\,x,t=a\\ b\\,c\\=d"),
        Conversion(labels: [("__name__", "a\\,b")], key: "a\\,b,__name__=a\\\\,b"),
        Conversion(labels: [("__name__", "m"), ("", "v")], key: "m,=v,__name__=m"),
    ]

    @Test(arguments: conversions)
    func seriesKeys(_ c: Conversion) throws {
        let decoded = try RemoteWrite.decode(snappy: try Self.body([(c.labels, [(1.5, 1_700_000_000_000)])]))
        let point = try #require(decoded.points.first)
        #expect(String(decoding: point.seriesKey, as: UTF8.self) == c.key)
        #expect(point.time == 1_700_000_000_000_000_000)
        #expect(point.fields.map(\.key) == ["value"])
        #expect(point.fields.first?.value == .float(1.5))
    }

    @Test func unsupportedValuesAreDroppedAndCounted() throws {
        let decoded = try RemoteWrite.decode(snappy: try Self.body([
            ([("__name__", "g")], [(.nan, 1), (.infinity, 2), (-.infinity, 3), (-.infinity, 4), (2, 5)]),
        ]))
        #expect(decoded.points.map(\.time) == [5_000_000])
        #expect(decoded.droppedDescription == "dropped unsupported Prometheus values: [NaN = 1, +Inf = 1, -Inf = 2]")
    }

    /// Values round-trip through the point's text: every double comes back bit for bit.
    @Test(arguments: [0.0, -0.0, 1e-300, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 0.1, 123456789.125, -2.5e-7])
    func valuesRoundTrip(_ value: Double) throws {
        let point = try #require(try RemoteWrite.decode(snappy: try Self.body([([("__name__", "v")], [(value, 0)])])).points.first)
        guard case .float(let stored)? = point.fields.first?.value else { Issue.record("not a float"); return }
        #expect(stored.bitPattern == value.bitPattern)
    }

    /// gogo's errors, in byte order, before any conversion error.
    static let malformed: [(String, [UInt8], String)] = [
        ("group nested without end", [0x4B] + Array(repeating: 0x4B, count: 100_000), "unexpected EOF"),
        ("group nested and closed", [0x4B, 0x4B, 0x4C, 0x4C], ""),
        ("group with a bad inner wire type", [0x4B, 0x0E], "proto: illegal wireType 6"),
        ("group with a negative inner length", [0x4B, 0x0A] + Array(repeating: 0xFF, count: 9) + [0x01], "proto: negative length found during unmarshaling"),
        ("fixed32 past the end", [0x4D, 0x00], "unexpected EOF"),
        ("tag varint overflow", Array(repeating: 0xFF, count: 10) + [0x01], "proto: integer overflow"),
        ("field number truncated to zero", [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], "proto: WriteRequest: illegal tag 0 (wire type 34359738368)"),
        ("sample value truncated", [0x0A, 0x04, 0x12, 0x02, 0x09, 0x00], "unexpected EOF"),
    ]

    @Test(arguments: malformed.indices)
    func gogoErrors(_ i: Int) throws {
        let (_, bytes, expected) = Self.malformed[i]
        do {
            _ = try RemoteWrite.decode(snappy: Snappy.compress(bytes))
            #expect(expected.isEmpty, "\(Self.malformed[i].0): decoded")
        } catch {
            #expect(error.description == expected, "\(Self.malformed[i].0)")
        }
    }

    /// A header announcing more than the body could expand to is refused before allocating.
    @Test func impossibleSnappyLengthIsCorrupt() {
        // varint 0xFFFFFFFF (4 GiB) and one literal byte.
        #expect(throws: PromError("snappy: corrupt input")) { try RemoteWrite.decode(snappy: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x41]) }
    }
}
