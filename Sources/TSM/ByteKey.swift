#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TSM key as a dictionary key. `[UInt8]`'s own `Hashable` feeds the hasher a byte at a
/// time, and even `Hasher.combine(bytes:)` runs SipHash over every byte: with a 150-byte key
/// per field per point, hashing was the write path's hottest spot. The bytes are folded 8 at
/// a time into one word (``ByteKey/digest(_:)``, seeded per process so that clients cannot
/// aim collisions at it), and only that word goes through `Hasher`.
public struct ByteKey: Hashable, Comparable, Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.withUnsafeBytes(Self.digest))
    }

    /// The process's seed for ``digest(_:)``.
    static let seed = UInt64.random(in: 0 ... .max)

    /// A 64-bit digest of `raw`: multiply-and-fold over 8-byte words, a final avalanche.
    @inline(__always)
    public static func digest(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h = seed ^ (UInt64(raw.count) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        while i + 8 <= raw.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < raw.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < raw.count {
                tail |= UInt64(raw[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        h = (h ^ (h >> 30)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.bytes.count == b.bytes.count else { return false }
        guard !a.bytes.isEmpty else { return true }
        return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// The positions of `keys` in byte order. The keys are copied into one buffer first, so
    /// that the sort compares bytes with memcmp and touches no reference counts (a snapshot of
    /// a high-cardinality cache sorts hundreds of thousands of keys).
    public static func sortedOrder(_ keys: [ByteKey]) -> [Int] {
        var offsets = [Int](repeating: 0, count: keys.count + 1)
        for (i, key) in keys.enumerated() { offsets[i + 1] = offsets[i] + key.bytes.count }
        var arena = [UInt8]()
        arena.reserveCapacity(offsets[keys.count])
        for key in keys { arena += key.bytes }
        var order = Array(keys.indices)
        arena.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            order.sort { a, b in
                let la = offsets[a + 1] - offsets[a], lb = offsets[b + 1] - offsets[b]
                let c = memcmp(base + offsets[a], base + offsets[b], Swift.min(la, lb))
                return c != 0 ? c < 0 : la < lb
            }
        }
        return order
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
