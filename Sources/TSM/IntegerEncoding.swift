/// The value section of integer and unsigned blocks (InfluxDB 1.x `int.go`).
///
/// Values are delta-encoded (the first against 0) and ZigZag-mapped. The high nibble of the
/// header picks the encoding, chosen as 1.x does:
/// 1. **RLE (2)** when there are ≥ 3 values and every delta after the first is equal:
///    `0x20 | zz(first) (8B BE) | uvarint(zz(delta)) | uvarint(count − 1)`;
/// 2. **raw (0)** when any ZigZag value (the first included) exceeds 2^60 − 1:
///    `0x00 | zz(first) (8B BE) | zz(delta) (8B BE) …`;
/// 3. **simple8b (1)** otherwise: `0x10 | zz(first) (8B BE) | simple8b words of zz(delta)…`.
///
/// With ``EncoderFlavor/batch`` (1.8's compactor) two choices differ: the first value does not
/// count towards the raw test (it is stored in 8 bytes either way), and simple8b uses
/// ``Simple8b/OnesWindow/batch``.
///
/// Arithmetic wraps, so the full `Int64` range round-trips. Unsigned values are stored as their
/// `Int64` bit patterns with exactly the same coding.
public enum IntegerEncoding {
    static let raw: UInt8 = 0
    static let packedSimple: UInt8 = 1
    static let rle: UInt8 = 2

