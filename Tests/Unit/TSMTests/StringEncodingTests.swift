import Snappy
import SundialTestSupport
import Testing

@testable import TSM

@Suite struct StringEncodingTests {
    static func encode(_ values: [String]) -> [UInt8] {
        var out: [UInt8] = []
        StringEncoding.encode(values, into: &out)
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> [String] {
        var out: [String] = []
        try StringEncoding.decode(bytes, into: &out)
        return out
    }

    @Test func knownAnswers() {
        // ["a", "bc"] → plain 01 61 02 62 63 (5 bytes). Snappy: uvarint(5) = 05; under 17 bytes
        // Go's encoder emits one literal, tag (5 − 1) << 2 = 0x10; then the bytes.
        #expect(Self.encode(["a", "bc"]) == hex("10 | 05 | 10 | 01 61 02 62 63"))
        // No values: Snappy of nothing is just uvarint(0).
        #expect(Self.encode([]) == hex("10 00"))
        // One empty string: plain is the single length byte 00.
        #expect(Self.encode([""]) == hex("10 | 01 | 00 | 00"))
    }

    static let cases: [[String]] = [
        [""],
        ["", "", ""],
        ["héllo wörld", "日本語", "emoji 🚀✨", "\u{0}nul"],
        [String(repeating: "x", count: 70_000)],  // > one 64 KiB Snappy piece
        (0..<1000).map { "host=server\($0 % 17) status=\([200, 404, 500][$0 % 3]) msg=\"request \($0)\"" },
    ]

    @Test(arguments: Self.cases)
    func roundTrips(_ values: [String]) throws {
        #expect(try Self.decode(Self.encode(values)) == values)
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededRandom(seed: 5)
        let alphabet = Array("abcdefgh 0123456789-_/=日本🚀é")
        for _ in 0..<200 {
            let n = Int.random(in: 1...300, using: &rng)
            let values: [String] = (0..<n).map { _ in
                String((0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            }
            #expect(try Self.decode(Self.encode(values)) == values)
        }
    }

    @Test func forEachSeesRawBytes() throws {
        let bytes = Self.encode(["ab", "", "c"])
        var lengths: [Int] = []
        let n = try bytes.withUnsafeBytes { try StringEncoding.forEach($0) { lengths.append($0.count) } }
        #expect(n == 3)
        #expect(lengths == [2, 0, 1])
    }

    @Test func malformed() {
        #expect(throws: EncodingError.unknownEncoding(.strings, 0)) { try Self.decode(hex("00 00")) }
        #expect(throws: EncodingError.snappy(.invalidInput)) { try Self.decode(hex("10")) }
        #expect(throws: EncodingError.snappy(.invalidInput)) { try Self.decode(hex("10 05 10 01")) }
        // Valid Snappy whose plain text announces a 5-byte string but holds 1 byte.
        #expect(throws: EncodingError.truncated(.strings)) {
            try Self.decode([0x10] + Snappy.compressGoCompatible([5, 0x61]))
        }
    }
}

extension StringEncodingTests {
    @Test func rawBytesRoundTripExactly() throws {
        // Invalid UTF-8 survives the raw-bytes API; String decoding would repair it to U+FFFD.
        let raw: [[UInt8]] = [[0xFF, 0xFE], [], Array("ok".utf8), [0x80]]
        var bytes: [UInt8] = []
        StringEncoding.encode(rawValues: raw, into: &bytes)
        var back: [[UInt8]] = []
        let count = try bytes.withUnsafeBytes { p in try StringEncoding.forEach(p) { back.append(Array($0)) } }
        #expect(count == raw.count)
        #expect(back == raw)
        #expect(try Self.decode(bytes) == ["\u{FFFD}\u{FFFD}", "", "ok", "\u{FFFD}"])
        // Valid UTF-8 gives the same bytes through either API.
        var viaRaw: [UInt8] = []
        StringEncoding.encode(rawValues: [Array("héllo".utf8)], into: &viaRaw)
        #expect(viaRaw == Self.encode(["héllo"]))
    }
}
