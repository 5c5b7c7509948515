/// Unsigned LEB128 varints, as Go's `encoding/binary.PutUvarint`/`Uvarint` write and read them:
/// 7 bits per byte, least-significant group first, high bit set on every byte but the last.
public enum UVarint {
    /// The longest encoding of a `UInt64` (10 bytes).
    public static let maxLength = 10

    /// Number of bytes `value` takes.
    @inlinable
    public static func length(of value: UInt64) -> Int {
        // 1 byte per started group of 7 bits; 0 still takes one byte.
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }

    /// Appends the encoding of `value` to `out`.
    @inlinable
    public static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Reads a uvarint at `offset` in `buffer`, advancing `offset` past it.
    ///
    /// Mirrors Go's rules: more than 10 bytes, or a 10th byte above 1, is an overflow.
    @inlinable
    public static func read(
        _ buffer: UnsafeRawBufferPointer, at offset: inout Int, section: EncodingError.Section = .varint
    ) throws(EncodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = offset
        while i < buffer.count {
            let byte = buffer[i]
            i += 1
            if byte < 0x80 {
                if shift == 63 && byte > 1 { throw .varintOverflow }
                offset = i
                return result | UInt64(byte) << shift
            }
            if shift == 63 { throw .varintOverflow }
            result |= UInt64(byte & 0x7F) << shift
            shift += 7
        }
        throw .truncated(section)
    }
}

/// Big-endian fixed-width helpers (TSM is big-endian throughout).
@usableFromInline
enum BigEndian {
    @inlinable
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// Loads 8 bytes at `offset`; the caller has checked the bounds.
    @inlinable
    static func load(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Appends any fixed-width integer, most significant byte first.
    @inlinable
    static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// Loads a `T` at `offset`; the caller has checked the bounds.
    @inlinable
    static func load<T: FixedWidthInteger>(_ buffer: UnsafeRawBufferPointer, at offset: Int, as: T.Type) -> T {
        T(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// ZigZag maps signed to unsigned so small magnitudes of either sign stay small:
/// 0, -1, 1, -2, … → 0, 1, 2, 3, …
public enum ZigZag {
    /// Encodes a signed value.
    @inlinable
    public static func encode(_ x: Int64) -> UInt64 {
        UInt64(bitPattern: (x &<< 1) ^ (x >> 63))
    }

    /// Decodes a value produced by ``encode(_:)``.
    @inlinable
    public static func decode(_ v: UInt64) -> Int64 {
        Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }
}

/// Runs `body` over the bytes of `array`, keeping the typed error (the standard library's
/// `withUnsafeBytes` only rethrows `any Error`).
@inlinable
func withBytes<R>(
    _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(EncodingError) -> R
) throws(EncodingError) -> R {
    let result: Result<R, EncodingError> = array.withUnsafeBytes { p in
        do throws(EncodingError) { return .success(try body(p)) } catch { return .failure(error) }
    }
    return try result.get()
}
