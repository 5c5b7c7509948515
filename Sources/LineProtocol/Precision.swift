/// Timestamp precision of `/write?precision=` (and of the UDP input's `precision`).
public enum Precision: Sendable, Hashable, CaseIterable {
    case nanosecond, microsecond, millisecond, second, minute, hour

    /// 1.x's query values: `n`/`ns`, `u`, `ms`, `s`, `m`, `h`. Anything else — `""`, `us`, typos —
    /// is nanoseconds, as 1.6 does not validate the parameter.
    public init(queryValue: String) {
        switch queryValue {
        case "u": self = .microsecond
        case "ms": self = .millisecond
        case "s": self = .second
        case "m": self = .minute
        case "h": self = .hour
        default: self = .nanosecond
        }
    }

    /// Nanoseconds in one unit.
    public var nanosecondsPerUnit: Int64 {
        switch self {
        case .nanosecond: 1
        case .microsecond: 1_000
        case .millisecond: 1_000_000
        case .second: 1_000_000_000
        case .minute: 60_000_000_000
        case .hour: 3_600_000_000_000
        }
    }
}

/// The range of times a point may have: 1.x keeps `Int64.min` and `Int64.min + 1` as sentinels
/// and `Int64.max` as the exclusive end of the last shard group.
public enum TimeRange {
    public static let minNanoseconds = Int64.min + 2
    public static let maxNanoseconds = Int64.max - 1
}