    /// Appends the encoded section for `values` to `out`. An empty input appends nothing.
    public static func encode(
        _ values: UnsafeBufferPointer<Int64>, flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) {
        let count = values.count
        guard count > 0 else { return }
        let v = values.baseAddress!
        @inline(__always) func zz(_ i: Int) -> UInt64 {
            ZigZag.encode(i == 0 ? v[0] : v[i] &- v[i - 1])
        }

        var allEqual = true
        var fits = flavor == .batch || zz(0) <= Simple8b.maxValue
        let second = count > 1 ? zz(1) : 0
        if count > 1 && second > Simple8b.maxValue { fits = false }
        for i in stride(from: 2, to: count, by: 1) {
            let z = zz(i)
            if z != second { allEqual = false }
            if z > Simple8b.maxValue { fits = false }
        }

        if allEqual && count > 2 {
            out.append(rle << 4)
            BigEndian.append(zz(0), to: &out)
            UVarint.append(second, to: &out)
            UVarint.append(UInt64(count - 1), to: &out)
            return
        }
        if !fits {
            out.reserveCapacity(out.count + 1 + 8 * count)
            out.append(raw << 4)
            for i in 0..<count { BigEndian.append(zz(i), to: &out) }
            return
        }
        out.append(packedSimple << 4)
        BigEndian.append(zz(0), to: &out)
        guard count > 1 else { return }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count - 1) { deltas in
            for i in 1..<count { deltas[i - 1] = zz(i) }
            // `fits` guarantees every value is ≤ 2^60 − 1.
            try! Simple8b.encode(UnsafeBufferPointer(deltas), window: flavor == .streaming ? .all : .batch, into: &out)
        }
    }

    /// Appends the encoded section for `values` to `out`.
    public static func encode(_ values: [Int64], flavor: EncoderFlavor = .streaming, into out: inout [UInt8]) {
        values.withUnsafeBufferPointer { encode($0, flavor: flavor, into: &out) }
    }

    /// Appends the encoded section for unsigned `values` (stored as `Int64` bit patterns).
    public static func encode(
        _ values: UnsafeBufferPointer<UInt64>, flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) {
        values.withMemoryRebound(to: Int64.self) { encode($0, flavor: flavor, into: &out) }
    }

    /// Number of values in an encoded section, without decoding it.
    public static func count(_ data: UnsafeRawBufferPointer) throws(EncodingError) -> Int {
        guard let header = data.first else { return 0 }
        switch header >> 4 {
        case raw:
            guard (data.count - 1) % 8 == 0 else { throw .truncated(.integers) }
            return (data.count - 1) / 8
        case packedSimple:
            guard data.count > 1 else { return 0 }
            guard data.count >= 9 else { throw .truncated(.integers) }
            return try Simple8b.count(UnsafeRawBufferPointer(rebasing: data[9...])) + 1
        case rle:
            guard data.count >= 9 else { throw .truncated(.integers) }
            var offset = 9
            _ = try UVarint.read(data, at: &offset, section: .integers)
            let repeats = try UVarint.read(data, at: &offset, section: .integers)
            guard repeats < UInt64(TSMLimits.maxValuesPerBlock) else { throw .tooManyValues(repeats) }
            return Int(repeats) + 1
        default:
            throw .unknownEncoding(.integers, header >> 4)
        }
    }

    /// Decodes a section, appending the values to `out`.
    public static func decode(_ data: UnsafeRawBufferPointer, into out: inout [Int64]) throws(EncodingError) {
        let plan = try validate(data)
        guard plan.count > 0 else { return }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: plan.count))
        out.withUnsafeMutableBufferPointer { fill(data, plan, into: $0.baseAddress! + start) }
    }

    /// Decodes a section, appending the values to `out`.
    public static func decode(_ data: [UInt8], into out: inout [Int64]) throws(EncodingError) {
        try withBytes(data) { (p) throws(EncodingError) in try decode(p, into: &out) }
    }

    /// Decodes an unsigned section, appending the values to `out`.
    public static func decode(_ data: UnsafeRawBufferPointer, into out: inout [UInt64]) throws(EncodingError) {
        let plan = try validate(data)
        guard plan.count > 0 else { return }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: plan.count))
        out.withUnsafeMutableBufferPointer { dst in
            // UInt64 and Int64 share size and alignment; the bit patterns are the values.
            let signed = UnsafeMutableRawPointer(dst.baseAddress! + start).assumingMemoryBound(to: Int64.self)
            fill(data, plan, into: signed)
        }
    }

    /// What `validate` learned: how many values, and for RLE the decoded delta.
    struct Plan {
        var count: Int
        var rleDelta: Int64 = 0
    }

    /// Checks every bound the fill step relies on, so that filling cannot fail.
    static func validate(_ data: UnsafeRawBufferPointer) throws(EncodingError) -> Plan {
        guard let header = data.first else { return Plan(count: 0) }
        let n = try count(data)
        if header >> 4 == rle {
            var offset = 9
            let delta = ZigZag.decode(try UVarint.read(data, at: &offset, section: .integers))
            _ = try UVarint.read(data, at: &offset, section: .integers)
            guard offset == data.count else { throw .trailingBytes(.integers) }
            return Plan(count: n, rleDelta: delta)
        }
        return Plan(count: n)
    }

    /// Writes `plan.count` values to `dst`; `data` has passed `validate`.
    static func fill(_ data: UnsafeRawBufferPointer, _ plan: Plan, into dst: UnsafeMutablePointer<Int64>) {
        let n = plan.count
        switch data[0] >> 4 {
        case raw:
            var acc: Int64 = 0
            for i in 0..<n {
                acc = acc &+ ZigZag.decode(BigEndian.load(data, at: 1 + 8 * i))
                dst[i] = acc
            }
        case rle:
            var acc = ZigZag.decode(BigEndian.load(data, at: 1))
            for i in 0..<n {
                dst[i] = acc
                acc = acc &+ plan.rleDelta
            }
        default:  // packedSimple; count() rejected every other nibble
            var acc = ZigZag.decode(BigEndian.load(data, at: 1))
            dst[0] = acc
            var j = 1
            let words = UnsafeRawBufferPointer(rebasing: data[9...])
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 240) { scratch in
                var offset = 0
                while offset < words.count {
                    let m = Simple8b.unpack(BigEndian.load(words, at: offset), into: scratch.baseAddress!)
                    for k in 0..<m {
                        acc = acc &+ ZigZag.decode(scratch[k])
                        dst[j] = acc
                        j += 1
                    }
                    offset += 8
                }
            }
        }
    }
}
