/// The value section of float blocks: Gorilla XOR compression as InfluxDB 1.x writes it
/// (`float.go`, derived from go-tsz).
///
/// Layout: header byte `0x10`, then a big-endian bit stream (most-significant bit first):
/// - the first value's 64 bits;
/// - per further value, XOR with the previous value:
///   - `0` — identical;
///   - `10` + the meaningful bits, reusing the previous leading/trailing-zero window;
///   - `11` + leading zeros (5 bits) + meaningful-bit count (6 bits; 0 means 64) + the bits;
/// - the end marker: the NaN bit pattern `0x7FF8000000000001` encoded like a value, then zero
///   padding to a byte boundary.
///
/// Quirks reproduced for byte identity: the leading-zero count is masked to 5 bits (so 33
/// leading zeros are written as 1, a valid but wider window); the previous window is reused
/// whenever the new XOR fits inside it. Because the marker is a NaN, NaN values cannot be stored:
/// encoding one throws ``EncodingError/nanNotSupported`` (1.x refuses them with an error too).
public enum FloatEncoding {
    static let gorilla: UInt8 = 1
    /// The end-of-stream marker (a quiet NaN with payload 1) — `math.NaN()` in Go.
    static let endMarker: UInt64 = 0x7FF8_0000_0000_0001

    /// Appends the encoded section for `values` to `out`.
    ///
    /// - Throws: ``EncodingError/nanNotSupported`` if any value is NaN; `out` is then unchanged.
    ///   With ``EncoderFlavor/batch`` also when the running sum of the values after the first
    ///   becomes NaN (+∞ and −∞ in one block): 1.8's batch encoder checks NaN that way.
    public static func encode(
        _ values: UnsafeBufferPointer<Double>, flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) throws(EncodingError) {
        for v in values where v.isNaN { throw .nanNotSupported }
        if flavor == .batch {
            var sum = 0.0
            for v in values.dropFirst() { sum += v }
            if sum.isNaN { throw .nanNotSupported }
        }
        out.reserveCapacity(out.count + 1 + 9 * values.count / 4 + 16)
        out.append(gorilla << 4)
        var writer = BitWriter()
        var previous: UInt64 = 0
        var leading = -1  // -1: no window yet
        var trailing = 0
        var first = true

        func write(_ bits: UInt64) {
            if first {
                first = false
                previous = bits
                writer.write(bits, count: 64, to: &out)
                return
            }
            let xor = bits ^ previous
            previous = bits
            if xor == 0 {
                writer.write(0, count: 1, to: &out)
                return
            }
            // 1.x masks the leading count to 5 bits rather than clamping it.
            let lz = xor.leadingZeroBitCount & 0x1F
            let tz = xor.trailingZeroBitCount
            if leading >= 0 && lz >= leading && tz >= trailing {
                writer.write(0b10, count: 2, to: &out)
                writer.write(xor >> UInt64(trailing), count: 64 - leading - trailing, to: &out)
            } else {
                leading = lz
                trailing = tz
                let meaningful = 64 - lz - tz
                // Control `11`, 5 bits of leading, 6 bits of length (64 wraps to 0): 13 bits.
                let head = UInt64(0b11) << 11 | UInt64(lz) << 6 | UInt64(meaningful & 0x3F)
                writer.write(head, count: 13, to: &out)
                writer.write(xor >> UInt64(tz), count: meaningful, to: &out)
            }
        }

        for v in values { write(v.bitPattern) }
        write(endMarker)
        writer.flush(to: &out)
    }

    /// Appends the encoded section for `values` to `out`.
    public static func encode(
        _ values: [Double], flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) throws(EncodingError) {
        let r: Result<Void, EncodingError> = values.withUnsafeBufferPointer { p in
            do throws(EncodingError) {
                return .success(try encode(p, flavor: flavor, into: &out))
            } catch { return .failure(error) }
        }
        try r.get()
    }

