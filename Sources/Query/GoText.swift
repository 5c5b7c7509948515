import Foundation

/// Go's `time.Format(time.RFC3339)` for UTC times.
public enum RFC3339 {
    /// Whole seconds, `2006-01-02T15:04:05Z` (fractions dropped, as RFC3339 without "Nano").
    static func seconds(_ unixNanos: Int64) -> String {
        var out: [UInt8] = []
        append(unixNanos, nano: false, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the time's RFC 3339 text (Go's `RFC3339Nano` when `nano`: the fraction
    /// without trailing zeros) as bytes — the JSON writer's per-row path, no String made.
    public static func append(_ unixNanos: Int64, nano: Bool = true, to out: inout [UInt8]) {
        var secs = unixNanos / 1_000_000_000
        if unixNanos < 0 && unixNanos % 1_000_000_000 != 0 { secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        if y < 0 { out.append(UInt8(ascii: "-")) }
        digits(abs(y), 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(m, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(d, 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(rem / 3600, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(rem / 60 % 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(rem % 60, 2, &out)
        var frac = unixNanos % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000 }
        if nano && frac != 0 {
            var width = 9
            while frac % 10 == 0 { frac /= 10; width -= 1 }
            out.append(UInt8(ascii: "."))
            digits(frac, width, &out)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// `v` in decimal, zero-padded to at least `width` digits.
    private static func digits(_ v: Int64, _ width: Int, _ out: inout [UInt8]) {
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for Int64's 19 digits
        withUnsafeMutableBytes(of: &buffer) { b in
            var n = UInt64(v)
            var i = b.count
            repeat {
                i -= 1
                b[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            while b.count - i < width { i -= 1; b[i] = UInt8(ascii: "0") }
            out.append(contentsOf: b[i...])
        }
    }

    /// Howard Hinnant's days-to-civil conversion (proleptic Gregorian).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
enum GoUnicode {
    static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}

extension RFC3339 {
    /// Go's `time.RFC3339Nano` for UTC (how JSON shows times): fraction without trailing zeros.
    public static func nano(_ unixNanos: Int64) -> String {
        var out: [UInt8] = []
        append(unixNanos, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Go's float-to-integer conversions on amd64: truncation in range; out of range (and NaN)
/// gives the "integer indefinite" value instead of trapping as Swift's initialisers do.
enum GoConvert {
    static func int64(_ f: Double) -> Int64 {
        guard f.isFinite, f >= -9.223372036854775808e18, f < 9.223372036854775808e18 else { return .min }
        return Int64(f)
    }

    static func uint64(_ f: Double) -> UInt64 {
        guard f.isFinite, f > -1, f < 1.8446744073709551616e19 else { return 1 << 63 }
        if f < 9.223372036854775808e18 { return UInt64(max(f, 0)) }
        return UInt64(f)
    }
}
