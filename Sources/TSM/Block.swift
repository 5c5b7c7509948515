/// The value type a TSM block holds — its first byte.
public enum BlockType: UInt8, Sendable, CaseIterable {
    /// `float64` values, Gorilla-compressed.
    case float = 0
    /// `int64` values, ZigZag deltas.
    case integer = 1
    /// Bit-packed booleans.
    case boolean = 2
    /// Snappy-compressed strings.
    case string = 3
    /// `uint64` values, coded as their `int64` bit patterns.
    case unsigned = 4
}

/// A value type that can be stored in a TSM block. Each conformance names its block type and
/// its value-section codec; ``Block`` does the rest once for all of them.
public protocol TSMValue: Sendable {
    /// The block type byte for blocks of this value type.
    static var blockType: BlockType { get }
    /// Appends the encoded value section for `values` to `out`, making `flavor`'s choices.
    static func encodeValues(
        _ values: UnsafeBufferPointer<Self>, flavor: EncoderFlavor, into out: inout [UInt8]
    ) throws(EncodingError)
    /// Decodes a value section, appending the values to `out`.
    static func decodeValues(_ data: UnsafeRawBufferPointer, into out: inout [Self]) throws(EncodingError)
}

/// Float blocks (type 0): values via ``FloatEncoding``.
extension Double: TSMValue {
    public static var blockType: BlockType { .float }
    public static func encodeValues(
        _ values: UnsafeBufferPointer<Double>, flavor: EncoderFlavor, into out: inout [UInt8]
    ) throws(EncodingError) {
        try FloatEncoding.encode(values, flavor: flavor, into: &out)
    }
    public static func decodeValues(_ data: UnsafeRawBufferPointer, into out: inout [Double]) throws(EncodingError) {
        try FloatEncoding.decode(data, into: &out)
    }
}

/// Integer blocks (type 1): values via ``IntegerEncoding``.
extension Int64: TSMValue {
    public static var blockType: BlockType { .integer }
    public static func encodeValues(
        _ values: UnsafeBufferPointer<Int64>, flavor: EncoderFlavor, into out: inout [UInt8]
    ) {
        IntegerEncoding.encode(values, flavor: flavor, into: &out)
    }
    public static func decodeValues(_ data: UnsafeRawBufferPointer, into out: inout [Int64]) throws(EncodingError) {
        try IntegerEncoding.decode(data, into: &out)
    }
}

/// Unsigned blocks (type 4): values via ``IntegerEncoding`` on the bit patterns.
extension UInt64: TSMValue {
    public static var blockType: BlockType { .unsigned }
    public static func encodeValues(
        _ values: UnsafeBufferPointer<UInt64>, flavor: EncoderFlavor, into out: inout [UInt8]
    ) {
        IntegerEncoding.encode(values, flavor: flavor, into: &out)
    }
    public static func decodeValues(_ data: UnsafeRawBufferPointer, into out: inout [UInt64]) throws(EncodingError) {
        try IntegerEncoding.decode(data, into: &out)
    }
}

/// Boolean blocks (type 2): values via ``BooleanEncoding``.
extension Bool: TSMValue {
    public static var blockType: BlockType { .boolean }
    public static func encodeValues(
        _ values: UnsafeBufferPointer<Bool>, flavor: EncoderFlavor, into out: inout [UInt8]
    ) {
        BooleanEncoding.encode(values, flavor: flavor, into: &out)
    }
    public static func decodeValues(_ data: UnsafeRawBufferPointer, into out: inout [Bool]) throws(EncodingError) {
        try BooleanEncoding.decode(data, into: &out)
    }
}

/// String blocks (type 3): values via ``StringEncoding``.
extension String: TSMValue {
    public static var blockType: BlockType { .string }
    public static func encodeValues(
        _ values: UnsafeBufferPointer<String>, flavor: EncoderFlavor, into out: inout [UInt8]
    ) {
        StringEncoding.encode(values, into: &out)
    }
    public static func decodeValues(_ data: UnsafeRawBufferPointer, into out: inout [String]) throws(EncodingError) {
        try StringEncoding.decode(data, into: &out)
    }
}

