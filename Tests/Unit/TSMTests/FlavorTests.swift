import SundialTestSupport
import Testing

@testable import TSM

/// The batch flavor (1.8's `*ArrayEncodeAll`, used by its compactor) differs from the streaming
/// one (`Values.Encode`, cache snapshots) in a few packing choices; both decode identically.
@Suite struct FlavorTests {
    @Test func timestampRunsOfOnes() throws {
        // 130 deltas of 1 then one of 2 (divisor 1): not RLE, simple8b.
        let ts: [Int64] = Array(0...130) + [132]
        var streaming: [UInt8] = []
        var batch: [UInt8] = []
        TimestampEncoding.encode(ts, flavor: .streaming, into: &streaming)
        TimestampEncoding.encode(ts, flavor: .batch, into: &batch)
        // Header 0x10, first timestamp 0, then the first word:
        // streaming packs from a 131-value window that is not all ones → selector 2 (60 × 1 bit);
        // batch only needs the next 120 to be ones → selector 1.
        #expect(Array(streaming[0..<17]) == hex("10 | 00 00 00 00 00 00 00 00 | 2f ff ff ff ff ff ff ff"))
        #expect(Array(batch[0..<17]) == hex("10 | 00 00 00 00 00 00 00 00 | 10 00 00 00 00 00 00 00"))
        var a: [Int64] = []
        var b: [Int64] = []
        try TimestampEncoding.decode(streaming, into: &a)
        try TimestampEncoding.decode(batch, into: &b)
        #expect(a == ts && b == ts)
    }

    @Test func integerFirstValueAndRaw() throws {
        // zz(min) = 0xFFFF…FF exceeds 2^60 − 1. The streaming encoder counts the first value
        // and goes raw; the batch one stores it in its 8 bytes anyway and packs the deltas
        // zz(1) = 2, zz(2) = 4 with selector 14 (2 × 30 bits): 0xE000_0001_0000_0002.
        let values: [Int64] = [.min, .min + 1, .min + 3]
        var streaming: [UInt8] = []
        var batch: [UInt8] = []
        IntegerEncoding.encode(values, flavor: .streaming, into: &streaming)
        IntegerEncoding.encode(values, flavor: .batch, into: &batch)
        #expect(
            streaming
                == hex("00 | ff ff ff ff ff ff ff ff | 00 00 00 00 00 00 00 02 | 00 00 00 00 00 00 00 04"))
        #expect(batch == hex("10 | ff ff ff ff ff ff ff ff | e0 00 00 01 00 00 00 02"))
        var a: [Int64] = []
        var b: [Int64] = []
        try IntegerEncoding.decode(streaming, into: &a)
        try IntegerEncoding.decode(batch, into: &b)
        #expect(a == values && b == values)
    }

    @Test func floatInfinitySum() throws {
        var out: [UInt8] = []
        // +∞ and −∞ after the first value sum to NaN: 1.8's batch encoder refuses the block.
        #expect(throws: EncodingError.nanNotSupported) {
            try FloatEncoding.encode([1, .infinity, -.infinity], flavor: .batch, into: &out)
        }
        try FloatEncoding.encode([1, .infinity, -.infinity], flavor: .streaming, into: &out)
        // The first value is not summed.
        out.removeAll()
        try FloatEncoding.encode([.infinity, -.infinity], flavor: .batch, into: &out)
    }

    @Test func flavorsAgreeOnOrdinaryData() throws {
        var rng = SeededRandom(seed: 10)
        for _ in 0..<100 {
            let n = Int.random(in: 1...1000, using: &rng)
            var t: Int64 = 1_700_000_000_000_000_000
            let ts: [Int64] = (0..<n).map { _ in
                t += Int64.random(in: 1...3, using: &rng) * 10_000_000_000
                return t
            }
            let vs: [Int64] = (0..<n).map { _ in Int64.random(in: -50...50, using: &rng) }
            var a: [UInt8] = []
            var b: [UInt8] = []
            try Block.encode(timestamps: ts, values: vs, flavor: .streaming, into: &a)
            try Block.encode(timestamps: ts, values: vs, flavor: .batch, into: &b)
            #expect(a == b)
        }
    }
}
