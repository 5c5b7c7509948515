/// A configuration file, key or environment override that cannot be applied.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