    /// Decodes a section, appending the values to `out`. An empty section holds no values.
    ///
    /// - Throws: ``EncodingError/truncated(_:)`` if the stream ends before the end marker,
    ///   ``EncodingError/corrupt(_:)`` for an impossible bit window.
    public static func decode(_ data: UnsafeRawBufferPointer, into out: inout [Double]) throws(EncodingError) {
        guard let header = data.first else { return }
        guard header >> 4 == gorilla else { throw .unknownEncoding(.floats, header >> 4) }
        var reader = BitReader(UnsafeRawBufferPointer(rebasing: data[1...]))
        var value = try reader.read(64)
        if value == endMarker { return }
        let start = out.count
        var leading = 0
        var trailing = 0
        do throws(EncodingError) {
            out.append(Double(bitPattern: value))
            while true {
                guard out.count - start < TSMLimits.maxValuesPerBlock else {
                    throw .tooManyValues(UInt64(out.count - start))
                }
                if try reader.read(1) == 0 {
                    out.append(Double(bitPattern: value))
                    continue
                }
                if try reader.read(1) == 1 {
                    let head = try reader.read(11)
                    leading = Int(head >> 6)
                    var meaningful = Int(head & 0x3F)
                    if meaningful == 0 { meaningful = 64 }
                    // A window wider than the word cannot come from an encoder.
                    guard leading + meaningful <= 64 else { throw .corrupt(.floats) }
                    trailing = 64 - leading - meaningful
                }
                let bits = try reader.read(64 - leading - trailing)
                value ^= bits << UInt64(trailing)
                if value == endMarker { return }
                out.append(Double(bitPattern: value))
            }
        } catch {
            out.removeSubrange(start...)
            throw error
        }
    }

    /// Decodes a section, appending the values to `out`.
    public static func decode(_ data: [UInt8], into out: inout [Double]) throws(EncodingError) {
        try withBytes(data) { (p) throws(EncodingError) in try decode(p, into: &out) }
    }
}

/// Appends bits most-significant first to a byte array.
struct BitWriter {
    /// Pending bits, left-aligned; fewer than 8 between calls.
    private var pending: UInt64 = 0
    private var used = 0

    /// Writes the low `count` bits of `value` (0 ≤ count ≤ 64).
    @inline(__always)
    mutating func write(_ value: UInt64, count: Int, to out: inout [UInt8]) {
        if count == 0 { return }
        if count > 56 {
            // Keep used + count ≤ 64 by splitting wide writes.
            write(value >> 32, count: count - 32, to: &out)
            write(value & 0xFFFF_FFFF, count: 32, to: &out)
            return
        }
        let masked = value & ((1 << UInt64(count)) - 1)
        pending |= masked << UInt64(64 - used - count)
        used += count
        while used >= 8 {
            out.append(UInt8(truncatingIfNeeded: pending >> 56))
            pending <<= 8
            used -= 8
        }
    }

    /// Pads the last partial byte with zero bits and emits it.
    mutating func flush(to out: inout [UInt8]) {
        if used > 0 {
            out.append(UInt8(truncatingIfNeeded: pending >> 56))
            pending = 0
            used = 0
        }
    }
}

/// Reads bits most-significant first from a byte buffer, refusing to run past its end.
struct BitReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0  // in bits
    private let limit: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.limit = bytes.count * 8
    }

    /// Reads `count` bits (0 ≤ count ≤ 64) as the low bits of the result.
    @inline(__always)
    mutating func read(_ count: Int) throws(EncodingError) -> UInt64 {
        if count == 0 { return 0 }
        guard limit - position >= count else { throw .truncated(.floats) }
        let byteIndex = position >> 3
        let bitOffset = position & 7
        position += count
        if bitOffset + count <= 64 && byteIndex + 8 <= bytes.count {
            // Fast path: one unaligned 64-bit load covers the whole field.
            let word = BigEndian.load(bytes, at: byteIndex)
            return (word << UInt64(bitOffset)) >> UInt64(64 - count)
        }
        // Slow path near the end of the buffer or for fields straddling 9 bytes.
        var result: UInt64 = 0
        var remaining = count
        var index = byteIndex
        var offset = bitOffset
        while remaining > 0 {
            let take = min(8 - offset, remaining)
            let byte = UInt64(bytes[index]) >> UInt64(8 - offset - take) & ((1 << UInt64(take)) - 1)
            result = result << UInt64(take) | byte
            remaining -= take
            offset = 0
            index += 1
        }
        return result
    }
}