/// A TSM block (InfluxDB 1.x `encoding.go`): the payload that follows the CRC in a `.tsm` file.
///
/// ```
/// ┌──────┬──────────────────┬────────────────────┬──────────────────┐
/// │ type │ uvarint(tsLen)   │ timestamps (tsLen) │ values (the rest)│
/// │ 1 B  │ 1–10 B           │                    │                  │
/// └──────┴──────────────────┴────────────────────┴──────────────────┘
/// ```
public enum Block {
    /// Appends one block holding `timestamps` and `values` to `out`.
    ///
    /// `flavor` picks which 1.x encoder implementation to match byte for byte; the default,
    /// ``EncoderFlavor/streaming``, is what influxd writes when it snapshots its cache.
    ///
    /// - Throws: ``EncodingError/emptyBlock`` for no points,
    ///   ``EncodingError/countMismatch(timestamps:values:)`` if the counts differ, or the value
    ///   codec's error (NaN floats). On error `out` is unchanged.
    public static func encode<V: TSMValue>(
        timestamps: UnsafeBufferPointer<Int64>, values: UnsafeBufferPointer<V>,
        flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) throws(EncodingError) {
        guard timestamps.count == values.count else {
            throw .countMismatch(timestamps: timestamps.count, values: values.count)
        }
        guard !values.isEmpty else { throw .emptyBlock }
        let start = out.count
        out.append(V.blockType.rawValue)
        let tsStart = out.count
        TimestampEncoding.encode(timestamps, flavor: flavor, into: &out)
        // The length prefix is only known now; slide it in front of the section (a short memmove
        // of at most ~8 KB, cheaper than a temporary buffer).
        let tsLength = UInt64(out.count - tsStart)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: UVarint.maxLength) { scratch in
            var v = tsLength
            var k = 0
            while v >= 0x80 {
                scratch[k] = UInt8(truncatingIfNeeded: v) | 0x80
                v >>= 7
                k += 1
            }
            scratch[k] = UInt8(v)
            out.insert(contentsOf: UnsafeBufferPointer(rebasing: scratch[0...k]), at: tsStart)
        }
        do throws(EncodingError) {
            try V.encodeValues(values, flavor: flavor, into: &out)
        } catch {
            out.removeSubrange(start...)
            throw error
        }
    }

    /// Appends one block holding `timestamps` and `values` to `out`.
    public static func encode<V: TSMValue>(
        timestamps: [Int64], values: [V], flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) throws(EncodingError) {
        let r: Result<Void, EncodingError> = timestamps.withUnsafeBufferPointer { ts in
            values.withUnsafeBufferPointer { vs in
                do throws(EncodingError) {
                    try encode(timestamps: ts, values: vs, flavor: flavor, into: &out)
                    return .success(())
                } catch { return .failure(error) }
            }
        }
        try r.get()
    }

    /// The type byte of `block`.
    public static func type(of block: UnsafeRawBufferPointer) throws(EncodingError) -> BlockType {
        guard let byte = block.first else { throw .truncated(.block) }
        guard let type = BlockType(rawValue: byte) else { throw .unknownBlockType(byte) }
        return type
    }

    /// Splits `block` into its type, timestamp section and value section (views into `block`).
    public static func sections(
        of block: UnsafeRawBufferPointer
    ) throws(EncodingError) -> (type: BlockType, timestamps: UnsafeRawBufferPointer, values: UnsafeRawBufferPointer) {
        let type = try type(of: block)
        var offset = 1
        let tsLength = try UVarint.read(block, at: &offset, section: .block)
        guard tsLength <= UInt64(block.count - offset) else { throw .truncated(.block) }
        let tsEnd = offset + Int(tsLength)
        return (
            type,
            UnsafeRawBufferPointer(rebasing: block[offset..<tsEnd]),
            UnsafeRawBufferPointer(rebasing: block[tsEnd...])
        )
    }

    /// Number of points in `block`, read from its timestamp section without decoding values.
    public static func count(of block: UnsafeRawBufferPointer) throws(EncodingError) -> Int {
        try TimestampEncoding.count(sections(of: block).timestamps)
    }

    /// Decodes `block`, appending its points to `timestamps` and `values`.
    ///
    /// - Throws: ``EncodingError/blockTypeMismatch(expected:found:)`` if the block holds another
    ///   type, ``EncodingError/countMismatch(timestamps:values:)`` if the sections disagree (1.x
    ///   silently returns the shorter), or any section error. On error both arrays are unchanged.
    public static func decode<V: TSMValue>(
        _ block: UnsafeRawBufferPointer, timestamps: inout [Int64], values: inout [V]
    ) throws(EncodingError) {
        let (type, tsBytes, valueBytes) = try sections(of: block)
        guard type == V.blockType else { throw .blockTypeMismatch(expected: V.blockType, found: type) }
        let tsStart = timestamps.count
        let valueStart = values.count
        do throws(EncodingError) {
            try TimestampEncoding.decode(tsBytes, into: &timestamps)
            try V.decodeValues(valueBytes, into: &values)
            let nt = timestamps.count - tsStart
            let nv = values.count - valueStart
            guard nt == nv else { throw .countMismatch(timestamps: nt, values: nv) }
        } catch {
            timestamps.removeSubrange(tsStart...)
            values.removeSubrange(valueStart...)
            throw error
        }
    }

    /// Decodes `block`, appending its points to `timestamps` and `values`.
    public static func decode<V: TSMValue>(
        _ block: [UInt8], timestamps: inout [Int64], values: inout [V]
    ) throws(EncodingError) {
        let r: Result<Void, EncodingError> = block.withUnsafeBytes { p in
            do throws(EncodingError) {
                try decode(p, timestamps: &timestamps, values: &values)
                return .success(())
            } catch { return .failure(error) }
        }
        try r.get()
    }
}
