#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pieces of Go's `time` package 1.x's commands print or parse: RFC 3339 text of a Unix
/// nanosecond time (the whole int64 range, 1677 to 2262), in UTC or the local zone, `log`'s
/// time stamp, and `time.Parse(time.RFC3339, …)` with its error texts.
public enum GoTime {
    /// Civil date and time of `seconds` since the epoch (already shifted to the zone).
    public struct Civil {
        public var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64
    }

    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Proleptic Gregorian date of a day count from 1970-01-01.
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civil(seconds: Int64) -> Civil {
        let days = floorDiv(seconds, 86_400)
        let rest = seconds - days * 86_400
        let (y, m, d) = civil(days: days)
        return Civil(year: y, month: m, day: d, hour: rest / 3600, minute: rest / 60 % 60, second: rest % 60)
    }

    /// The local zone's offset from UTC at `seconds`, in seconds (what Go's `time.Local` uses).
    public static func localOffset(at seconds: Int64) -> Int64 {
        var t = time_t(seconds)
        var parts = tm()
        guard localtime_r(&t, &parts) != nil else { return 0 }
        return Int64(parts.tm_gmtoff)
    }

    /// `time.Unix(0, ns).UTC().Format(time.RFC3339Nano)` (`nano`) or `time.Unix(0, ns).Format(time.RFC3339)`
    /// in the local zone (`local`).
    public static func rfc3339(_ ns: Int64, nano: Bool = false, local: Bool = false) -> String {
        let seconds = floorDiv(ns, 1_000_000_000)
        // The remainder, not ns - seconds * 1e9: that product leaves int64 at the earliest times.
        var fraction = ns % 1_000_000_000
        if fraction < 0 { fraction += 1_000_000_000 }
        return rfc3339(seconds: seconds, fraction: fraction, offset: local ? localOffset(at: seconds) : 0, nano: nano)
    }

    /// Go's RFC 3339 text of Unix `seconds` (any year 0 to 9999) shown at zone `offset`
    /// (seconds east of UTC; `Z` for 0), with the `fraction` (ns, trailing zeros dropped) when
    /// `nano`.
    public static func rfc3339(seconds: Int64, fraction: Int64 = 0, offset: Int64, nano: Bool) -> String {
        let c = civil(seconds: seconds + offset)
        var out = pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2) + "T" + pad(c.hour, 2) + ":" + pad(c.minute, 2) + ":" + pad(c.second, 2)
        if nano && fraction != 0 {
            var digits = pad(fraction, 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            out += "." + digits
        }
        if offset == 0 {
            out += "Z"
        } else {
            let minutes = abs(offset) / 60
            out += (offset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
        }
        return out
    }

    /// `log`'s standard prefix: `2006/01/02 15:04:05`, local time.
    public static func logStamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let seconds = Int64(now.tv_sec)
        let c = civil(seconds: seconds + localOffset(at: seconds))
        return pad(c.year, 4) + "/" + pad(c.month, 2) + "/" + pad(c.day, 2) + " " + pad(c.hour, 2) + ":" + pad(c.minute, 2) + ":" + pad(c.second, 2)
    }

    /// Monotonic nanoseconds, for elapsed times.
    public static func monotonic() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    public static func pad(_ v: Int64, _ width: Int) -> String {
        let digits = String(v.magnitude)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return v < 0 ? "-" + padded : padded
    }

    /// `time.Parse(time.RFC3339, s).UnixNano()`, or Go's error text.
    public static func parseRFC3339(_ s: String) -> Result<Int64, GoTimeError> {
        parseRFC3339Parts(s).map { $0.seconds &* 1_000_000_000 &+ $0.nanos }
    }

    /// `time.Parse(time.RFC3339, s)` as Unix seconds and nanoseconds (any year 0 to 9999), or
    /// Go's error text.
    public static func parseRFC3339Parts(_ s: String) -> Result<(seconds: Int64, nanos: Int64), GoTimeError> {
        var parser = RFC3339Parser(s)
        return parser.parse()
    }
}

/// A `time.Parse` error, in Go's words.
public struct GoTimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Go's layout-driven parse for the one layout `2006-01-02T15:04:05Z07:00`: each element in
/// turn, with `cannot parse "<rest>" as "<element>"` for the element that fails, the range
/// checks (`month out of range` …), a fractional second accepted after the seconds, and
/// `extra text` after the zone.
private struct RFC3339Parser {
    static let layout = "2006-01-02T15:04:05Z07:00"
    let input: [UInt8]
    var at = 0

