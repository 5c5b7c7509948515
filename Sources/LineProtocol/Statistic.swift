/// One component's counters at one moment (1.x's `models.Statistic`): what `SHOW STATS`
/// shows as a series, `/debug/vars` as an entry, and the monitor writes to `_internal` as a
/// point of measurement `name`.
///
/// It lives beside ``Point`` (1.x keeps it in `models`) so that every component can report
/// statistics without depending on the monitor.
public struct Statistic: Sendable, Hashable {
    /// The measurement: `shard`, `httpd`, `tsm1_cache`, …
    public var name: String
    /// The series' tags (`database`, `id`, `bind`, …); the monitor adds its global tags.
    public var tags: [String: String]
    /// The fields, by 1.x's names. Shown sorted by name (Go maps carry no order).
    public var values: [String: StatisticValue]

    public init(name: String, tags: [String: String] = [:], values: [String: StatisticValue] = [:]) {
        self.name = name
        self.tags = tags
        self.values = values
    }

    /// The statistic with `extra` tags added; where both have a key, `extra`'s value wins
    /// (1.x's `StatisticTags.Merge`, through which reporters add the caller's tags).
    public func adding(tags extra: [String: String]) -> Statistic {
        guard !extra.isEmpty else { return self }
        var copy = self
        copy.tags = tags.merging(extra) { _, given in given }
        return copy
    }
}

/// A statistic's value: 1.x's statistics are Go `int64` or `float64`.
public enum StatisticValue: Sendable, Hashable {
    case integer(Int64)
    case float(Double)
}

extension StatisticValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension StatisticValue {
    /// A count from a Swift `Int` (the platform's width is 64 bits; clamped otherwise).
    public static func count(_ value: Int) -> StatisticValue { .integer(Int64(clamping: value)) }
}

/// A component that reports statistics (1.x's `monitor.Reporter`). It is asked by the
/// monitor's store loop, `SHOW STATS` and `/debug/vars`: reading must be cheap and never
/// block (counters are atomics or copied under a short lock, no disk I/O).
public protocol StatisticsReporter: Sendable {
    /// The current statistics, each with `tags` added (``Statistic/adding(tags:)``).
    func statistics(tags: [String: String]) -> [Statistic]
}
