import SundialTestSupport
import Testing
@testable import LineProtocol

@Suite struct RoundTripTests {
    /// No backslash in names: a literal backslash before an escapable byte is ambiguous in
    /// line protocol (1.x cannot round-trip it either). String values get backslashes below.
    static let alphabet = Array("ab c,d=e\"fgé✓_-.0")

    static func name(_ rng: inout SeededRandom) -> String {
        String((0..<Int.random(in: 1...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func value(_ rng: inout SeededRandom) -> FieldValue {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: .float(Double.random(in: -1e12...1e12, using: &rng))
        case 1: .integer(Int64.random(in: .min ... .max, using: &rng))
        case 2: .unsigned(UInt64.random(in: 0 ... .max, using: &rng))
        case 3: .boolean(Bool.random(using: &rng))
        default: .string(name(&rng) + "\\" + name(&rng))
        }
    }

    /// Random points → canonical line → parse → the same point, 2000 times.
    @Test func encodeThenParseIsIdentity() throws {
        var rng = SeededRandom(seed: 0x5EED)
        for _ in 0..<2000 {
            var tags: [(String, String)] = []
            var used = Set<String>()
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let k = Self.name(&rng)
                if k != "time", used.insert(k).inserted { tags.append((k, Self.name(&rng))) }
            }
            var fields: [(String, FieldValue)] = []
            for _ in 0...Int.random(in: 0...3, using: &rng) { fields.append((Self.name(&rng), Self.value(&rng))) }
            let time = Int64.random(in: TimeRange.minNanoseconds...TimeRange.maxNanoseconds, using: &rng)
            let measurement = Self.name(&rng)
            let point = try Point(measurement: measurement, tags: tags, fields: fields, time: time)
            #expect(point.measurement == measurement)
            // Canonical order compares escaped keys, as 1.x does.
            func escaped(_ k: String) -> [UInt8] { var b: [UInt8] = []; Escaping.escape(k, Escaping.tag, into: &b); return b }
            #expect(point.tags.map(\.key) == tags.map(\.0).sorted { escaped($0).lexicographicallyPrecedes(escaped($1)) })
            #expect(point.fields.map(\.value) == fields.map(\.1))
            let line = point.lineProtocol()
            let reparsed = LineProtocolParser.parse(Array(line.utf8), options: ParseOptions(allowUnsigned: true, defaultTime: 0))
            #expect(reparsed.errors.isEmpty, "\(line)")
            #expect(reparsed.points == [point], "\(line)")
        }
    }

    @Test func builderRejectsWhatTheParserRejects() {
        #expect(throws: LineError.self) { try Point(measurement: "m", tags: [], fields: [("f", .float(.nan))], time: 0) }
        #expect(throws: LineError.self) { try Point(measurement: "m", tags: [], fields: [], time: 0) }
        #expect(throws: LineError.self) { try Point(measurement: "m", tags: [("a", "1"), ("a", "2")], fields: [("f", .integer(1))], time: 0) }
    }

    @Test func encodesCanonically() throws {
        let p = try #require(parse("cpu,z=1,a=2 v=1i,s=\"x\" 1500000000").points.first)
        #expect(p.lineProtocol() == "cpu,a=2,z=1 v=1i,s=\"x\" 1500000000")
        #expect(p.lineProtocol(precision: .second) == "cpu,a=2,z=1 v=1i,s=\"x\" 1")
    }

    /// Fuzzer find (crash-3492b12a): a string field with a newline and invalid UTF-8 is
    /// accepted byte-for-byte, as 1.x does, and must re-encode to the same bytes.
    @Test func invalidUTF8StringRoundTripsAsBytes() {
        let input: [UInt8] = Array("m f=\"multi\nline".utf8) + [0xEE, 0xEE, 0xEE] + Array("\" 1\nm g=2i 2".utf8)
        let result = LineProtocolParser.parse(input, options: ParseOptions(allowUnsigned: false, defaultTime: 0))
        #expect(result.errors.isEmpty)
        #expect(result.points.count == 2)
        for point in result.points {
            let bytes = point.lineProtocolBytes()
            #expect(LineProtocolParser.parse(bytes, options: ParseOptions(allowUnsigned: false, defaultTime: 0)).points == [point])
        }
        #expect(result.points.first?.lineProtocolBytes() == Array(input[..<(input.count - 9)]))
    }

    /// Fuzzer find (crash-c3349218): 1.x skips tabs and NULs before the field section but only
    /// rejects an empty field key after a space or comma, so `m \0=2i` is accepted with key "".
    @Test(arguments: ["m \u{0}=2i 2", "m \t=2i 2"])
    func emptyFieldKeyAfterSkippedWhitespaceIsAcceptedAs1x(_ line: String) throws {
        let result = parse(line)
        #expect(result.errors.isEmpty)
        let point = try #require(result.points.first)
        #expect(point.fields.map(\.key) == [""])
        #expect(point.fields.map(\.value) == [.integer(2)])
    }

    /// Fuzzer find (crash-cddfddcc): after a leading space 1.x's line scanner treats the key as
    /// the field section, so a quoted newline there does not end the line.
    @Test func leadingSpaceLetsAQuotedNewlineIntoTheMeasurement() throws {
        let result = parse(" m=\"a\nb\" f=2i 2")
        #expect(result.errors.isEmpty)
        let point = try #require(result.points.first)
        #expect(point.measurement == "m=\"a\nb\"")
        #expect(point.time == 2)
    }
}
