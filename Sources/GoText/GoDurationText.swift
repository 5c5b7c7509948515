/// Go's `time.Duration.String()`, which 1.x prints in config diagnostics, uptimes and logs.
public enum GoDurationText {
    /// "0s", "1.5s", "100ms", "1m0s", "1h0m0s", "-2µs".
    public static func string(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let u = nanoseconds.magnitude
        var out: String
        if u < 1_000_000_000 {
            // Sub-second: the largest unit that keeps the integer part non-zero.
            let (unit, scale): (String, UInt64) = u < 1_000 ? ("ns", 1) : u < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            out = fraction(u, scale) + unit
        } else {
            let hours = u / 3_600_000_000_000
            let minutes = (u / 60_000_000_000) % 60
            out = fraction(u % 60_000_000_000, 1_000_000_000) + "s"
            if hours > 0 || minutes > 0 { out = "\(minutes)m" + out }
            if hours > 0 { out = "\(hours)h" + out }
        }
        return nanoseconds < 0 ? "-" + out : out
    }

    /// `value / scale` with the fraction's trailing zeros trimmed, as Go prints it.
    private static func fraction(_ value: UInt64, _ scale: UInt64) -> String {
        let whole = value / scale
        var rest = value % scale
        guard rest != 0 else { return String(whole) }
        var digits = ""
        var s = scale / 10
        while rest != 0 && s > 0 {
            digits.append(Character(String(rest / s)))
            rest %= s
            s /= 10
        }
        return "\(whole).\(digits)"
    }
}

extension Duration {
    /// Whole nanoseconds, as Go's `time.Duration` (an int64) holds a duration; saturated
    /// beyond its ±292 years rather than trapping.
    public var nanosecondCount: Int64 {
        let (whole, overflow) = components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(components.attoseconds / 1_000_000_000)
        guard !overflow && !carry else { return components.seconds < 0 ? .min : .max }
        return total
    }
}
