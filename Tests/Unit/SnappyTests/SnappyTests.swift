import Snappy
import Testing

@Suite struct SnappyTests {
    static let inputs: [[UInt8]] = [
        [],
        [0x61],
        Array("hello hello hello hello hello hello".utf8),
        Array(repeating: 0, count: 100_000),  // two 64 KiB pieces for the Go encoder
        (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) },  // incompressible
        Array(String(repeating: "INFO request id=42 path=/api/v1/items status=200\n", count: 300).utf8),
    ]

    @Test(arguments: Self.inputs)
    func libsnappyRoundTrip(_ input: [UInt8]) throws {
        let compressed = Snappy.compress(input)
        #expect(compressed.count <= Snappy.maxCompressedLength(input.count))
        #expect(try Snappy.decompressedLength(compressed) == input.count)
        #expect(try Snappy.decompress(compressed) == input)
    }

    @Test(arguments: Self.inputs)
    func goCompatibleOutputIsValidSnappy(_ input: [UInt8]) throws {
        let compressed = Snappy.compressGoCompatible(input)
        #expect(try Snappy.decompress(compressed) == input)
    }

    @Test func goCompatibleKnownAnswers() {
        // Under 17 bytes: uvarint length, then a single literal (tag (n − 1) << 2).
        #expect(Snappy.compressGoCompatible([]) == [0x00])
        #expect(Snappy.compressGoCompatible([0x61, 0x62]) == [0x02, 0x04, 0x61, 0x62])
        // 20 × "a": literal "a" (00 61), then at s = 1 the match against offset 1 runs to the
        // end: length 19 < 68, ≥ 12 → copy-2: tag (19 − 1) << 2 | 2 = 0x4a, offset 01 00.
        #expect(
            Snappy.compressGoCompatible(Array(repeating: 0x61, count: 20))
                == [0x14, 0x00, 0x61, 0x4A, 0x01, 0x00])
    }

    @Test func appendVariants() throws {
        var out: [UInt8] = [1, 2, 3]
        let input: [UInt8] = Array("abcabcabcabcabcabcabcabc".utf8)
        input.withUnsafeBytes { Snappy.compress($0, appendingTo: &out) }
        #expect(Array(out.prefix(3)) == [1, 2, 3])
        var plain: [UInt8] = [9]
        try Array(out.dropFirst(3)).withUnsafeBytes { try Snappy.decompress($0, appendingTo: &plain) }
        #expect(plain == [9] + input)
    }

    @Test func invalidInputThrows() {
        #expect(throws: SnappyError.invalidInput) { try Snappy.decompress([]) }
        #expect(throws: SnappyError.invalidInput) { try Snappy.decompress([0x05, 0x10, 0x61]) }
        #expect(throws: SnappyError.invalidInput) { try Snappy.decompress([0x00, 0x00]) }
        // A copy before the start of the output.
        #expect(throws: SnappyError.invalidInput) { try Snappy.decompress([0x04, 0x0D, 0x05]) }
        #expect(throws: SnappyError.tooLarge(1 << 30)) {
            try Snappy.decompress([0x80, 0x80, 0x80, 0x80, 0x04], maxLength: 1 << 20)
        }
    }

    @Test func truncationNeverCrashes() {
        let compressed = Snappy.compressGoCompatible(Self.inputs[5])
        for cut in 0..<compressed.count {
            #expect(throws: SnappyError.self) { try Snappy.decompress(Array(compressed[0..<cut])) }
        }
    }
}
