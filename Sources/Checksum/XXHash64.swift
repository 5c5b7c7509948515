/// XXH64 with seed 0: the hash InfluxDB 1.x's series file uses to pick a key's partition
/// (`hash % 8`) and, folded to a positive `Int64`, to place keys and ids in the index's
/// Robin Hood hash maps (`Spec/series-file.md`). Written from the published algorithm.
public enum XXHash64 {
    private static let prime1: UInt64 = 11_400_714_785_074_694_791
    private static let prime2: UInt64 = 14_029_467_366_897_019_727
    private static let prime3: UInt64 = 1_609_587_929_392_839_161
    private static let prime4: UInt64 = 9_650_029_242_287_828_579
    private static let prime5: UInt64 = 2_870_177_450_012_600_261

    /// The 64-bit hash of `bytes` with seed 0.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var p = 0
        var h: UInt64
        if count >= 32 {
            var v1 = prime1 &+ prime2, v2 = prime2, v3: UInt64 = 0, v4: UInt64 = 0 &- prime1
            while p + 32 <= count {
                v1 = round(v1, load(bytes, p))
                v2 = round(v2, load(bytes, p + 8))
                v3 = round(v3, load(bytes, p + 16))
                v4 = round(v4, load(bytes, p + 24))
                p += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1)
            h = merge(h, v2)
            h = merge(h, v3)
            h = merge(h, v4)
        } else {
            h = prime5
        }
        h = h &+ UInt64(count)
        while p + 8 <= count {
            h ^= round(0, load(bytes, p))
            h = rotl(h, 27) &* prime1 &+ prime4
            p += 8
        }
        if p + 4 <= count {
            var k: UInt64 = 0
            for i in 0..<4 { k |= UInt64(bytes[p + i]) << (8 * UInt64(i)) }
            h ^= k &* prime1
            h = rotl(h, 23) &* prime2 &+ prime3
            p += 4
        }
        while p < count {
            h ^= UInt64(bytes[p]) &* prime5
            h = rotl(h, 11) &* prime1
            p += 1
        }
        h ^= h >> 33
        h = h &* prime2
        h ^= h >> 29
        h = h &* prime3
        h ^= h >> 32
        return h
    }

    /// The 64-bit hash of a byte array.
    public static func hash(_ bytes: some Collection<UInt8>) -> UInt64 {
        if let fast = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return fast }
        return Array(bytes).withUnsafeBytes { hash($0) }
    }

    @inline(__always) private static func load(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
        return v
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* prime2, 31) &* prime1
    }

    @inline(__always) private static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* prime1 &+ prime4
    }
}

/// 1.x's `pkg/rhh` hashing as the series index uses it: XXH64 as a signed number, made
/// positive (0 becomes 1, a negative `h` becomes `0 - h` with wrap-around), so that 0 can mark
/// an empty slot.
public enum SeriesFileHash {
    /// `rhh.HashKey`: the folded hash of a series key (its length prefix included).
    public static func key(_ bytes: UnsafeRawBufferPointer) -> Int64 { fold(XXHash64.hash(bytes)) }

    /// `rhh.HashUint64`: the folded hash of an id's 8 big-endian bytes.
    public static func id(_ id: UInt64) -> Int64 {
        var be = id.bigEndian
        return withUnsafeBytes(of: &be) { fold(XXHash64.hash($0)) }
    }

    /// `rhh.Dist`: how far slot `slot` is from the slot `hash` prefers, in a table of
    /// `capacity` slots (a power of two).
    public static func distance(hash: Int64, slot: Int64, capacity: Int64) -> Int64 {
        let mask = capacity &- 1
        return (slot &+ capacity &- (hash & mask)) & mask
    }

    /// The partition (0–7) a series key belongs to: `xxhash(key) % 8`.
    public static func partition(ofKey bytes: UnsafeRawBufferPointer) -> Int { Int(XXHash64.hash(bytes) % 8) }

    /// The partition (0–7) that assigned `id`: `(id - 1) % 8`.
    public static func partition(ofID id: UInt64) -> Int { Int((id &- 1) % 8) }

    private static func fold(_ raw: UInt64) -> Int64 {
        let h = Int64(bitPattern: raw)
        if h == 0 { return 1 }
        return h < 0 ? 0 &- h : h
    }
}
