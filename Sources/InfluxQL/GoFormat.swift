import GoText
import Foundation

/// Go's float formatting where 1.x's canonical text uses it.
enum GoFloat {
    /// `strconv.FormatFloat(v, 'f', 3, 64)`: number literals print with three decimals.
    static func fixed3(_ v: Double) -> String { String(format: "%.3f", v) }

    /// `fmt.Sprint(v)` (`%v`): shortest digits, in `%e` form when the decimal exponent is
    /// below -4 or at least 6 (Go's shortest `%g`): `1e+06`, `123456`, `0.0001`, `1e-05`.
    static func formatV(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (digits, dp) = shortest(abs(v))
        let sign = v < 0 ? "-" : ""
        let exp = dp - 1
        if exp < -4 || exp >= 6 {
            var mantissa = String(digits.first!)
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let e = abs(exp)
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
        }
        if dp <= 0 { return sign + "0." + String(repeating: "0", count: -dp) + digits }
        if dp >= digits.count { return sign + digits + String(repeating: "0", count: dp - digits.count) }
        return sign + digits.prefix(dp) + "." + digits.dropFirst(dp)
    }

    /// `shortest(v)` for a positive finite `v`, its digits written to `digits` (at least 32
    /// bytes): returns the digit count and the decimal point position.
    static func shortest(_ v: Double, into digits: UnsafeMutableBufferPointer<UInt8>) -> (count: Int, dp: Int) {
        let (count, point) = GoDigits.shortest(v, into: digits)
        return (count, point)
    }

    /// Shortest round-trip decimal digits and the decimal point position (0.0123 → ("123", -1)).
    static func shortest(_ v: Double) -> (String, Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
            let (count, dp) = shortest(v, into: digits)
            return (String(decoding: digits[0..<count], as: UTF8.self), dp)
        }
    }
}

/// Go's `time.Duration.String()`: `1h0m0s`, `1.5s`, `300ms`, `0s`.
enum GoDuration {
    static func string(_ d: Int64) -> String {
        if d == 0 { return "0s" }
        var u = d.magnitude
        let negative = d < 0
        if u < 1_000_000_000 {
            // Sub-second: ns, µs or ms with a fraction.
            let (unit, scale): (String, UInt64) = u < 1_000 ? ("ns", 1) : u < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            return (negative ? "-" : "") + fraction(u, scale) + unit
        }
        var out = ""
        let seconds = fraction(u % 60_000_000_000, 1_000_000_000)
        u /= 60_000_000_000
        out = seconds + "s"
        if u > 0 {
            out = String(u % 60) + "m" + out
            u /= 60
            if u > 0 { out = String(u) + "h" + out }
        }
        return (negative ? "-" : "") + out
    }

    /// `v / scale` with the fraction's trailing zeros removed.
    private static func fraction(_ v: UInt64, _ scale: UInt64) -> String {
        let whole = v / scale
        var frac = v % scale
        guard frac > 0 else { return String(whole) }
        var width = String(scale).count - 1
        while frac % 10 == 0 {
            frac /= 10
            width -= 1
        }
        let digits = String(frac)
        return String(whole) + "." + String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Number text exactly as Go's `encoding/json` writes a float64.
public enum GoJSONNumber {
    /// `%f`-style shortest digits for 1e-6 ≤ |v| < 1e21, else shortest `%e` with the exponent's
    /// leading zero dropped (`1e-7`, `1.5e+21`). NaN and infinities are not JSON; callers check.
    public static func float(_ v: Double) -> String {
        var out: [UInt8] = []
        append(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `float(v)`'s bytes appended to `out` — the JSON writer's per-value path: the digits go
    /// through a stack buffer, with no String built per value.
    public static func append(_ v: Double, to out: inout [UInt8]) {
        if v == 0 {
            if v.sign == .minus { out.append(UInt8(ascii: "-")) }
            out.append(UInt8(ascii: "0"))
            return
        }
        let magnitude = abs(v)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
            let (count, dp) = GoFloat.shortest(magnitude, into: digits)
            if v < 0 { out.append(UInt8(ascii: "-")) }
            if magnitude < 1e-6 || magnitude >= 1e21 {
                out.append(digits[0])
                if count > 1 {
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: digits[1..<count])
                }
                let exp = dp - 1
                out.append(UInt8(ascii: "e"))
                out.append(exp < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                DecimalText.append(UInt64(abs(exp)), to: &out)
            } else if dp <= 0 {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -dp))
                out.append(contentsOf: digits[0..<count])
            } else if dp >= count {
                out.append(contentsOf: digits[0..<count])
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: dp - count))
            } else {
                out.append(contentsOf: digits[0..<dp])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[dp..<count])
            }
        }
    }
}

/// Decimal digits of integers appended as bytes (JSON and CSV writers' per-value path).
public enum DecimalText {
    public static func append(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        append(v.magnitude, to: &out)
    }

    public static func append(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { b in
            var n = v
            var i = b.count
            repeat {
                i -= 1
                b[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10)
                n /= 10
            } while n > 0
            out.append(contentsOf: UnsafeMutableBufferPointer(rebasing: b[i...]))
        }
    }
}
