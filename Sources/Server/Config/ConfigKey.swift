import HTTPD

/// One scalar setting of a config section: its influxdb.conf name and where it lives in the Swift value.
///
/// The same table of keys drives TOML loading, `INFLUXDB_<SECTION>_<KEY>` environment overrides
/// and `sundiald config` output, so the three can never disagree about names.
public struct ConfigKey<Section>: @unchecked Sendable {
    /// How the value is spelled in TOML and in the environment.
    public enum Kind {
        case bool(WritableKeyPath<Section, Bool>)
        case int(WritableKeyPath<Section, Int>)
        case string(WritableKeyPath<Section, String>)
        case duration(WritableKeyPath<Section, GoDuration>)
        case size(WritableKeyPath<Section, ByteSize>)
        case strings(WritableKeyPath<Section, [String]>)
        /// A nested table of string values, e.g. `[http.headers]`.
        case stringMap(WritableKeyPath<Section, [String: String]>)
        /// 1.x's `toml.FileMode`: an octal string (`"0777"`); empty keeps the default.
        case fileMode(WritableKeyPath<Section, UInt32>)
        /// 1.x's `toml.Group`: a group name (string) or id (integer).
        case group(WritableKeyPath<Section, UnixSocketGroup?>)
    }

    public let name: String
    public let kind: Kind

    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// A struct that is one `[section]` (or one element of a `[[section]]` array) of influxdb.conf.
public protocol ConfigSection: Sendable, Equatable {
    init()
    static var keys: [ConfigKey<Self>] { get }
    /// What a `[[section]]` table starts from (see `Config+ArrayElements.swift`).
    static var arrayElement: Self { get }
}
