#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Line protocol's escape rules: which bytes a backslash escapes in each part of a line. Any
/// other backslash is literal.
public enum Escaping {
    public static let measurement: [UInt8] = [ASCII.comma, ASCII.space]
    public static let tag: [UInt8] = [ASCII.comma, ASCII.equals, ASCII.space]
    /// What 1.x's `Point.Name` unescapes in a stored key's measurement (`escape.Unescape`):
    /// more than line protocol escapes when writing one.
    public static let name: [UInt8] = [ASCII.comma, ASCII.quote, ASCII.space, ASCII.equals]
    static let fieldKey: [UInt8] = [ASCII.comma, ASCII.equals, ASCII.space, ASCII.quote]
    static let stringValue: [UInt8] = [ASCII.quote, ASCII.backslash]

    static func unescape(_ bytes: UnsafeRawBufferPointer, _ escapable: [UInt8]) -> String {
        guard bytes.contains(ASCII.backslash) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == ASCII.backslash, i + 1 < bytes.count, escapable.contains(bytes[i + 1]) {
                out.append(bytes[i + 1])
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes with their escapes removed (not decoded as text: 1.x keeps any bytes).
    static func unescapeBytes(_ bytes: some Collection<UInt8>, _ escapable: [UInt8]) -> [UInt8] {
        if let plain = bytes.withContiguousStorageIfAvailable({ $0.isEmpty || memchr($0.baseAddress!, Int32(ASCII.backslash), $0.count) == nil }), plain {
            return Array(bytes)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var escaped = false
        for b in bytes {
            if escaped {
                // As `unescape`: a backslash before a byte it cannot escape is literal, and a
                // second backslash may itself escape what follows.
                if escapable.contains(b) {
                    out.append(b)
                    escaped = false
                } else if b == ASCII.backslash {
                    out.append(ASCII.backslash)
                } else {
                    out.append(ASCII.backslash)
                    out.append(b)
                    escaped = false
                }
            } else if b == ASCII.backslash {
                escaped = true
            } else {
                out.append(b)
            }
        }
        if escaped { out.append(ASCII.backslash) }
        return out
    }

    /// Appends `s` with a backslash before each byte of `escapable` (a series key writes tag
    /// keys and values with ``tag``, measurement names with ``measurement``).
    public static func escape(_ s: String, _ escapable: [UInt8], into out: inout [UInt8]) {
        escape(s.utf8, escapable, into: &out)
    }

    public static func escape(_ bytes: some Sequence<UInt8>, _ escapable: [UInt8], into out: inout [UInt8]) {
        for b in bytes {
            if escapable.contains(b) { out.append(ASCII.backslash) }
            out.append(b)
        }
    }
}
