import Foundation
import SundialTestSupport
import Testing

@testable import TSM

@Suite struct FloatEncodingTests {
    static func decode(_ bytes: [UInt8]) throws -> [Double] {
        var out: [Double] = []
        try FloatEncoding.decode(bytes, into: &out)
        return out
    }

    /// Compares bit patterns, so −0 ≠ +0 and every payload counts.
    static func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
        a.map(\.bitPattern) == b.map(\.bitPattern)
    }

    @Test func knownAnswers() throws {
        // [1.5]: header 0x10, the 64 bits of 1.5 (0x3FF8…), then the end marker
        // 0x7FF8000000000001 XOR 1.5 = 0x4000000000000001: 1 leading zero, 0 trailing.
        // No window yet → control `11`, leading `00001`, length 63 `111111`, then 63 bits
        // `1 0…0 1`; 76 bits, padded with 4 zero bits:
        //   1100_0011 1111_1100 (0×7 bytes) 0001_0000
        #expect(
            try encodeFloats([1.5])
                == hex("10 | 3f f8 00 00 00 00 00 00 | c3 fc 00 00 00 00 00 00 00 10"))

        // [1.5, 1.5]: the repeat is a single `0` bit, which shifts the marker by one bit:
        //   0110_0001 1111_1110 (0×7 bytes) 0000_1000
        #expect(
            try encodeFloats([1.5, 1.5])
                == hex("10 | 3f f8 00 00 00 00 00 00 | 61 fe 00 00 00 00 00 00 00 08"))

        // No values: only the end marker as "first value" (1.x's encoder does the same; blocks
        // are never empty, so this never reaches a file).
        #expect(try encodeFloats([]) == hex("10 | 7f f8 00 00 00 00 00 01"))
    }

    @Test func nanIsRejected() {
        #expect(throws: EncodingError.nanNotSupported) { try encodeFloats([1, .nan]) }
        #expect(throws: EncodingError.nanNotSupported) { try encodeFloats([.signalingNaN]) }
        #expect(throws: EncodingError.nanNotSupported) { try encodeBlock([1], [Double.nan]) }
        // A failed encode leaves the caller's buffer untouched.
        var out: [UInt8] = [9, 9]
        #expect(throws: EncodingError.nanNotSupported) {
            try Block.encode(timestamps: [1, 2], values: [1.0, Double.nan], into: &out)
        }
        #expect(out == [9, 9])
    }

    static let cases: [[Double]] = {
        var c: [[Double]] = []
        c.append([0.0])
        c.append([-0.0])
        c.append([0.0, -0.0, 0.0, -0.0])
        c.append([.leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude])
        c.append([.greatestFiniteMagnitude, -.greatestFiniteMagnitude])
        c.append([.infinity, -.infinity, 1, .infinity])
        c.append([1, 1, 1, 1, 1])
        c.append([0.1, 0.2, 0.30000000000000004])
        c.append(Array(0..<1000).map { (k: Int) -> Double in 20 + 5 * sin(Double(k) / 50) })
        c.append(Array(0..<1000).map { Double($0) })
        // XORs with ≥ 32 leading zeros exercise the 5-bit mask quirk.
        c.append([1.0, Double(bitPattern: 1.0.bitPattern ^ 1), Double(bitPattern: 1.0.bitPattern ^ 0xFFFF)])
        return c
    }()

    @Test(arguments: Self.cases)
    func roundTrips(_ values: [Double]) throws {
        #expect(Self.sameBits(try Self.decode(encodeFloats(values)), values))
    }

    @Test func randomBitPatterns() throws {
        var rng = SeededRandom(seed: 3)
        for trial in 0..<400 {
            let n = Int.random(in: 1...1000, using: &rng)
            var values: [Double] = []
            var previous = Double.random(in: -1e6...1e6, using: &rng)
            for _ in 0..<n {
                switch trial % 4 {
                case 0:  // any non-NaN bit pattern
                    var v = Double(bitPattern: rng.next())
                    while v.isNaN { v = Double(bitPattern: rng.next()) }
                    values.append(v)
                case 1:  // slowly varying sensor
                    previous += Double.random(in: -0.5...0.5, using: &rng)
                    values.append((previous * 100).rounded() / 100)
                case 2:  // few distinct values
                    values.append([0, 1, -1, 0.5][Int.random(in: 0..<4, using: &rng)])
                default:  // integers stored as floats
                    values.append(Double(Int.random(in: -1000...1000, using: &rng)))
                }
            }
            #expect(Self.sameBits(try Self.decode(encodeFloats(values)), values))
        }
    }

    @Test func malformed() throws {
        let cases: [([UInt8], EncodingError)] = [
            (hex("20 00"), .unknownEncoding(.floats, 2)),
            (hex("10 3f f8 00"), .truncated(.floats)),
            // The first value and nothing else: the end marker is missing.
            (hex("10 3f f8 00 00 00 00 00 00"), .truncated(.floats)),
            // Control `11`, leading 31, length 63: 31 + 63 > 64.
            (hex("10 3f f8 00 00 00 00 00 00 | ff ff"), .corrupt(.floats)),
        ]
        for (bytes, error) in cases {
            #expect(throws: error) { try Self.decode(bytes) }
        }
        #expect(try Self.decode([]) == [])
    }
}
