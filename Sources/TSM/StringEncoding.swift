import Snappy

/// The value section of string blocks (InfluxDB 1.x `string.go`).
///
/// Layout: header `0x10`, then one Snappy block (the *block* format, not framed) of the
/// concatenation of `uvarint(byteLength) + UTF-8 bytes` for each value. Compression uses
/// ``Snappy/compressGoCompatible(_:appendingTo:)`` so the bytes match what influxd (Go snappy) writes.
public enum StringEncoding {
    static let snappyCompressed: UInt8 = 1

    /// Appends the encoded section for `values` to `out`.
    public static func encode(_ values: UnsafeBufferPointer<String>, into out: inout [UInt8]) {
        // Kept separate from the generic raw-bytes path: going through `String.UTF8View`
        // generically measured ~30% slower.
        var size = 0
        for v in values { size += v.utf8.count + UVarint.length(of: UInt64(v.utf8.count)) }
        var plain: [UInt8] = []
        plain.reserveCapacity(size)
        for v in values {
            UVarint.append(UInt64(v.utf8.count), to: &plain)
            plain.append(contentsOf: v.utf8)
        }
        out.append(snappyCompressed << 4)
        plain.withUnsafeBytes { Snappy.compressGoCompatible($0, appendingTo: &out) }
    }

    /// Appends the encoded section for values given as raw bytes. Go strings may hold any bytes;
    /// together with ``forEach(_:_:)`` this round-trips them exactly, where `String` would
    /// repair invalid UTF-8.
    public static func encode<S: Sequence>(rawValues values: S, into out: inout [UInt8])
    where S.Element: Collection<UInt8> {
        // One scratch buffer per block for the plain text Snappy compresses.
        var size = 0
        for v in values { size += v.count + UVarint.length(of: UInt64(v.count)) }
        var plain: [UInt8] = []
        plain.reserveCapacity(size)
        for v in values {
            UVarint.append(UInt64(v.count), to: &plain)
            plain.append(contentsOf: v)
        }
        out.append(snappyCompressed << 4)
        plain.withUnsafeBytes { Snappy.compressGoCompatible($0, appendingTo: &out) }
    }

    /// Appends the encoded section for `values` to `out`.
    public static func encode(_ values: [String], into out: inout [UInt8]) {
        values.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// Calls `body` with each value's raw bytes, without building `String`s (for scans that
    /// only compare bytes). Returns the number of values.
    @discardableResult
    public static func forEach(
        _ data: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(EncodingError) -> Int {
        guard let header = data.first else { return 0 }
        guard header >> 4 == snappyCompressed else { throw .unknownEncoding(.strings, header >> 4) }
        let payload = UnsafeRawBufferPointer(rebasing: data[1...])
        var plain: [UInt8] = []
        do throws(SnappyError) {
            try Snappy.decompress(payload, appendingTo: &plain, maxLength: Snappy.defaultMaxDecompressedLength)
        } catch {
            throw .snappy(error)
        }
        let result: Result<Int, EncodingError> = plain.withUnsafeBytes { bytes in
            var offset = 0
            var n = 0
            while offset < bytes.count {
                let length: UInt64
                do throws(EncodingError) { length = try UVarint.read(bytes, at: &offset, section: .strings) } catch {
                    return .failure(error)
                }
                guard length <= UInt64(bytes.count - offset) else { return .failure(.truncated(.strings)) }
                body(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)]))
                offset += Int(length)
                n += 1
                if n > TSMLimits.maxValuesPerBlock { return .failure(.tooManyValues(UInt64(n))) }
            }
            return .success(n)
        }
        return try result.get()
    }

    /// Decodes a section, appending the values to `out`. Invalid UTF-8 is repaired with U+FFFD,
    /// as Swift `String` requires (Go strings may hold any bytes).
    public static func decode(_ data: UnsafeRawBufferPointer, into out: inout [String]) throws(EncodingError) {
        let start = out.count
        do throws(EncodingError) {
            try forEach(data) { bytes in out.append(String(decoding: bytes, as: UTF8.self)) }
        } catch {
            out.removeSubrange(start...)
            throw error
        }
    }

    /// Decodes a section, appending the values to `out`.
    public static func decode(_ data: [UInt8], into out: inout [String]) throws(EncodingError) {
        try withBytes(data) { (p) throws(EncodingError) in try decode(p, into: &out) }
    }
}
