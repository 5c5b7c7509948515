/// The timestamp section of a TSM block (InfluxDB 1.x `timestamp.go`).
///
/// Timestamps are delta-encoded; every delta is divided by the largest power of ten (up to
/// 10^12) that divides all of them — the log10 of that divisor sits in the header's low nibble.
/// The high nibble picks the encoding, chosen as 1.x does:
/// 1. **RLE (2)** when there are ≥ 2 timestamps and every delta is equal:
///    `header | first (8B BE) | uvarint(delta / divisor) | uvarint(count)`;
/// 2. **raw (0)** when some (undivided) delta exceeds 2^60 − 1:
///    `header | first (8B BE) | delta (8B BE) …` — header low nibble 0;
/// 3. **simple8b (1)** otherwise: `header | first (8B BE) | simple8b words of delta / divisor`.
///
/// Deltas are computed in wrapping unsigned arithmetic, so out-of-order timestamps round-trip
/// (they show up as huge deltas and select the raw encoding).
public enum TimestampEncoding {
    static let raw: UInt8 = 0
    static let packedSimple: UInt8 = 1
    static let rle: UInt8 = 2

    /// 10^0 … 10^15: the divisors a header's low nibble can name.
    @usableFromInline
    static let powersOf10: [UInt64] = (0..<16).map { (0..<$0).reduce(1) { acc, _ in acc * 10 } }

