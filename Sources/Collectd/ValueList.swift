/// One value as collectd sends it; the types.db entry of the value list's type may convert
/// it to another kind (see ``DataSourceKind/convert(_:)``).
public enum CollectdValue: Sendable, Hashable {
    case counter(UInt64)
    case gauge(Double)
    case derive(Int64)

    /// The stored field value: 1.x writes every kind as a float.
    public var double: Double {
        switch self {
        case .counter(let v): Double(v)
        case .gauge(let v): v
        case .derive(let v): Double(v)
        }
    }
}

/// One `values` part with the identifier, time and interval in effect where it appeared.
public struct ValueList: Sendable, Hashable {
    public var host = ""
    public var plugin = ""
    public var pluginInstance = ""
    public var type = ""
    public var typeInstance = ""
    /// Unix nanoseconds, computed as Go's `time.Time.UnixNano` (wrapping); nil when the
    /// packet had no time part before the values (Go's zero time).
    public var time: Int64?
    /// Nanoseconds.
    public var interval: Int64 = 0
    public var values: [CollectdValue] = []
    /// The data source names from types.db, one per value.
    public var dataSourceNames: [String] = []

    public init() {}

    /// The name of value `index`: its data source's, or, without types.db names, `value` for
    /// a single value and the index otherwise (collectd's Go library's `DSName`).
    public func dataSourceName(_ index: Int) -> String {
        if index < dataSourceNames.count { return dataSourceNames[index] }
        return values.count == 1 ? "value" : String(index)
    }
}

/// The minimum security a packet's value lists need to be accepted (`security-level`);
/// encrypted parts satisfy `sign` as well.
public enum SecurityLevel: Int, Sendable, Comparable {
    case none, sign, encrypt

    /// `none`, `sign` or `encrypt`, as in the config.
    public init?(configValue: String) {
        switch configValue {
        case "none": self = .none
        case "sign": self = .sign
        case "encrypt": self = .encrypt
        default: return nil
        }
    }

    public static func < (a: SecurityLevel, b: SecurityLevel) -> Bool { a.rawValue < b.rawValue }
}
