import CSnappy

/// Errors raised by ``Snappy`` decompression.
public enum SnappyError: Error, Equatable, Sendable {
    /// The input is not a valid Snappy block (bad varint header, bad tag, offset before the start, …).
    case invalidInput
    /// The decompressed length announced in the header exceeds the caller's limit or `Int`.
    case tooLarge(UInt64)
    /// The compressor reported that the output buffer was too small (an internal invariant broke).
    case bufferTooSmall
}

extension SnappyError: CustomStringConvertible {
    /// Go's snappy texts, without their `snappy: ` prefix (what 1.x's errors print).
    public var description: String {
        switch self {
        case .invalidInput: "corrupt input"
        case .tooLarge: "decoded block is too large"
        case .bufferTooSmall: "output buffer too small"
        }
    }
}

/// Snappy *block* format (not the framed stream format), as used by InfluxDB 1.x for TSM string
/// blocks and WAL segments.
///
/// Two compressors are offered:
/// - ``compress(_:)`` calls the C++ libsnappy — fastest, and what any Snappy reader accepts.
/// - ``compressGoCompatible(_:appendingTo:)`` reproduces `github.com/golang/snappy`'s `Encode` bit for
///   bit. InfluxDB 1.x compresses with the Go library, whose match-finding differs from the
///   C++ one, so only this variant yields files byte-identical to influxd's.
///
/// Decompression always goes through libsnappy, which validates its input.
public enum Snappy {
    /// The default upper bound on a decompressed size (256 MiB): guards against a corrupt or
    /// hostile header making us allocate gigabytes.
    public static let defaultMaxDecompressedLength = 256 << 20

    // MARK: Compression (libsnappy)

    /// Worst-case compressed size for `length` input bytes.
    public static func maxCompressedLength(_ length: Int) -> Int {
        snappy_max_compressed_length(length)
    }

    /// Compresses `input` with libsnappy and returns a new buffer.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        compress(input, appendingTo: &out)
        return out
    }

    /// Compresses `input` with libsnappy.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }

    /// Compresses `input` with libsnappy, appending the block to `out` (no temporary buffer).
    public static func compress(_ input: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) {
        let bound = snappy_max_compressed_length(input.count)
        let start = out.count
        // Grow by the worst case, compress in place, then trim to the real size.
        out.append(contentsOf: repeatElement(0, count: bound))
        var written = bound
        let status = out.withUnsafeMutableBytes { dst -> snappy_status in
            let base = dst.baseAddress!.advanced(by: start).assumingMemoryBound(to: CChar.self)
            let src = input.baseAddress?.assumingMemoryBound(to: CChar.self)
            // libsnappy tolerates a null pointer only when the length is zero; hand it a valid one.
            if let src {
                return snappy_compress(src, input.count, base, &written)
            }
            var empty: CChar = 0
            return snappy_compress(&empty, 0, base, &written)
        }
        // With a worst-case-sized buffer libsnappy cannot fail.
        precondition(status == SNAPPY_OK, "snappy_compress failed with a worst-case buffer")
        out.removeLast(bound - written)
    }

    // MARK: Decompression (libsnappy)

    /// Reads the uncompressed length from a Snappy block header without decompressing.
    public static func decompressedLength(_ input: UnsafeRawBufferPointer) throws(SnappyError) -> Int {
        guard let base = input.baseAddress, input.count > 0 else { throw .invalidInput }
        var length = 0
        let status = snappy_uncompressed_length(
            base.assumingMemoryBound(to: CChar.self), input.count, &length)
        guard status == SNAPPY_OK else { throw .invalidInput }
        return length
    }

    /// Reads the uncompressed length from a Snappy block header.
    public static func decompressedLength(_ input: [UInt8]) throws(SnappyError) -> Int {
        try withBytes(input) { (p) throws(SnappyError) in try decompressedLength(p) }
    }

    /// The most a Snappy block's bytes can expand to, per byte: a copy with a 2-byte offset
    /// takes 3 bytes for at most 64 (every other element expands less).
    static let maxExpansion = 22

    /// Decompresses a Snappy block into a new buffer.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, maxLength: Int = defaultMaxDecompressedLength
    ) throws(SnappyError) -> [UInt8] {
        var out: [UInt8] = []
        try decompress(input, appendingTo: &out, maxLength: maxLength)
        return out
    }

    /// Decompresses a Snappy block into a new buffer.
    public static func decompress(
        _ input: [UInt8], maxLength: Int = defaultMaxDecompressedLength
    ) throws(SnappyError) -> [UInt8] {
        try withBytes(input) { (p) throws(SnappyError) in try decompress(p, maxLength: maxLength) }
    }

    /// Decompresses a Snappy block, appending the result to `out`. On error `out` is unchanged.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, appendingTo out: inout [UInt8],
        maxLength: Int = defaultMaxDecompressedLength
    ) throws(SnappyError) {
        let length = try decompressedLength(input)
        guard length <= maxLength else { throw .tooLarge(UInt64(length)) }
        // No block expands more than 64 bytes per 3 (a 3-byte copy of 64): a header announcing
        // more than that is corrupt, and must not make us allocate it.
        guard length / maxExpansion <= input.count else { throw .invalidInput }
        if length == 0 {
            // Nothing to write; still reject a malformed body after a zero-length header.
            let status = snappy_validate_compressed_buffer(
                input.baseAddress!.assumingMemoryBound(to: CChar.self), input.count)
            guard status == SNAPPY_OK else { throw .invalidInput }
            return
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: length))
        var written = length
        let status = out.withUnsafeMutableBytes { dst -> snappy_status in
            snappy_uncompress(
                input.baseAddress!.assumingMemoryBound(to: CChar.self), input.count,
                dst.baseAddress!.advanced(by: start).assumingMemoryBound(to: CChar.self), &written)
        }
        guard status == SNAPPY_OK, written == length else {
            out.removeLast(length)
            throw status == SNAPPY_BUFFER_TOO_SMALL ? .bufferTooSmall : .invalidInput
        }
    }

    /// Calls `body` with the bytes of `array` (a non-null pointer even when empty).
    private static func withBytes<R>(
        _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(SnappyError) -> R
    ) throws(SnappyError) -> R {
        let result: Result<R, SnappyError> = array.withUnsafeBytes { p in
            do throws(SnappyError) { return .success(try body(p)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
