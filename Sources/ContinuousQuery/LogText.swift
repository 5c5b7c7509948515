import Foundation
import Query
import GoText

/// How 1.x's logger prints the values of the CQ service's fields.
enum LogText {
    /// A `zap.Time` field: UTC with six fraction digits (`2006-01-02T15:04:05.000000Z`).
    static func time(_ ns: Int64) -> String {
        var out: [UInt8] = []
        RFC3339.append(ns, nano: false, to: &out)
        out.removeLast()  // the "Z"
        var fraction = ns % 1_000_000_000
        if fraction < 0 { fraction += 1_000_000_000 }
        let micros = String(fraction / 1000)
        return String(decoding: out, as: UTF8.self) + "." + String(repeating: "0", count: 6 - micros.count) + micros + "Z"
    }

    /// A `zap.Duration` field (`op_elapsed`): milliseconds with three decimals.
    static func milliseconds(_ d: Swift.Duration) -> String {
        String(format: "%.3fms", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
    }

    /// 1.x's `logger.DurationLiteral`: the largest whole unit (y, w, d, h, m, s), else
    /// whole milliseconds.
    static func durationLiteral(_ d: Swift.Duration) -> String {
        let ns = d.nanosecondCount
        if ns == 0 { return "0s" }
        let second: Int64 = 1_000_000_000, minute = 60 * second, hour = 60 * minute, day = 24 * hour
        for (unit, size) in [("y", 365 * day), ("w", 7 * day), ("d", day), ("h", hour), ("m", minute), ("s", second)] where ns % size == 0 {
            return "\(ns / size)\(unit)"
        }
        return "\(ns / 1_000_000)ms"
    }
}
