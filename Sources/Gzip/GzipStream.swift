import Checksum
import CompressNIO
import NIOCore

/// Multi-member gzip streams with the errors Go's `compress/gzip` reports, which 1.x returns
/// verbatim (`EOF`, `unexpected EOF`, `gzip: invalid header`, `gzip: invalid checksum`): gzip
/// request bodies and v3/v4 tombstone files.
///
/// zlib inflates the raw deflate data; the member framing (header, CRC-32, size, further
/// members) is checked here so each failure gets Go's text.
public enum GzipStream {
    /// A decoding failure, with Go's text.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        static let eof = Failure(description: "EOF")
        static let unexpectedEOF = Failure(description: "unexpected EOF")
        static let invalidHeader = Failure(description: "gzip: invalid header")
        static let invalidChecksum = Failure(description: "gzip: invalid checksum")
    }

    /// Checks the first member's header only — what Go's `gzip.NewReader` does before any read.
    public static func checkHeader(_ body: ByteBuffer) throws(Failure) {
        var copy = body
        _ = try readHeader(&copy, first: true)
    }

    /// Inflates every member of `body`.
    public static func decode(_ body: ByteBuffer) throws(Failure) -> ByteBuffer {
        var input = body
        var output = ByteBuffer()
        var first = true
        while first || input.readableBytes > 0 {
            try readHeader(&input, first: first)
            first = false
            let start = input.readerIndex
            var inflated: ByteBuffer
            do {
                inflated = try input.decompress(with: .deflate())
            } catch {
                throw Failure(description: "flate: corrupt input before offset \(input.readerIndex - start)")
            }
            guard let crc = input.readInteger(endianness: .little, as: UInt32.self),
                  let size = input.readInteger(endianness: .little, as: UInt32.self) else {
                throw .unexpectedEOF
            }
            let actual = inflated.withUnsafeReadableBytes { CRC32.checksum($0) }
            guard crc == actual, size == UInt32(truncatingIfNeeded: inflated.readableBytes) else {
                throw .invalidChecksum
            }
            output.writeBuffer(&inflated)
        }
        return output
    }

    /// One gzip member holding `bytes` (what Go's `gzip.Writer` produces for one Close).
    public static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        // Compressing an in-memory buffer cannot fail short of memory exhaustion.
        guard let compressed = try? input.compress(with: .gzip()) else { fatalError("gzip compression failed") }
        return Array(compressed.readableBytesView)
    }

    private static func readHeader(_ input: inout ByteBuffer, first: Bool) throws(Failure) {
        guard input.readableBytes >= 10 else { throw input.readableBytes == 0 && first ? .eof : .unexpectedEOF }
        let header = input.readBytes(length: 10)!
        guard header[0] == 0x1F, header[1] == 0x8B, header[2] == 8 else { throw .invalidHeader }
        let flags = header[3]
        if flags & 0x04 != 0 {  // FEXTRA
            guard let length = input.readInteger(endianness: .little, as: UInt16.self),
                  input.readSlice(length: Int(length)) != nil else { throw .unexpectedEOF }
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: NUL-terminated
            guard let end = input.readableBytesView.firstIndex(of: 0) else { throw .unexpectedEOF }
            input.moveReaderIndex(to: end + 1)
        }
        if flags & 0x02 != 0 {  // FHCRC
            guard input.readInteger(as: UInt16.self) != nil else { throw .unexpectedEOF }
        }
    }
}
