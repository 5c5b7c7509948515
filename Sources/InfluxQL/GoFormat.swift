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

    /// Shortest round-trip decimal digits and the decimal point position (0.0123 → ("123", -1)).
    static func shortest(_ v: Double) -> (String, Int) {
        let text = "\(v)"  // Swift prints the shortest round-trip form too
        var mantissa = text
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(text[..<e])
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var intPart = mantissa
        var fracPart = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = String(mantissa[..<dot])
            fracPart = String(mantissa[mantissa.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var dp = intPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            dp -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, dp)
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
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (digits, dp) = GoFloat.shortest(abs(v))
        let sign = v < 0 ? "-" : ""
        if abs(v) < 1e-6 || abs(v) >= 1e21 {
            var mantissa = String(digits.first!)
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let exp = dp - 1
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String(abs(exp))
        }
        if dp <= 0 { return sign + "0." + String(repeating: "0", count: -dp) + digits }
        if dp >= digits.count { return sign + digits + String(repeating: "0", count: dp - digits.count) }
        return sign + digits.prefix(dp) + "." + digits.dropFirst(dp)
    }
}
