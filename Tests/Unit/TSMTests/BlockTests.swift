import SundialTestSupport
import Testing

@testable import TSM

@Suite struct BlockTests {
    @Test func knownAnswers() throws {
        // Integer block: type 1, uvarint(11) = 0b, the RLE timestamp section (11 bytes),
        // then the RLE value section.
        #expect(
            try encodeBlock([1_000_000_000, 2_000_000_000, 3_000_000_000], [Int64(10), 17, 24])
                == hex("01 | 0b | 29 00 00 00 00 3b 9a ca 00 01 03 | 20 00 00 00 00 00 00 00 14 0e 02"))
        // String block (type 3), two timestamps 1 ns apart → RLE divisor 1.
        #expect(
            try encodeBlock([7, 8], ["a", "bc"])
                == hex("03 | 0b | 20 00 00 00 00 00 00 00 07 01 02 | 10 05 10 01 61 02 62 63"))
        // Unsigned block: type 4, one point (timestamp header 0x1C).
        #expect(
            try encodeBlock([0], [UInt64(5)])
                == hex("04 | 09 | 1c 00 00 00 00 00 00 00 00 | 10 00 00 00 00 00 00 00 0a"))
        // Boolean block: type 2.
        #expect(
            try encodeBlock([0], [true])
                == hex("02 | 09 | 1c 00 00 00 00 00 00 00 00 | 10 01 80"))
    }

    @Test func longTimestampSectionUsesTwoByteLength() throws {
        // Raw timestamps (huge deltas) for 1000 points: 1 + 8000 bytes → uvarint 2 bytes.
        let ts: [Int64] = (0..<1000).map { $0 % 2 == 0 ? Int64($0) : Int64($0) << 61 }
        let block = try encodeBlock(ts, Array(repeating: 1.0, count: 1000))
        #expect(Array(block[0..<3]) == [0x00] + hex("c1 3e"))  // 8001 = 0x1F41 → c1 3e
        let (decodedTS, values) = try decodeBlock(block, as: Double.self)
        #expect(decodedTS == ts)
        #expect(values == Array(repeating: 1.0, count: 1000))
    }

    @Test func appendsToExistingBuffers() throws {
        var out: [UInt8] = [0xAA]
        try Block.encode(timestamps: [1, 2, 3], values: [true, false, true], into: &out)
        #expect(out.first == 0xAA)
        var ts: [Int64] = [-1]
        var vs: [Bool] = [false]
        try Array(out.dropFirst()).withUnsafeBytes { try Block.decode($0, timestamps: &ts, values: &vs) }
        #expect(ts == [-1, 1, 2, 3])
        #expect(vs == [false, true, false, true])
    }

    @Test func encodeErrors() {
        #expect(throws: EncodingError.emptyBlock) { try encodeBlock([], [Int64]()) }
        #expect(throws: EncodingError.countMismatch(timestamps: 2, values: 1)) { try encodeBlock([1, 2], [Int64(1)]) }
    }

    @Test func typeAndCount() throws {
        let block = try encodeBlock([1, 2, 4], ["x", "y", "z"])
        let type = try block.withUnsafeBytes { try Block.type(of: $0) }
        #expect(type == .string)
        #expect(try blockCount(block) == 3)
        #expect(throws: EncodingError.blockTypeMismatch(expected: .integer, found: .string)) {
            try decodeBlock(block, as: Int64.self)
        }
        #expect(throws: EncodingError.unknownBlockType(5)) { try decodeBlock([5, 0], as: Int64.self) }
        #expect(throws: EncodingError.truncated(.block)) { try decodeBlock([], as: Int64.self) }
    }

    @Test func sectionsMustAgree() throws {
        // Timestamps for 3 points, integer values for 2.
        var block: [UInt8] = [1]
        var ts: [UInt8] = []
        TimestampEncoding.encode([1, 2, 3], into: &ts)
        UVarint.append(UInt64(ts.count), to: &block)
        block += ts
        IntegerEncoding.encode([5, 6], into: &block)
        #expect(throws: EncodingError.countMismatch(timestamps: 3, values: 2)) {
            try decodeBlock(block, as: Int64.self)
        }
    }

    /// Blocks of every type and encoding path, used by the corruption tests.
    static func sampleBlocks() throws -> [(String, [UInt8])] {
        let ts1000 = (0..<1000).map { Int64(1_700_000_000_000_000_000) + Int64($0) * 10_000_000_000 }
        let jitter = (0..<300).map { Int64($0) * 1_000 + Int64(($0 * 37) % 11) }
        return [
            ("float", try encodeBlock(ts1000, (0..<1000).map { Double($0 % 97) * 0.25 })),
            ("float-one", try encodeBlock([5], [3.25])),
            ("int-s8b", try encodeBlock(jitter, (0..<300).map { Int64(($0 * 7919) % 1013) })),
            ("int-rle", try encodeBlock(ts1000, (0..<1000).map { Int64($0) * 3 })),
            ("int-raw", try encodeBlock([1, 5, 6], [Int64.min, .max, 0])),
            ("ts-raw", try encodeBlock([0, 1 << 61, (1 << 61) + 3], [Int64(1), 2, 3])),
            ("unsigned", try encodeBlock(jitter, (0..<300).map { UInt64($0) * 1_000_000 })),
            ("bool", try encodeBlock(jitter, (0..<300).map { $0 % 3 == 0 })),
            ("string", try encodeBlock(jitter, (0..<300).map { "value-\($0 % 13)-é" })),
        ]
    }

    static func decodeAny(_ block: [UInt8]) throws {
        switch block.first {
        case 0: _ = try decodeBlock(block, as: Double.self)
        case 1: _ = try decodeBlock(block, as: Int64.self)
        case 2: _ = try decodeBlock(block, as: Bool.self)
        case 3: _ = try decodeBlock(block, as: String.self)
        default: _ = try decodeBlock(block, as: UInt64.self)
        }
    }

    @Test func truncationAtEveryByteThrows() throws {
        for (name, block) in try Self.sampleBlocks() {
            try Self.decodeAny(block)  // the intact block decodes
            for cut in 0..<block.count {
                #expect(throws: EncodingError.self, "\(name) cut at \(cut)") {
                    try Self.decodeAny(Array(block[0..<cut]))
                }
            }
        }
    }

    @Test func flippedBytesNeverCrash() throws {
        // Any outcome but a crash is acceptable: a flipped mantissa bit still decodes.
        var rng = SeededRandom(seed: 6)
        for (_, block) in try Self.sampleBlocks() {
            for position in 0..<block.count {
                var damaged = block
                damaged[position] ^= UInt8.random(in: 1...255, using: &rng)
                _ = try? Self.decodeAny(damaged)
            }
            for _ in 0..<200 {
                var damaged = block
                for _ in 0..<4 {
                    damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                _ = try? Self.decodeAny(damaged)
            }
        }
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<3000 {
            let n = Int.random(in: 0...64, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !bytes.isEmpty { bytes[0] = UInt8.random(in: 0...5, using: &rng) }
            _ = try? Self.decodeAny(bytes)
        }
    }

    @Test func randomBlocksRoundTrip() throws {
        var rng = SeededRandom(seed: 9)
        for _ in 0..<100 {
            let n = Int.random(in: 1...1000, using: &rng)
            var t = Int64.random(in: 0...(1 << 62), using: &rng)
            let ts: [Int64] = (0..<n).map { _ in
                t += Int64.random(in: 1...5, using: &rng) * 1_000_000_000
                return t
            }
            let ints = (0..<n).map { _ in Int64.random(in: -1_000_000...1_000_000, using: &rng) }
            let floats = ints.map { Double($0) / 7 }
            let (t1, v1) = try decodeBlock(try encodeBlock(ts, ints), as: Int64.self)
            #expect(t1 == ts && v1 == ints)
            let (t2, v2) = try decodeBlock(try encodeBlock(ts, floats), as: Double.self)
            #expect(t2 == ts && v2 == floats)
        }
    }
}