    /// Appends the encoded section for `timestamps` to `out`. An empty input appends nothing.
    ///
    /// `flavor` only changes how runs of equal scaled deltas pack (``Simple8b/OnesWindow``).
    public static func encode(
        _ timestamps: UnsafeBufferPointer<Int64>, flavor: EncoderFlavor = .streaming, into out: inout [UInt8]
    ) {
        let count = timestamps.count
        guard count > 0 else { return }
        let ts = UnsafeRawPointer(timestamps.baseAddress!).assumingMemoryBound(to: Int64.self)
        @inline(__always) func delta(_ i: Int) -> UInt64 {
            UInt64(bitPattern: ts[i]) &- UInt64(bitPattern: ts[i - 1])
        }

        // One pass: largest delta, common power-of-ten divisor, all-equal flag.
        var maxDelta: UInt64 = 0
        var divisor: UInt64 = 1_000_000_000_000
        var allEqual = true
        let first = count > 1 ? delta(1) : 0
        for i in stride(from: 1, to: count, by: 1) {
            let d = delta(i)
            if d > maxDelta { maxDelta = d }
            while divisor > 1 && d % divisor != 0 { divisor /= 10 }
            if d != first { allEqual = false }
        }
        // The divisor is a power of ten from 10^0 to 10^12; its log10 fits in the low nibble.
        var log10: UInt8 = 0
        var p = divisor
        while p > 1 {
            p /= 10
            log10 += 1
        }

        if allEqual && count > 1 {
            out.append(rle << 4 | log10)
            BigEndian.append(UInt64(bitPattern: ts[0]), to: &out)
            UVarint.append(first / divisor, to: &out)
            UVarint.append(UInt64(count), to: &out)
            return
        }

        if maxDelta > Simple8b.maxValue {
            // 1.x writes the deltas, not the timestamps, and leaves the low nibble at zero.
            out.reserveCapacity(out.count + 1 + 8 * count)
            out.append(raw << 4)
            BigEndian.append(UInt64(bitPattern: ts[0]), to: &out)
            for i in stride(from: 1, to: count, by: 1) {
                BigEndian.append(delta(i), to: &out)
            }
            return
        }

        // A single timestamp lands here too, with the untouched divisor 10^12 (header 0x1C),
        // exactly as 1.x writes it.
        out.append(packedSimple << 4 | log10)
        BigEndian.append(UInt64(bitPattern: ts[0]), to: &out)
        guard count > 1 else { return }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count - 1) { scaled in
            for i in 1..<count { scaled[i - 1] = delta(i) / divisor }
            // Every scaled delta is ≤ maxDelta ≤ 2^60 − 1, so packing cannot fail.
            try! Simple8b.encode(
                UnsafeBufferPointer(scaled), window: flavor == .streaming ? .streaming : .batch, into: &out)
        }
    }

    /// Appends the encoded section for `timestamps` to `out`.
    public static func encode(_ timestamps: [Int64], flavor: EncoderFlavor = .streaming, into out: inout [UInt8]) {
        timestamps.withUnsafeBufferPointer { encode($0, flavor: flavor, into: &out) }
    }

    /// Number of timestamps in an encoded section, without decoding it.
    public static func count(_ data: UnsafeRawBufferPointer) throws(EncodingError) -> Int {
        guard let header = data.first else { return 0 }
        switch header >> 4 {
        case raw:
            guard data.count >= 9, (data.count - 1) % 8 == 0 else { throw .truncated(.timestamps) }
            return (data.count - 1) / 8
        case packedSimple:
            guard data.count >= 9 else { throw .truncated(.timestamps) }
            return try Simple8b.count(UnsafeRawBufferPointer(rebasing: data[9...])) + 1
        case rle:
            guard data.count >= 9 else { throw .truncated(.timestamps) }
            var offset = 9
            _ = try UVarint.read(data, at: &offset, section: .timestamps)
            let n = try UVarint.read(data, at: &offset, section: .timestamps)
            guard n <= UInt64(TSMLimits.maxValuesPerBlock) else { throw .tooManyValues(n) }
            return Int(n)
        default:
            throw .unknownEncoding(.timestamps, header >> 4)
        }
    }

    /// Decodes a section, appending the timestamps to `out`. On error `out` may hold a partial
    /// result past its original count.
    public static func decode(_ data: UnsafeRawBufferPointer, into out: inout [Int64]) throws(EncodingError) {
        guard let header = data.first else { return }
        let n = try count(data)
        let start = out.count
        switch header >> 4 {
        case raw:
            out.append(contentsOf: repeatElement(0, count: n))
            out.withUnsafeMutableBufferPointer { dst in
                var acc: UInt64 = 0
                for i in 0..<n {
                    acc = acc &+ BigEndian.load(data, at: 1 + 8 * i)
                    dst[start + i] = Int64(bitPattern: acc)
                }
            }
        case rle:
            let divisor = powersOf10[Int(header & 0xF)]
            var offset = 9
            let scaled = try UVarint.read(data, at: &offset, section: .timestamps)
            _ = try UVarint.read(data, at: &offset, section: .timestamps)
            guard offset == data.count else { throw .trailingBytes(.timestamps) }
            let delta = scaled &* divisor
            var acc = BigEndian.load(data, at: 1)
            out.append(contentsOf: repeatElement(0, count: n))
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    dst[start + i] = Int64(bitPattern: acc)
                    acc = acc &+ delta
                }
            }
        default:  // packedSimple; count() rejected every other nibble
            let divisor = powersOf10[Int(header & 0xF)]
            out.append(contentsOf: repeatElement(0, count: n))
            let words = UnsafeRawBufferPointer(rebasing: data[9...])
            out.withUnsafeMutableBufferPointer { dst in
                var acc = BigEndian.load(data, at: 1)
                dst[start] = Int64(bitPattern: acc)
                var j = start + 1
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 240) { scratch in
                    var offset = 0
                    while offset < words.count {
                        let m = Simple8b.unpack(BigEndian.load(words, at: offset), into: scratch.baseAddress!)
                        for k in 0..<m {
                            acc = acc &+ scratch[k] &* divisor
                            dst[j] = Int64(bitPattern: acc)
                            j += 1
                        }
                        offset += 8
                    }
                }
            }
        }
    }

    /// Decodes a section, appending the timestamps to `out`.
    public static func decode(_ data: [UInt8], into out: inout [Int64]) throws(EncodingError) {
        try withBytes(data) { (p) throws(EncodingError) in try decode(p, into: &out) }
    }
}
