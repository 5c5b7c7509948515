import SundialTestSupport
import Testing

@testable import TSM

@Suite struct IntegerEncodingTests {
    static func decode(_ bytes: [UInt8]) throws -> [Int64] {
        var out: [Int64] = []
        try IntegerEncoding.decode(bytes, into: &out)
        return out
    }

    static func decodeUnsigned(_ bytes: [UInt8]) throws -> [UInt64] {
        var out: [UInt64] = []
        try bytes.withUnsafeBytes { try IntegerEncoding.decode($0, into: &out) }
        return out
    }

    static func encodeUnsigned(_ values: [UInt64]) -> [UInt8] {
        var out: [UInt8] = []
        values.withUnsafeBufferPointer { IntegerEncoding.encode($0, into: &out) }
        return out
    }

    /// Expected bytes derived by hand from the 1.x rules (see IntegerEncoding's doc comment).
    @Test func knownAnswers() {
        // [42]: packed (1), zz(42) = 84 = 0x54, no words.
        #expect(encodeIntegers([42]) == hex("10 | 00 00 00 00 00 00 00 54"))
        // [-1, 1]: two values never use RLE (needs ≥ 3); zz(-1) = 1, zz(+2) = 4 → selector 15.
        #expect(encodeIntegers([-1, 1]) == hex("10 | 00 00 00 00 00 00 00 01 | f0 00 00 00 00 00 00 04"))
        // [10, 17, 24, 31]: constant delta 7 → RLE: zz(10) = 20, uvarint(zz(7) = 14), uvarint(3 repeats).
        #expect(encodeIntegers([10, 17, 24, 31]) == hex("20 | 00 00 00 00 00 00 00 14 | 0e | 03"))
        // All equal: delta 0 → RLE with delta byte 0.
        #expect(encodeIntegers([7, 7, 7]) == hex("20 | 00 00 00 00 00 00 00 0e | 00 | 02"))
        // [min, max]: zz(min) = 0xFFFF…FF > 2^60 − 1 → raw; max − min wraps to −1 → zz = 1.
        #expect(
            encodeIntegers([.min, .max])
                == hex("00 | ff ff ff ff ff ff ff ff | 00 00 00 00 00 00 00 01"))
        // Unsigned max is the bit pattern of −1: zz(−1) = 1 → packed.
        #expect(Self.encodeUnsigned([UInt64.max]) == hex("10 | 00 00 00 00 00 00 00 01"))
        #expect(encodeIntegers([]) == [])
    }

    static let cases: [[Int64]] = {
        var c: [[Int64]] = []
        c.append([Int64]())
        c.append([0])
        c.append([Int64.min])
        c.append([Int64.max])
        c.append([Int64.min, Int64.max, Int64.min, 0])
        c.append([Int64.max, Int64.max, Int64.max])
        c.append([-1, -2, -3, -4, -5])
        c.append([1, 3, 2, 4])
        c.append(Array(0..<1000).map { Int64($0) * 1_000_003 })
        c.append(Array(0..<1000).map { Int64(($0 * 7919) % 1013) - 500 })
        c.append(Array(repeating: 1 << 59, count: 2) + [-(1 << 59)])
        return c
    }()

    @Test(arguments: Self.cases)
    func roundTrips(_ values: [Int64]) throws {
        #expect(try Self.decode(encodeIntegers(values)) == values)
        #expect(try encodeIntegers(values).withUnsafeBytes { try IntegerEncoding.count($0) } == values.count)
    }

    @Test func unsignedRoundTrips() throws {
        let values: [UInt64] = [0, 1, UInt64.max, UInt64(Int64.max), UInt64(Int64.max) + 1, 42, 42]
        #expect(try Self.decodeUnsigned(Self.encodeUnsigned(values)) == values)
        // Same bytes as the Int64 bit patterns.
        #expect(Self.encodeUnsigned(values) == encodeIntegers(values.map { Int64(bitPattern: $0) }))
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededRandom(seed: 2)
        for trial in 0..<500 {
            let n = Int.random(in: 1...1000, using: &rng)
            let magnitude: Int64 = [1, 100, 1 << 20, 1 << 40, 1 << 59, .max][trial % 6]
            let values: [Int64] = (0..<n).map { _ in Int64.random(in: -magnitude...magnitude, using: &rng) }
            #expect(try Self.decode(encodeIntegers(values)) == values)
        }
    }

    @Test func malformed() {
        let cases: [([UInt8], EncodingError)] = [
            (hex("30"), .unknownEncoding(.integers, 3)),
            (hex("10 00 00 00"), .truncated(.integers)),
            (hex("00 00 00 00 00 00 00 00 00 01"), .truncated(.integers)),
            (hex("10 00 00 00 00 00 00 00 00 f0"), .truncated(.simple8b)),
            (hex("20 00 00 00 00 00 00 00 14 0e"), .truncated(.integers)),
            (hex("20 00 00 00 00 00 00 00 14 0e 03 00"), .trailingBytes(.integers)),
            (hex("20 00 00 00 00 00 00 00 14 0e ff ff ff ff ff ff ff ff ff 01"), .tooManyValues(.max)),
        ]
        for (bytes, error) in cases {
            #expect(throws: error) { try Self.decode(bytes) }
        }
    }
}
