import Foundation

/// A `tz()` location: the UTC offset in force at an instant, as Go's `time.In(loc).Zone()`
/// gives it from the system zoneinfo.
public struct Zone: Sendable, Hashable {
    public let timeZone: TimeZone

    /// nil for names the system does not know ("UTC" and "" are UTC, as in Go).
    public init?(_ name: String) {
        if name.isEmpty || name == "UTC" {
            timeZone = TimeZone(identifier: "UTC")!
        } else if name == "Local" {
            timeZone = TimeZone.current
        } else {
            guard let tz = TimeZone(identifier: name) else { return nil }
            timeZone = tz
        }
    }

    /// The offset east of UTC at `ns`, in nanoseconds.
    func offset(_ ns: Int64) -> Int64 {
        Int64(seconds(ns)) * 1_000_000_000
    }

    /// The offset east of UTC at `ns`, in seconds.
    public func seconds(_ ns: Int64) -> Int {
        var s = ns / 1_000_000_000
        if ns < 0 && ns % 1_000_000_000 != 0 { s -= 1 }
        return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(s)))
    }

    /// The instant whose local wall-clock reading is `local` (a zone-less literal read in this
    /// location): the offset found at the local reading, then at the instant it gives.
    func instant(local: Int64) -> Int64 {
        let guess = local &- offset(local)
        return local &- offset(guess)
    }
}

extension RFC3339 {
    /// Go's `RFC3339Nano` of the time in a zone: local wall-clock time, then `Z` when the
    /// offset is zero or `±hh:mm`.
    public static func append(_ unixNanos: Int64, zone: Zone, to out: inout [UInt8]) {
        let offset = zone.seconds(unixNanos)
        append(unixNanos &+ Int64(offset) * 1_000_000_000, to: &out)
        guard offset != 0 else { return }
        out.removeLast()  // the "Z"
        out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let m = abs(offset) / 60
        for d in [m / 600, m / 60 % 10, -1, m % 60 / 10, m % 10] {
            out.append(d < 0 ? UInt8(ascii: ":") : UInt8(ascii: "0") + UInt8(d))
        }
    }
}
