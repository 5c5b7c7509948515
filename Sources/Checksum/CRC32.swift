import CZlib

/// CRC-32 (IEEE 802.3 polynomial, reflected), as gzip trailers and TSM blocks use it: zlib's
/// `crc32_z`, several times faster than a byte-at-a-time table (every TSM block a query reads
/// is checked).
public enum CRC32 {
    /// The CRC of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        checksum(bytes, continuing: 0)
    }

    /// The CRC of what `previous` was the CRC of, followed by `bytes` (a stream's running CRC).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return previous }
        return UInt32(truncatingIfNeeded: crc32_z(UInt(previous), base.assumingMemoryBound(to: UInt8.self), bytes.count))
    }
}
