import Testing

@testable import TSM

@Suite struct VarintTests {
    // LEB128: 7 bits per byte, low group first, continuation bit 0x80.
    @Test(arguments: [
        (UInt64(0), "00"),
        (1, "01"),
        (127, "7f"),
        (128, "80 01"),  // 128 = 0b1_0000000 → low group 0 with continuation, then 1
        (300, "ac 02"),  // 300 = 0b10_0101100 → 0x2c|0x80, 0x02
        (1000, "e8 07"),
        (UInt64.max, "ff ff ff ff ff ff ff ff ff 01"),  // 64 bits = 9×7 + 1
    ])
    func knownAnswers(value: UInt64, expected: String) throws {
        var out: [UInt8] = []
        UVarint.append(value, to: &out)
        #expect(out == hex(expected))
        #expect(UVarint.length(of: value) == out.count)
        var offset = 0
        let back = try out.withUnsafeBytes { try UVarint.read($0, at: &offset) }
        #expect(back == value)
        #expect(offset == out.count)
    }

    @Test func malformed() {
        // Truncated: continuation bit on the last byte.
        #expect(throws: EncodingError.truncated(.varint)) {
            var offset = 0
            _ = try hex("80 80").withUnsafeBytes { try UVarint.read($0, at: &offset) }
        }
        // Overflow: a 10th byte above 1, or an 11th byte.
        #expect(throws: EncodingError.varintOverflow) {
            var offset = 0
            _ = try hex("ff ff ff ff ff ff ff ff ff 02").withUnsafeBytes { try UVarint.read($0, at: &offset) }
        }
        #expect(throws: EncodingError.varintOverflow) {
            var offset = 0
            _ = try hex("ff ff ff ff ff ff ff ff ff ff 01").withUnsafeBytes { try UVarint.read($0, at: &offset) }
        }
    }

    @Test func zigzag() {
        let table: [(Int64, UInt64)] = [(0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4), (.max, .max - 1), (.min, .max)]
        for (signed, unsigned) in table {
            #expect(ZigZag.encode(signed) == unsigned)
            #expect(ZigZag.decode(unsigned) == signed)
        }
    }
}
