#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The `Date` header's text (RFC 7231's IMF-fixdate, as Go's `http.TimeFormat`), formatted at
/// most once a second and shared by every connection.
final class HTTPDate: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((second: Int.min, text: ""))

    /// The text for the current second.
    func current() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = Int(now.tv_sec)
        return cached.withLock { cache in
            if cache.second != second { cache = (second, Self.format(unixSeconds: second)) }
            return cache.text
        }
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Wed, 02 Dec 2026 04:06:48 GMT` for a Unix time in seconds.
    static func format(unixSeconds: Int) -> String {
        var time = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
