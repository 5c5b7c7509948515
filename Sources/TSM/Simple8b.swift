/// Simple-8b packing as implemented by `github.com/jwilder/encoding/simple8b`, which InfluxDB
/// 1.x uses for timestamp and integer sections.
///
/// Each 64-bit word (written big-endian) holds a 4-bit selector in its top bits and 60 bits of
/// payload. Selectors 0 and 1 are special: they carry no payload and stand for 240 or 120
/// values equal to **1** (not 0 — deltas of 1 are the common case). For selectors 2…15 the
/// payload holds `n` values of `bits` bits each, the first value in the least-significant bits.
/// Only values below 2^60 can be packed.
public enum Simple8b {
    /// The largest value simple8b can store, 2^60 − 1.
    public static let maxValue: UInt64 = (1 << 60) - 1

    /// Values per word, by selector.
    public static let valuesPerSelector: [Int] = [240, 120, 60, 30, 20, 15, 12, 10, 8, 7, 6, 5, 4, 3, 2, 1]
    /// Bits per value, by selector.
    public static let bitsPerSelector: [Int] = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60]

    /// How the packer decides to use the run-of-ones selectors 0 (240 ones) and 1 (120 ones).
    ///
    /// InfluxDB 1.x has three packers that agree on everything else but this, so the choice
    /// matters for byte identity (all three decode the same way):
    public enum OnesWindow: Sendable {
        /// jwilder's streaming `Encoder` (1.x timestamps via `Values.Encode`): it packs from a
        /// window of the next ≤ 240 values, and selector 0/1 needs *every* value in that window
        /// to be 1.
        case streaming
        /// jwilder's `EncodeAll` (1.x integers via `Values.Encode`): selector 0/1 needs every
        /// value *left in the input* to be 1.
        case all
        /// InfluxDB's own `pkg/encoding/simple8b.EncodeAll` (1.8's batch `*ArrayEncodeAll`
        /// encoders, used by its compactor): selector 0 needs the next 240 values to be 1,
        /// selector 1 the next 120.
        case batch
    }

    /// Packs `values` greedily (the first selector in table order that fits), appending each word
    /// big-endian to `out`.
    ///
    /// - Throws: ``EncodingError/corrupt(_:)`` (section `.simple8b`) if a value exceeds ``maxValue``.
    public static func encode(
        _ values: UnsafeBufferPointer<UInt64>, window: OnesWindow, into out: inout [UInt8]
    ) throws(EncodingError) {
        let count = values.count
        guard count > 0 else { return }
        out.reserveCapacity(out.count + 8 * (count / 8 + 2))
        // Index of the first value ≠ 1 at or after `i`; kept up to date lazily so the
        // "all ones" test costs O(1) amortised.
        var nextNonOne = -1
        var i = 0
        while i < count {
            let remaining = count - i
            if nextNonOne < i {
                nextNonOne = i
                while nextNonOne < count && values[nextNonOne] == 1 { nextNonOne += 1 }
            }
            let leadingOnes = nextNonOne - i
            let use240: Bool
            let use120: Bool
            switch window {
            case .streaming:
                let windowAllOnes = leadingOnes >= min(240, remaining)
                use240 = remaining >= 240 && windowAllOnes
                use120 = remaining >= 120 && windowAllOnes
            case .all:
                use240 = remaining >= 240 && leadingOnes == remaining
                use120 = remaining >= 120 && leadingOnes == remaining
            case .batch:
                use240 = remaining >= 240 && leadingOnes >= 240
                use120 = remaining >= 120 && leadingOnes >= 120
            }
            if use240 {
                BigEndian.append(0, to: &out)
                i += 240
                continue
            }
            if use120 {
                BigEndian.append(1 << 60, to: &out)
                i += 120
                continue
            }
            var packed = false
            for selector in 2..<16 {
                let n = valuesPerSelector[selector]
                if n > remaining { continue }
                let bits = bitsPerSelector[selector]
                let limit: UInt64 = (1 << UInt64(bits)) - 1
                var fits = true
                for k in 0..<n where values[i + k] > limit {
                    fits = false
                    break
                }
                if !fits { continue }
                var word = UInt64(selector) << 60
                for k in 0..<n {
                    word |= values[i + k] << UInt64(k * bits)
                }
                BigEndian.append(word, to: &out)
                i += n
                packed = true
                break
            }
            if !packed { throw .corrupt(.simple8b) }
        }
    }

    /// Number of values held by the words in `bytes`.
    ///
    /// - Throws: ``EncodingError/truncated(_:)`` if `bytes` is not a whole number of words,
    ///   ``EncodingError/tooManyValues(_:)`` above ``TSMLimits/maxValuesPerBlock``.
    public static func count(_ bytes: UnsafeRawBufferPointer) throws(EncodingError) -> Int {
        guard bytes.count % 8 == 0 else { throw .truncated(.simple8b) }
        var total = 0
        var offset = 0
        while offset < bytes.count {
            // The selector is the top nibble, i.e. the high half of the first (big-endian) byte.
            total += valuesPerSelector[Int(bytes[offset] >> 4)]
            offset += 8
        }
        // A corrupt section of all-zero words would otherwise claim 30 values per byte.
        guard total <= TSMLimits.maxValuesPerBlock else { throw .tooManyValues(UInt64(total)) }
        return total
    }

    /// Unpacks one word into `dst`, which must have room for 240 values; returns how many.
    @inlinable
    public static func unpack(_ word: UInt64, into dst: UnsafeMutablePointer<UInt64>) -> Int {
        let selector = Int(word >> 60)
        switch selector {
        case 0:
            dst.update(repeating: 1, count: 240)
            return 240
        case 1:
            dst.update(repeating: 1, count: 120)
            return 120
        default:
            let n = valuesPerSelector[selector]
            let bits = UInt64(bitsPerSelector[selector])
            let mask: UInt64 = (1 << bits) - 1
            var v = word
            for k in 0..<n {
                dst[k] = v & mask
                v >>= bits
            }
            return n
        }
    }

    /// Decodes the words in `bytes`, appending the values to `out`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt64]) throws(EncodingError) {
        let n = try count(bytes)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: n))
        out.withUnsafeMutableBufferPointer { dst in
            var j = start
            var offset = 0
            while offset < bytes.count {
                j += unpack(BigEndian.load(bytes, at: offset), into: dst.baseAddress! + j)
                offset += 8
            }
        }
    }
}
