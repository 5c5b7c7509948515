import Foundation

/// The cardinality estimator 1.6's `report` counts with — HyperLogLog++ as the retailnext
/// `hllpp` package implements it: precision 14 (16384 registers), a sparse form with
/// precision 20 while it is smaller than the registers would be (linear counting over 2^20
/// buckets: exact in practice for small sets), MurmurHash3 (x64, 128-bit, seed 0, first half)
/// of the bytes. One difference: hllpp subtracts the paper's empirical bias for dense
/// estimates below 5·16384 once linear counting no longer applies (11500 and up); Sundial
/// does not carry those tables, so such estimates may differ by a few percent.
struct HyperLogLog {
    private static let p: UInt64 = 14, sparseP: UInt64 = 20
    private static let m = 1 << 14, sparseM = 1 << 20
    /// hllpp switches to linear counting below this estimate at precision 14.
    private static let linearThreshold = 11500.0

    private var sparse = true
    /// Sorted by sparse index, one per index (the largest rank kept).
    private var merged: [UInt32] = []
    private var pending: [UInt32] = []
    private var registers: [UInt8] = []

    mutating func add(_ bytes: some Collection<UInt8>) {
        let x = Self.murmur3(Array(bytes))
        if sparse {
            pending.append(Self.encode(x))
            // hllpp merges when the pending list reaches a quarter of the dense size.
            if 4 * pending.count * 8 >= 6 * Self.m / 4 { flushPending() }
        } else {
            let index = Int(x >> (64 - Self.p))
            let rank = UInt8(((x << Self.p) | (1 << (Self.p - 1))).leadingZeroBitCount + 1)
            if rank > registers[index] { registers[index] = rank }
        }
    }

    mutating func count() -> UInt64 {
        if sparse {
            flushPending()
            return Self.linearCounting(Self.sparseM, Self.sparseM - merged.count)
        }
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1.0 / Double(UInt64(1) << r)
            if r == 0 { zeros += 1 }
        }
        if zeros > 0 {
            let lc = Self.linearCounting(Self.m, zeros)
            if Double(lc) < Self.linearThreshold { return lc }
        }
        let m = Double(Self.m)
        let estimate = 0.7213 / (1 + 1.079 / m) * m * m / sum
        return UInt64(estimate + 0.5)
    }

    private static func linearCounting(_ m: Int, _ v: Int) -> UInt64 {
        UInt64(Double(m) * log(Double(m) / Double(v)) + 0.5)
    }

    /// The sparse form of a hash: its top 20 bits, and — when the 6 bits after the top 14 are
    /// all zero, so the dense rank cannot be recovered from the index — the rank of the rest.
    private static func encode(_ x: UInt64) -> UInt32 {
        let index = x >> (64 - sparseP)
        let between = (x << p) >> (64 - (sparseP - p))
        if between == 0 {
            let rank = UInt64(((x << sparseP) | ((1 << sparseP) - 1)).leadingZeroBitCount + 1)
            return UInt32(truncatingIfNeeded: index << 7 | rank << 1 | 1)
        }
        return UInt32(truncatingIfNeeded: index << 1)
    }

    /// The sparse index of an encoded value.
    private static func sparseIndex(_ k: UInt32) -> UInt32 { k & 1 == 1 ? k >> 7 : k >> 1 }

    /// The dense register index and rank of an encoded value.
    private static func dense(_ k: UInt32) -> (index: Int, rank: UInt8) {
        let sparseIndex = Self.sparseIndex(k)
        let index = Int(sparseIndex >> UInt32(sparseP - p))
        if k & 1 == 1 { return (index, UInt8((k >> 1) & 0x3F) + UInt8(sparseP - p)) }
        let low = UInt64(sparseIndex) & ((1 << (sparseP - p)) - 1)
        return (index, UInt8((low << (64 - (sparseP - p))).leadingZeroBitCount + 1))
    }

    private static func rank(_ k: UInt32) -> UInt8 { dense(k).rank }

    private mutating func flushPending() {
        guard !pending.isEmpty else { return }
        pending.sort { Self.sparseIndex($0) < Self.sparseIndex($1) }
        var out: [UInt32] = []
        out.reserveCapacity(merged.count + pending.count)
        var i = 0, j = 0
        func put(_ k: UInt32) {
            if let last = out.last, Self.sparseIndex(last) == Self.sparseIndex(k) {
                if Self.rank(k) > Self.rank(last) { out[out.count - 1] = k }
            } else {
                out.append(k)
            }
        }
        while i < merged.count || j < pending.count {
            if j == pending.count || (i < merged.count && Self.sparseIndex(merged[i]) <= Self.sparseIndex(pending[j])) {
                put(merged[i])
                i += 1
            } else {
                put(pending[j])
                j += 1
            }
        }
        merged = out
        pending = []
        // hllpp stores the sparse list as uvarint deltas and goes dense once that is as large
        // as the 6-bit registers would be.
        var size = 0
        var last: UInt32 = 0
        for k in merged {
            var delta = UInt64(k &- last)
            repeat {
                size += 1
                delta >>= 7
            } while delta > 0
            last = k
        }
        if size * 8 >= 6 * Self.m { toDense() }
    }

    private mutating func toDense() {
        registers = [UInt8](repeating: 0, count: Self.m)
        for k in merged {
            let (index, rank) = Self.dense(k)
            if rank > registers[index] { registers[index] = rank }
        }
        merged = []
        sparse = false
    }

    /// MurmurHash3 x64 128-bit with seed 0: the first 64-bit half.
    static func murmur3(_ data: [UInt8]) -> UInt64 {
        let c1: UInt64 = 0x87C3_7B91_1142_53D5, c2: UInt64 = 0x4CF5_AD43_2745_937F
        var h1: UInt64 = 0, h2: UInt64 = 0
        func load(_ at: Int, _ count: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in stride(from: count - 1, through: 0, by: -1) { v = v << 8 | UInt64(data[at + i]) }
            return v
        }
        func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
        func mix(_ k: UInt64) -> UInt64 {
            var k = k
            k ^= k >> 33
            k &*= 0xFF51_AFD7_ED55_8CCD
            k ^= k >> 33
            k &*= 0xC4CE_B9FE_1A85_EC53
            k ^= k >> 33
            return k
        }
        let blocks = data.count / 16
        for b in 0..<blocks {
            var k1 = load(b * 16, 8), k2 = load(b * 16 + 8, 8)
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52DC_E729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5AB5
        }
        let tail = blocks * 16, rest = data.count & 15
        if rest > 8 {
            var k2 = load(tail + 8, rest - 8)
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
        }
        if rest > 0 {
            var k1 = load(tail, min(rest, 8))
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(data.count); h2 ^= UInt64(data.count)
        h1 &+= h2; h2 &+= h1
        h1 = mix(h1); h2 = mix(h2)
        h1 &+= h2
        return h1
    }
}

/// What `report` counts distinct keys with: estimated (HyperLogLog++) or, with `-exact`, a set.
struct DistinctCounter {
    private var estimator: HyperLogLog?
    private var exact: Set<[UInt8]>

    init(exact: Bool) {
        estimator = exact ? nil : HyperLogLog()
        self.exact = []
    }

    mutating func add(_ bytes: some Collection<UInt8>) {
        if estimator != nil { estimator!.add(bytes) } else { exact.insert(Array(bytes)) }
    }

    mutating func count() -> UInt64 {
        if estimator != nil { return estimator!.count() }
        return UInt64(exact.count)
    }
}
