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

        /// The input ended before what was being read (more of it might have made it good).
        public var isEndOfInput: Bool { description == Self.eof.description || description == Self.unexpectedEOF.description }
    }

    /// Checks the first member's header only — what Go's `gzip.NewReader` does before any read.
    public static func checkHeader(_ body: ByteBuffer) throws(Failure) {
        var copy = body
        _ = try readHeader(&copy, first: true)
    }

    /// Whether `start`, the start of a body, is enough for ``checkHeader(_:)`` to decide.
    public static func headerIsDecided(_ start: ByteBuffer) -> Bool {
        do { try checkHeader(start) } catch { return !error.isEndOfInput }
        return true
    }

    /// Inflates every member of `body`.
    public static func decode(_ body: ByteBuffer) throws(Failure) -> ByteBuffer {
        // Without a limit there is always an answer.
        try decode(body, limit: nil)!
    }

    /// Inflates every member of `body`, or answers nil as soon as the output passes `limit`
    /// bytes: a small body can inflate a thousandfold (a gzip bomb), so inflating stops at the
    /// limit rather than after the whole output has been made.
    public static func decode(_ body: ByteBuffer, limit: Int?) throws(Failure) -> ByteBuffer? {
        var input = body
        var output = ByteBuffer()
        var first = true
        while first || input.readableBytes > 0 {
            try readHeader(&input, first: first)
            first = false
            let start = input.readerIndex
            let outputStart = output.writerIndex
            do {
                guard try inflateMember(&input, into: &output, limit: limit) else { return nil }
            } catch {
                throw Failure(description: "flate: corrupt input before offset \(input.readerIndex - start)")
            }
            guard let crc = input.readInteger(endianness: .little, as: UInt32.self),
                  let size = input.readInteger(endianness: .little, as: UInt32.self) else {
                throw .unexpectedEOF
            }
            // The output is never read from, so its offsets are indices of its bytes.
            let actual = output.withUnsafeReadableBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[outputStart...])) }
            guard crc == actual, size == UInt32(truncatingIfNeeded: output.writerIndex - outputStart) else {
                throw .invalidChecksum
            }
        }
        return output
    }

    /// Inflates one member's deflate data onto `output`, a window at a time; false once
    /// `output` holds more than `limit` bytes (what is left of the member is not inflated).
    private static func inflateMember(_ input: inout ByteBuffer, into output: inout ByteBuffer, limit: Int?) throws -> Bool {
        let decompressor = CompressionAlgorithm.deflate().decompressor
        try decompressor.startStream()
        defer { try? decompressor.finishStream() }
        var window = ByteBuffer()
        window.reserveCapacity(windowSize)
        while true {
            window.clear()
            var finished = true
            do {
                try input.decompressStream(to: &window, with: decompressor)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                finished = false  // the window is full: more to come
            }
            if let limit, output.readableBytes + window.readableBytes > limit { return false }
            output.writeBuffer(&window)
            if finished { return true }
        }
    }

    /// How much is inflated at a time: the most a limited decode holds past its limit.
    static let windowSize = 1 << 16

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
