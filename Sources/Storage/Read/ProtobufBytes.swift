/// Protobuf wire-format helpers for the response frames, written straight to bytes: a Read
/// sends every point it reads, so frames are encoded without building messages first.
enum ProtobufBytes {
    /// Bytes of `v` as a varint (Go's `sov`).
    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int {
        (64 - (v | 1).leadingZeroBitCount + 6) / 7
    }

    @inline(__always)
    static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// A length-delimited field: its tag byte, the length, then the bytes.
    static func appendBytesField(_ tag: UInt8, _ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        out.append(tag)
        appendVarint(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    /// The size of a length-delimited field holding `length` bytes (one tag byte).
    @inline(__always)
    static func fieldSize(_ length: Int) -> Int { 1 + varintSize(UInt64(length)) + length }

    static func appendFixed64(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Packed 64-bit values (times, floats) in one copy: protobuf's fixed64 is little-endian,
    /// as the values already are in memory.
    static func appendFixed64s<T: BitwiseCopyable>(_ values: [T], to out: inout [UInt8]) {
        #if _endian(little)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        values.withUnsafeBytes { raw in
            for i in 0..<values.count { appendFixed64(raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self), to: &out) }
        }
        #endif
    }
}
