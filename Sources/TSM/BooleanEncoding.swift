/// The value section of boolean blocks (InfluxDB 1.x `bool.go`).
///
/// Layout: header `0x10`, `uvarint(count)`, then one bit per value packed most-significant bit
/// first, the last byte zero-padded. (1.x's encoder, given no values, would still emit one
/// padding byte; blocks are never empty, so that case never reaches a file.)
public enum BooleanEncoding {
    static let bitPacked: UInt8 = 1

    /// Appends the encoded section for `values` to `out`. The flavors differ only for no values
    /// (the streaming encoder adds a padding byte, the batch one does not).
    public static func encode(
        _ values: UnsafeBufferPointer<Bool>, flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) {
        let count = values.count
        out.reserveCapacity(out.count + 1 + UVarint.maxLength + (count + 7) / 8)
        out.append(bitPacked << 4)
        UVarint.append(UInt64(count), to: &out)
        guard count > 0 else {
            if flavor == .streaming { out.append(0) }  // 1.x's streaming flush of an empty byte
            return
        }
        var byte: UInt8 = 0
        var i = 0
        for v in values {
            byte = byte << 1 | (v ? 1 : 0)
            i += 1
            if i & 7 == 0 {
                out.append(byte)
                byte = 0
            }
        }
        if i & 7 != 0 { out.append(byte << UInt8(8 - i & 7)) }
    }

    /// Appends the encoded section for `values` to `out`.
    public static func encode(_ values: [Bool], flavor: EncoderFlavor = .streaming, into out: inout [UInt8]) {
        values.withUnsafeBufferPointer { encode($0, flavor: flavor, into: &out) }
    }

    /// Number of values in an encoded section.
    public static func count(_ data: UnsafeRawBufferPointer) throws(EncodingError) -> Int {
        guard let header = data.first else { return 0 }
        guard header >> 4 == bitPacked else { throw .unknownEncoding(.booleans, header >> 4) }
        var offset = 1
        let n = try UVarint.read(data, at: &offset, section: .booleans)
        guard n <= UInt64(TSMLimits.maxValuesPerBlock) else { throw .tooManyValues(n) }
        return Int(n)
    }

    /// Decodes a section, appending the values to `out`.
    ///
    /// Stricter than 1.x, which silently shortens the count to the bits present: a count larger
    /// than the payload is reported as truncation.
    public static func decode(_ data: UnsafeRawBufferPointer, into out: inout [Bool]) throws(EncodingError) {
        guard data.first != nil else { return }
        let n = try count(data)
        var offset = 1
        _ = try UVarint.read(data, at: &offset, section: .booleans)
        let payload = data.count - offset
        guard payload * 8 >= n else { throw .truncated(.booleans) }
        guard payload <= (n + 7) / 8 || (n == 0 && payload == 1) else { throw .trailingBytes(.booleans) }
        out.reserveCapacity(out.count + n)
        for i in 0..<n {
            let byte = data[offset + i >> 3]
            out.append(byte & (0x80 >> UInt8(i & 7)) != 0)
        }
    }

    /// Decodes a section, appending the values to `out`.
    public static func decode(_ data: [UInt8], into out: inout [Bool]) throws(EncodingError) {
        try withBytes(data) { (p) throws(EncodingError) in try decode(p, into: &out) }
    }
}
