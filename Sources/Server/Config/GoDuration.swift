import GoText
/// A duration written the way Go's `time.ParseDuration` reads and `time.Duration.String` prints it
/// ("10s", "1h30m", "1m0s"), which is how influxdb.conf spells every duration.
public struct GoDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Length in nanoseconds.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public static func seconds(_ s: Int64) -> GoDuration { GoDuration(nanoseconds: s * 1_000_000_000) }
    public static func minutes(_ m: Int64) -> GoDuration { .seconds(m * 60) }
    public static func hours(_ h: Int64) -> GoDuration { .seconds(h * 3600) }
    public static let zero = GoDuration(nanoseconds: 0)

    public static func < (a: GoDuration, b: GoDuration) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Swift's own representation, for timers.
    public var duration: Duration { .nanoseconds(nanoseconds) }

    /// Parses Go's duration syntax: an optional sign, then one or more `<decimal><unit>` pairs
    /// with units ns, us, µs, μs, ms, s, m, h; a bare "0" is zero.
    public init(parsing text: String) throws(ConfigError) {
        var s = Substring(text)
        var negative = false
        if let c = s.first, c == "-" || c == "+" {
            negative = c == "-"
            s = s.dropFirst()
        }
        if s == "0" { self.nanoseconds = 0; return }
        if s.isEmpty { throw ConfigError("time: invalid duration \(text)") }
        var total: Double = 0
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { throw ConfigError("time: invalid duration \(text)") }
            s = s.dropFirst(number.count)
            let unit = s.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            s = s.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            case "": throw ConfigError("time: missing unit in duration \(text)")
            default: throw ConfigError("time: unknown unit \(unit) in duration \(text)")
            }
            total += value * scale
        }
        guard total < 9.223372036854775807e18 else { throw ConfigError("time: invalid duration \(text)") }
        self.nanoseconds = Int64(total.rounded()) * (negative ? -1 : 1)
    }

    /// Go's `time.Duration.String()`: "0s", "1.5s", "100ms", "1m0s", "1h0m0s".
    public var description: String { GoDurationText.string(nanoseconds) }

    /// 1.x's `logger.DurationLiteral`: the value in the largest unit that divides it exactly
    /// (`30m`, `7d`, `1500ms`), as its services log their settings.
    public var literal: String {
        let units: [(String, Int64)] = [("w", 7 * 86_400_000_000_000), ("d", 86_400_000_000_000), ("h", 3_600_000_000_000),
                                        ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000)]
        if nanoseconds == 0 { return "0s" }
        for (name, size) in units where nanoseconds % size == 0 { return "\(nanoseconds / size)\(name)" }
        return "\(nanoseconds / 1_000_000)ms"
    }
}
