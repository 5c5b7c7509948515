/// A byte count as influxdb.conf spells it: a bare integer, or a string with a `k`, `m` or `g`
/// suffix (powers of 1024), e.g. `"25m"`.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }
    public static func < (a: ByteSize, b: ByteSize) -> Bool { a.bytes < b.bytes }

    /// Parses `"1g"`, `"25m"`, `"512k"` or `"1000"` with 1.x's error texts.
    public init(parsing text: String) throws(ConfigError) {
        guard let last = text.last else { throw ConfigError("size was empty") }
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        if !(last.isASCII && last.isNumber) {
            switch last {
            case "k", "K": multiplier = 1 << 10
            case "m", "M": multiplier = 1 << 20
            case "g", "G": multiplier = 1 << 30
            default: throw ConfigError("unknown size suffix: \(last) (expected k, m, or g)")
            }
            digits = digits.dropLast()
        }
        guard let value = UInt64(digits) else { throw ConfigError("invalid size: \(text)") }
        guard UInt64.max / multiplier >= value else {
            throw ConfigError("size would overflow the max size (\(UInt64.max)) of a uint: \(text)")
        }
        self.bytes = value * multiplier
    }

    /// Printed as a plain byte count, which every 1.x release reads back.
    public var description: String { String(bytes) }
}