    init(_ s: String) { input = Array(s.utf8) }

    var rest: String { String(decoding: input[at...], as: UTF8.self) }

    func bad(_ element: String) -> GoTimeError {
        GoTimeError("parsing time \"\(String(decoding: input, as: UTF8.self))\" as \"\(Self.layout)\": cannot parse \"\(rest)\" as \"\(element)\"")
    }

    func outOfRange(_ what: String) -> GoTimeError {
        GoTimeError("parsing time \"\(String(decoding: input, as: UTF8.self))\": \(what) out of range")
    }

    func isDigit(_ i: Int) -> Bool { i < input.count && input[i] >= 0x30 && input[i] <= 0x39 }

    /// Go's `getnum`: one or two digits; `fixed` requires two.
    mutating func number(fixed: Bool, _ element: String) throws(GoTimeError) -> Int64 {
        guard isDigit(at) else { throw bad(element) }
        guard isDigit(at + 1) else {
            if fixed { throw bad(element) }
            at += 1
            return Int64(input[at - 1] - 0x30)
        }
        at += 2
        return Int64(input[at - 2] - 0x30) * 10 + Int64(input[at - 1] - 0x30)
    }

    mutating func literal(_ c: UInt8) throws(GoTimeError) {
        guard at < input.count, input[at] == c else { throw bad(String(UnicodeScalar(c))) }
        at += 1
    }

    mutating func parse() -> Result<(seconds: Int64, nanos: Int64), GoTimeError> {
        do throws(GoTimeError) { return .success(try parseOrThrow()) } catch { return .failure(error) }
    }

    mutating func parseOrThrow() throws(GoTimeError) -> (seconds: Int64, nanos: Int64) {
        guard input.count - at >= 4, isDigit(at) else { throw bad("2006") }
        var year: Int64 = 0
        for i in at..<(at + 4) {
            guard isDigit(i) else {
                at += 4
                throw bad("2006")
            }
            year = year * 10 + Int64(input[i] - 0x30)
        }
        at += 4
        try literal(UInt8(ascii: "-"))
        let month = try number(fixed: true, "01")
        guard (1...12).contains(month) else { throw outOfRange("month") }
        try literal(UInt8(ascii: "-"))
        let day = try number(fixed: true, "02")
        try literal(UInt8(ascii: "T"))
        let hour = try number(fixed: false, "15")
        guard hour < 24 else { throw outOfRange("hour") }
        try literal(UInt8(ascii: ":"))
        let minute = try number(fixed: true, "04")
        guard minute < 60 else { throw outOfRange("minute") }
        try literal(UInt8(ascii: ":"))
        let second = try number(fixed: true, "05")
        guard second < 60 else { throw outOfRange("second") }
        var nanos: Int64 = 0
        if at + 1 < input.count, input[at] == UInt8(ascii: "."), isDigit(at + 1) {
            var n = at + 1
            var digits = 0
            while isDigit(n) {
                if digits < 9 {
                    nanos = nanos * 10 + Int64(input[n] - 0x30)
                    digits += 1
                }
                n += 1
            }
            while digits < 9 {
                nanos *= 10
                digits += 1
            }
            at = n
        }
        var offset: Int64 = 0
        if at < input.count, input[at] == UInt8(ascii: "Z") {
            at += 1
        } else {
            guard input.count - at >= 6, input[at + 3] == UInt8(ascii: ":"),
                  input[at] == UInt8(ascii: "+") || input[at] == UInt8(ascii: "-"),
                  isDigit(at + 1), isDigit(at + 2), isDigit(at + 4), isDigit(at + 5) else { throw bad("Z07:00") }
            let hh = Int64(input[at + 1] - 0x30) * 10 + Int64(input[at + 2] - 0x30)
            let mm = Int64(input[at + 4] - 0x30) * 10 + Int64(input[at + 5] - 0x30)
            offset = (hh * 60 + mm) * 60
            if input[at] == UInt8(ascii: "-") { offset = -offset }
            at += 6
        }
        if at < input.count {
            throw GoTimeError("parsing time \"\(String(decoding: input, as: UTF8.self))\": extra text: \(rest)")
        }
        guard day >= 1, day <= Self.daysIn(month: month, year: year) else { throw outOfRange("day") }
        let seconds = GoTime.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        // Go's UnixNano wraps outside the int64 range rather than failing (parseRFC3339).
        return (seconds, nanos)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
