#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TSM key as a dictionary key: hashed as one run of bytes. `[UInt8]`'s own `Hashable`
/// feeds the hasher a byte at a time, which made hashing the write path's hottest spot
/// (a 200-byte series key per field per write).
public struct ByteKey: Hashable, Comparable, Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.bytes.count == b.bytes.count else { return false }
        guard !a.bytes.isEmpty else { return true }
        return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// Byte order (memcmp, then length), the order of keys in TSM files.
    public static func < (a: Self, b: Self) -> Bool {
        let n = Swift.min(a.bytes.count, b.bytes.count)
        if n > 0 {
            let c = a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, n) } }
            if c != 0 { return c < 0 }
        }
        return a.bytes.count < b.bytes.count
    }
}
