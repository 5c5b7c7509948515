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

    /// A header announcing more than 64 bytes per 3 of input cannot be a valid block: it is
    /// refused before anything is allocated (found by tools/fuzz/wal: a WAL entry of 68 bytes
    /// made replay allocate and zero the 16.8 MB its header announced before failing).
    @Test func impossibleLengthIsRefusedUpFront() {
        // uvarint 16,765,870 and four bytes of body.
        let header: [UInt8] = [0xAE, 0xA7, 0xFF, 0x07, 0x0F, 0x63, 0x70, 0x75]
        #expect(throws: SnappyError.invalidInput) { try Snappy.decompress(header, maxLength: .max) }
        // Just under the bound stays a length the body can reach (and then fails on the body).
        let plausible: [UInt8] = [22 * 5, 0x00, 0x61, 0x61, 0x61]
        #expect(throws: SnappyError.invalidInput) { try Snappy.decompress(plausible) }
        #expect(SnappyError.invalidInput.description == "corrupt input")
        // The largest expansion there is: one literal then 3-byte copies of 64 bytes each.
        var block: [UInt8] = []
        var body: [UInt8] = [0x00, 0x61]  // literal "a"
        for _ in 0..<100 { body += [0xFE, 0x01, 0x00] }  // copy 64 bytes at offset 1
        var n = 1 + 100 * 64
        while n >= 0x80 { block.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
        block.append(UInt8(n))
        block += body
        #expect((try? Snappy.decompress(block))?.count == 6_401)
    }
}
