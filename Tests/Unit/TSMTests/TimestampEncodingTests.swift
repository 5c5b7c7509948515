import SundialTestSupport
import Testing

@testable import TSM

@Suite struct TimestampEncodingTests {
    static func decode(_ bytes: [UInt8]) throws -> [Int64] {
        var out: [Int64] = []
        try TimestampEncoding.decode(bytes, into: &out)
        return out
    }

    /// Expected bytes derived by hand from the 1.x rules (see TimestampEncoding's doc comment).
    @Test func knownAnswers() throws {
        // One timestamp: no deltas, so the divisor keeps its start value 10^12 → header
        // 0x1C (simple8b, log10 12) and no words.
        #expect(encodeTimestamps([0x0102_0304_0506_0708]) == hex("1c | 01 02 03 04 05 06 07 08"))

        // Equal deltas of 1 s: RLE (2), divisor 10^9 (low nibble 9), first, uvarint(1), uvarint(3).
        #expect(
            encodeTimestamps([1_000_000_000, 2_000_000_000, 3_000_000_000])
                == hex("29 | 00 00 00 00 3b 9a ca 00 | 01 | 03"))

        // Two timestamps always have "all deltas equal": RLE even for odd gaps (delta 7, divisor 1).
        #expect(encodeTimestamps([5, 12]) == hex("20 | 00 00 00 00 00 00 00 05 | 07 | 02"))

        // Duplicate timestamps: delta 0 is divisible by 10^12, so the nibble stays 12.
        #expect(encodeTimestamps([9, 9, 9]) == hex("2c | 00 00 00 00 00 00 00 09 | 00 | 03"))

        // Deltas 10, 20, 30: common divisor 10 → scaled 1, 2, 3 → simple8b selector 13
        // (3 × 20 bits): 0xD000_0300_0020_0001.
        #expect(
            encodeTimestamps([0, 10, 30, 60])
                == hex("11 | 00 00 00 00 00 00 00 00 | d0 00 03 00 00 20 00 01"))

        // A delta above 2^60 − 1 forces raw (0): first timestamp, then the *deltas*, low nibble 0.
        #expect(
            encodeTimestamps([0, 1 << 61, (1 << 61) + 1])
                == hex("00 | 00 00 00 00 00 00 00 00 | 20 00 00 00 00 00 00 00 | 00 00 00 00 00 00 00 01"))

        // Out-of-order timestamps wrap to huge unsigned deltas → raw as well.
        let backwards: [Int64] = [100, 50, 75]
        let bytes = encodeTimestamps(backwards)
        #expect(bytes.first == 0x00)
        #expect(try Self.decode(bytes) == backwards)

        #expect(encodeTimestamps([]) == [])
    }

    static let cases: [[Int64]] = {
        var c: [[Int64]] = []
        c.append([Int64]())
        c.append([0])
        c.append([Int64.min])
        c.append([Int64.max])
        c.append([Int64.min, Int64.max])
        c.append([Int64.max, Int64.min, 0])
        c.append([-5, -4, -3, -1])
        c.append([1, 1, 1, 1])
        c.append(
            Array(
                stride(
                    from: Int64(1_600_000_000_000_000_000), to: 1_600_000_000_000_000_000 + 1000 * 10_000_000_000,
                    by: 10_000_000_000)))
        c.append(Array(stride(from: Int64(0), to: 1000, by: 1)))
        c.append([0, 1_000_000_000_000, 3_000_000_000_000, 3_000_000_000_001])
        return c
    }()

    @Test(arguments: Self.cases)
    func roundTrips(_ ts: [Int64]) throws {
        #expect(try Self.decode(encodeTimestamps(ts)) == ts)
        #expect(try encodeTimestamps(ts).withUnsafeBytes { try TimestampEncoding.count($0) } == ts.count)
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededRandom(seed: 1)
        for trial in 0..<500 {
            let n = Int.random(in: 1...1000, using: &rng)
            var t = Int64.random(in: -1 << 62...1 << 62, using: &rng)
            let scale = [1, 10, 1000, 1_000_000, 1_000_000_000][trial % 5]
            let spread = Int64([1, 10, 1000, 1 << 40][trial % 4])
            var ts: [Int64] = []
            for _ in 0..<n {
                ts.append(t)
                t &+= Int64.random(in: 0...spread, using: &rng) &* Int64(scale)
            }
            if trial % 7 == 0 { ts.shuffle(using: &rng) }
            #expect(try Self.decode(encodeTimestamps(ts)) == ts)
        }
    }

    @Test func malformed() {
        let cases: [([UInt8], EncodingError)] = [
            (hex("30 00"), .unknownEncoding(.timestamps, 3)),
            (hex("f0"), .unknownEncoding(.timestamps, 15)),
            (hex("10 00 00"), .truncated(.timestamps)),
            (hex("00 00 00 00 00 00 00 00 00 01"), .truncated(.timestamps)),  // raw, 9 bytes after header
            (hex("11 00 00 00 00 00 00 00 00 d0 00"), .truncated(.simple8b)),  // partial word
            (hex("29 00 00 00 00 00 00 00 00 01"), .truncated(.timestamps)),  // RLE count missing
            (hex("29 00 00 00 00 00 00 00 00 01 03 00"), .trailingBytes(.timestamps)),
            (hex("29 00 00 00 00 00 00 00 00 01 ff ff ff ff 0f"), .tooManyValues(0xFFFF_FFFF)),
        ]
        for (bytes, error) in cases {
            #expect(throws: error) { try Self.decode(bytes) }
        }
    }
}
