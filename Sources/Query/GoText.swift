import GoText
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
        var frac = unixNanos % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000 }
        // Int64 nanoseconds span the years 1677 to 2262: always four digits.
        appendFixed(y, m, d, rem, nano ? frac : 0, to: &out)
    }

    /// Every field at a fixed offset in a 32-byte stack buffer, appended once (this runs for
    /// every time a JSON answer shows).
    private static func appendFixed(_ y: Int64, _ m: Int64, _ d: Int64, _ secondOfDay: Int64, _ frac: Int64, to out: inout [UInt8]) {
        var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &buffer) { b -> Int in
            func two(_ v: Int64, _ at: Int) {
                b[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v / 10)
                b[at + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            }
            two(y / 100, 0)
            two(y % 100, 2)
            b[4] = UInt8(ascii: "-")
            two(m, 5)
            b[7] = UInt8(ascii: "-")
            two(d, 8)
            b[10] = UInt8(ascii: "T")
            two(secondOfDay / 3600, 11)
            b[13] = UInt8(ascii: ":")
            two(secondOfDay / 60 % 60, 14)
            b[16] = UInt8(ascii: ":")
            two(secondOfDay % 60, 17)
            var n = 19
            if frac != 0 {
                // Nine digits, then the trailing zeros dropped (RFC3339Nano).
                b[19] = UInt8(ascii: ".")
                var f = frac
                for k in stride(from: 28, through: 20, by: -1) {
                    b[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: f % 10)
                    f /= 10
                }
                n = 29
                while b[n - 1] == UInt8(ascii: "0") { n -= 1 }
            }
            b[n] = UInt8(ascii: "Z")
            return n + 1
        }
        withUnsafeBytes(of: &buffer) { out.append(contentsOf: $0[0..<count]) }
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let (y, m, d) = GoTime.civil(days: z0)
        return (y, m, d)
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
