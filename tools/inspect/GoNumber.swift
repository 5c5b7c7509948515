import GoText
import Foundation

/// Go's number formatting where influx_inspect prints numbers, written straight into byte
/// buffers for export's hot loop.
enum GoNumber {
    /// `strconv.AppendFloat(out, v, 'g', -1, 64)` (also what `%v` prints): the shortest digits
    /// that read back as `v`, in exponent form (`1e+06`, `1.5e-05`) when the decimal exponent
    /// is below -4 or at least 6 — Go's `%g` uses precision 6 for that choice when printing
    /// the shortest form — and plain otherwise (`123456`, `0.0001`).
    static func appendFloat(_ v: Double, to out: inout [UInt8]) {
        if v.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if v.isInfinite { out.append(contentsOf: (v < 0 ? "-Inf" : "+Inf").utf8); return }
        if v.sign == .minus { out.append(UInt8(ascii: "-")) }
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
            let (count, point) = GoDigits.shortest(Swift.abs(v), into: digits)
            let exponent = point - 1
            if exponent < -4 || exponent >= 6 {
                out.append(digits[0])
                if count > 1 {
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: digits[1..<count])
                }
                out.append(UInt8(ascii: "e"))
                out.append(UInt8(ascii: exponent < 0 ? "-" : "+"))
                let e = Swift.abs(exponent)
                if e < 10 { out.append(UInt8(ascii: "0")) }
                appendInt(Int64(e), to: &out)
            } else if point <= 0 {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                for _ in 0..<(-point) { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: digits[0..<count])
            } else if point >= count {
                out.append(contentsOf: digits[0..<count])
                for _ in 0..<(point - count) { out.append(UInt8(ascii: "0")) }
            } else {
                out.append(contentsOf: digits[0..<point])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[point..<count])
            }
        }
    }

    static func float(_ v: Double) -> String {
        var out: [UInt8] = []
        appendFloat(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `%0.2f`: two decimals, rounded from the exact binary value as Go's strconv and C's
    /// printf both do; Go spells the special values `NaN`, `+Inf` and `-Inf`.
    static func fixed2(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        return String(format: "%.2f", v)
    }

    /// Appends `v` in decimal.
    static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            appendUInt(v.magnitude, to: &out)
        } else {
            appendUInt(UInt64(v), to: &out)
        }
    }

    /// Appends `v` in decimal.
    static func appendUInt(_ v: UInt64, to out: inout [UInt8]) {
        if v < 10 {
            out.append(UInt8(truncatingIfNeeded: v) + 0x30)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var n = v
            var i = 20
            while n > 0 {
                i -= 1
                scratch[i] = UInt8(truncatingIfNeeded: n % 10) + 0x30
                n /= 10
            }
            out.append(contentsOf: scratch[i..<20])
        }
    }
}
