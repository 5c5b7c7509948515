import GoText

/// InfluxQL time string literals, as 1.x reads them (`StringLiteral.ToTimeLiteral`): a date
/// `2006-01-02` (midnight UTC), `2006-01-02 15:04:05[.fraction]` (UTC), or RFC 3339 with
/// nanoseconds `2006-01-02T15:04:05[.fraction](Z|±hh:mm)`. Byte-level: a WHERE on time is
/// parsed once per query, but Foundation's formatters cost more than the query itself.
enum TimeLiteral {
    /// A date or `2006-01-02 15:04:05` form: read in the query's `tz()` zone, not UTC.
    static func isZoneless(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 10 || (b.count > 10 && b[10] == UInt8(ascii: " "))
    }

    static func parse(_ s: String) -> Int64? {
        var text = s
        return text.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let (seconds, fraction, _) = parts(bytes: b) else { return nil }
        return nanoseconds(seconds, fraction)
    }

    /// Unix nanoseconds of `seconds` and `fraction`, nil past the int64 range.
    static func nanoseconds(_ seconds: Int64, _ fraction: Int64) -> Int64? {
        var seconds = seconds, fraction = fraction
        // Borrow a second for a negative time so that the earliest instant does not overflow.
        if seconds < 0 && fraction > 0 {
            seconds += 1
            fraction -= 1_000_000_000
        }
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (t, overflow2) = ns.addingReportingOverflow(fraction)
        return overflow2 ? nil : t
    }

    /// The literal's Unix seconds, nanoseconds of fraction and zone offset (seconds), in any
    /// year 0000-9999; nil when it is not a time literal.
    static func parts(bytes b: UnsafeBufferPointer<UInt8>) -> (seconds: Int64, fraction: Int64, offset: Int64)? {
        func digits(_ at: Int, _ n: Int) -> Int64? {
            guard at + n <= b.count else { return nil }
            var v: Int64 = 0
            for i in at..<(at + n) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[i] - 0x30)
            }
            return v
        }
        guard let year = digits(0, 4), b.count >= 10, b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), (1...12).contains(month), day >= 1, day <= daysIn(month, year) else { return nil }
        let days = daysFromCivil(year, month, day)
        if b.count == 10 { return (days * 86_400, 0, 0) }
        let rfc = b[10] == UInt8(ascii: "T")
        guard rfc || b[10] == UInt8(ascii: " "), let hour = digits(11, 2), b.count > 13, b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              b.count > 16, b[16] == UInt8(ascii: ":"), let second = digits(17, 2), hour < 24, minute < 60, second < 60 else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                guard n < 9 else { return nil }
                fraction = fraction * 10 + Int64(b[i] - 0x30)
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<9 { fraction *= 10 }
        }
        var offset: Int64 = 0
        if rfc {
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "Z") {
                i += 1
            } else {
                guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), let oh = digits(i + 1, 2), i + 3 < b.count,
                      b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2), oh < 24, om < 60 else { return nil }
                offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
                i += 6
            }
        }
        guard i == b.count else { return nil }
        return (days * 86_400 + hour * 3600 + minute * 60 + second - offset, fraction, offset)
    }

    /// 1.x's range check of a time literal compared with `time`: past influxql's `MaxTime`
    /// (int64's largest less one ns) `time … overflows time literal`, before `MinTime + 1`
    /// `… underflows …`, the literal shown as Go's RFC 3339 (seconds, its own offset).
    static func rangeError(_ s: String) -> String? {
        var text = s
        guard let (seconds, fraction, offset) = text.withUTF8({ parts(bytes: $0) }) else { return nil }
        let ns = Int128(seconds) * 1_000_000_000 + Int128(fraction)
        let word: String
        if ns > Int128(Int64.max) - 1 { word = "overflows" } else if ns < Int128(Int64.min) + 3 { word = "underflows" } else { return nil }
        let shown = GoTime.rfc3339(seconds: seconds, offset: offset, nano: false)
        return "time \(shown) \(word) time literal"
    }

    static func daysIn(_ month: Int64, _ year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
