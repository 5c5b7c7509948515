import SundialTestSupport
import Testing

@testable import TSM

@Suite struct Simple8bTests {
    static func pack(_ values: [UInt64], _ window: Simple8b.OnesWindow = .all) throws -> [UInt8] {
        var out: [UInt8] = []
        try values.withUnsafeBufferPointer { try Simple8b.encode($0, window: window, into: &out) }
        return out
    }

    static func unpack(_ bytes: [UInt8]) throws -> [UInt64] {
        var out: [UInt64] = []
        try bytes.withUnsafeBytes { try Simple8b.decode($0, into: &out) }
        return out
    }

    @Test func selectorTableFillsSixtyBits() {
        for s in 2..<16 {
            #expect(Simple8b.valuesPerSelector[s] * Simple8b.bitsPerSelector[s] <= 60)
        }
        #expect(Simple8b.valuesPerSelector[0] == 240 && Simple8b.valuesPerSelector[1] == 120)
    }

    @Test func knownAnswers() throws {
        // [1, 2, 3]: too few values for any selector above 13; selector 13 packs 3 × 20 bits,
        // first value lowest: 13<<60 | 1 | 2<<20 | 3<<40.
        #expect(try Self.pack([1, 2, 3]) == hex("d0 00 03 00 00 20 00 01"))
        // A single value uses selector 15 (1 × 60 bits).
        #expect(try Self.pack([4]) == hex("f0 00 00 00 00 00 00 04"))
        // 60 values of 0/1: selector 2, bit k = value k.
        let bits: [UInt64] = (0..<60).map { $0 % 2 == 0 ? 1 : 0 }
        #expect(try Self.pack(bits) == hex("25 55 55 55 55 55 55 55"))
        // 240 ones: selector 0, no payload; 120 ones: selector 1.
        #expect(try Self.pack(Array(repeating: 1, count: 240)) == hex("00 00 00 00 00 00 00 00"))
        #expect(try Self.pack(Array(repeating: 1, count: 120)) == hex("10 00 00 00 00 00 00 00"))
        // 2^60 − 1 alone fits selector 15.
        #expect(try Self.pack([Simple8b.maxValue]) == hex("ff ff ff ff ff ff ff ff"))
    }

    @Test func onesWindowSemantics() throws {
        // 300 ones then a 2. EncodeAll (integers) only uses selectors 0/1 when *everything*
        // left is 1, so it falls back to 60 × 1-bit words; the streaming encoder (timestamps)
        // looks at ≤ 240 values and emits selector 0 first.
        let values: [UInt64] = Array(repeating: 1, count: 300) + [2]
        let all = try Self.pack(values, .all)
        let streaming = try Self.pack(values, .streaming)
        #expect(all.prefix(8) == hex("2f ff ff ff ff ff ff ff")[...])
        #expect(streaming.prefix(8) == hex("00 00 00 00 00 00 00 00")[...])
        #expect(try Self.unpack(all) == values)
        #expect(try Self.unpack(streaming) == values)
    }

    @Test func outOfRangeThrows() {
        #expect(throws: EncodingError.corrupt(.simple8b)) { try Self.pack([Simple8b.maxValue + 1]) }
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededRandom(seed: 8)
        for trial in 0..<300 {
            let n = Int.random(in: 0...1200, using: &rng)
            let bits = Int.random(in: 0...60, using: &rng)
            let values: [UInt64] = (0..<n).map { _ in
                bits == 0 ? 1 : UInt64.random(in: 0...((1 << UInt64(bits)) - 1), using: &rng)
            }
            let window: Simple8b.OnesWindow = trial % 2 == 0 ? .all : .streaming
            let packed = try Self.pack(values, window)
            #expect(try packed.withUnsafeBytes { try Simple8b.count($0) } == n)
            #expect(try Self.unpack(packed) == values)
        }
    }

    @Test func partialWordThrows() {
        #expect(throws: EncodingError.truncated(.simple8b)) { try Self.unpack([0, 0, 0]) }
    }
}

extension Simple8bTests {
    @Test func hugeClaimedCountThrows() {
        // 5000 zero words claim 1.2 M values (selector 0 = 240 ones each): over the limit.
        let words = [UInt8](repeating: 0, count: 8 * 5000)
        #expect(throws: EncodingError.tooManyValues(1_200_000)) { try Simple8bTests.unpack(words) }
    }
}
