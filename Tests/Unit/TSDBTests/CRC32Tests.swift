import Checksum
import Testing

/// CRC-32 (IEEE) through zlib: the standard check value, a running CRC over pieces, empty input.
@Suite struct CRC32Tests {
    @Test(arguments: [("123456789", UInt32(0xCBF4_3926)), ("", 0), ("a", 0xE8B7_BE43)])
    func checkValues(text: String, crc: UInt32) {
        #expect(Array(text.utf8).withUnsafeBytes { CRC32.checksum($0) } == crc)
    }

    @Test func runningCRCOverPieces() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = bytes.withUnsafeBytes { CRC32.checksum($0) }
        var running: UInt32 = 0
        for chunk in stride(from: 0, to: bytes.count, by: 777) {
            running = bytes[chunk..<min(chunk + 777, bytes.count)].withUnsafeBytes { CRC32.checksum($0, continuing: running) }
        }
        #expect(running == whole)
    }
}
