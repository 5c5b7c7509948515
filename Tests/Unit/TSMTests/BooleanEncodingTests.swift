import SundialTestSupport
import Testing

@testable import TSM

@Suite struct BooleanEncodingTests {
    static func encode(_ values: [Bool]) -> [UInt8] {
        var out: [UInt8] = []
        BooleanEncoding.encode(values, into: &out)
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> [Bool] {
        var out: [Bool] = []
        try BooleanEncoding.decode(bytes, into: &out)
        return out
    }

    @Test func knownAnswers() {
        // Header 0x10, uvarint count, bits MSB first, last byte zero-padded.
        #expect(Self.encode([true, false, true]) == hex("10 03 a0"))  // 101 00000
        #expect(Self.encode(Array(repeating: true, count: 8)) == hex("10 08 ff"))
        #expect(Self.encode(Array(repeating: true, count: 9)) == hex("10 09 ff 80"))
        // 13 values k % 3 == 0: 1001001001001 → 1001_0010 0100_1000 (matches influxd's bool_small).
        #expect(Self.encode((0..<13).map { $0 % 3 == 0 }) == hex("10 0d 92 48"))
        // 1.x flushes one padding byte even with no values.
        #expect(Self.encode([]) == hex("10 00 00"))
        // 200 values: the count takes a 2-byte uvarint.
        #expect(Self.encode(Array(repeating: false, count: 200)).prefix(3) == hex("10 c8 01")[...])
    }

    @Test func roundTrips() throws {
        var rng = SeededRandom(seed: 4)
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 999, 1000] {
            let values = (0..<n).map { _ in Bool.random(using: &rng) }
            #expect(try Self.decode(Self.encode(values)) == values)
        }
    }

    @Test func malformed() {
        let cases: [([UInt8], EncodingError)] = [
            (hex("00 01 80"), .unknownEncoding(.booleans, 0)),
            (hex("10"), .truncated(.booleans)),
            (hex("10 09 ff"), .truncated(.booleans)),  // 9 values need 2 bytes
            (hex("10 03 a0 00"), .trailingBytes(.booleans)),
            (hex("10 ff ff ff ff 0f"), .tooManyValues(0xFFFF_FFFF)),
        ]
        for (bytes, error) in cases {
            #expect(throws: error) { try Self.decode(bytes) }
        }
    }
}
