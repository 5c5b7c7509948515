import Checksum

/// 1.x's HyperLogLog++ cardinality sketch (`pkg/estimator/hll.Plus`, precision 16, sparse
/// precision 25, XXH64 of the added bytes). Index files hold four of them: live and
/// tombstoned measurement names, live and tombstoned series keys. Marshalled form
/// (big-endian):
///
/// ```
/// u8 version (2, ignored when read)   u8 precision p (4…18)   u8 1 = sparse, else dense
/// sparse: u32 n, n × u32 pending encoded hashes (1.x writes them in Go map order),
///         u32 list count, u32 last value, u32 byte size, the list: sorted encoded hashes
///         as varint deltas (7 bits a byte, low group first)
/// dense:  u32 size (2^p), one register byte each
/// ```
///
/// Pending hashes keep the order they were read or added in, so a decoded sketch marshals
/// back to the same bytes; two sketches are equal when their marshalled forms are.
public struct HLLSketch: Sendable, Equatable {
    /// The precision 1.x always uses.
    public static let defaultPrecision: UInt8 = 16
    static let version: UInt8 = 2
    static let sparsePrecision: UInt8 = 25

    enum Representation: Sendable, Equatable {
        case sparse(pending: [UInt32], list: HLLSparseList)
        case dense([UInt8])
    }

    /// p: the sketch has 2^p registers.
    public let precision: UInt8
    var representation: Representation

    /// An empty (sparse) sketch; `precision` must be 4…18 as in 1.x.
    public init(precision: UInt8 = defaultPrecision) throws(IndexFileError) {
        guard (4...18).contains(precision) else { throw .invalidSketch(reason: "precision must be between 4 and 18", offset: 0) }
        self.precision = precision
        representation = .sparse(pending: [], list: HLLSparseList())
    }

    /// An empty sketch of the default precision.
    public static var empty: HLLSketch { HLLSketch(validPrecision: defaultPrecision) }

    private init(validPrecision: UInt8) {
        precision = validPrecision
        representation = .sparse(pending: [], list: HLLSparseList())
    }

    /// Decodes 1.x's marshalled form; what follows the sketch is ignored, as 1.x ignores it.
    public init(marshaled bytes: [UInt8]) throws(IndexFileError) {
        let result: Result<HLLSketch, IndexFileError> = bytes.withUnsafeBytes { b in
            Result { () throws(IndexFileError) -> HLLSketch in try HLLSketch(marshaled: b, fileOffset: 0) }
        }
        self = try result.get()
    }

    /// Decodes a sketch; `fileOffset` is where `b` starts, for error messages.
    init(marshaled b: UnsafeRawBufferPointer, fileOffset: Int) throws(IndexFileError) {
        func fail(_ reason: String, _ at: Int) -> IndexFileError { .invalidSketch(reason: reason, offset: fileOffset + at) }
        guard b.count >= 12 else { throw fail("\(b.count) bytes, too short for a sketch", 0) }
        guard (4...18).contains(b[1]) else { throw fail("precision \(b[1]) must be between 4 and 18", 1) }
        precision = b[1]
        let end = b.count
        func u32(_ at: Int) throws(IndexFileError) -> UInt32 {
            do { return try IndexBytes.uint32(b, at, end: end, "sketch") } catch { throw fail("truncated", at) }
        }
        if b[2] == 1 {
            let n = Int(try u32(3))
            guard n <= (end - 7) / 4 else { throw fail("\(n) pending hashes do not fit", 3) }
            var pending: [UInt32] = []
            var seen = Set<UInt32>()
            for i in 0..<n {
                let k = try u32(7 + 4 * i)
                if seen.insert(k).inserted { pending.append(k) }  // 1.x reads them into a Go map
            }
            let at = 7 + 4 * n
            var list = HLLSparseList()
            list.count = try u32(at)
            list.last = try u32(at + 4)
            let size = Int(try u32(at + 8))
            guard size <= end - at - 12 else { throw fail("sparse list of \(size) bytes does not fit", at + 8) }
            list.bytes = Array(UnsafeRawBufferPointer(rebasing: b[(at + 12)..<(at + 12 + size)]))
            // A list ending inside a varint would make 1.x read past it.
            if let lastByte = list.bytes.last, lastByte & 0x80 != 0 { throw fail("sparse list ends inside a value", at + 12) }
            representation = .sparse(pending: pending, list: list)
        } else {
            let size = Int(try u32(3))
            // 1.x would panic merging registers of another count (it merges at every open).
            guard size == 1 << Int(precision) else { throw fail("\(size) registers for precision \(precision)", 3) }
            guard size <= end - 7 else { throw fail("\(size) registers do not fit", 7) }
            representation = .dense(Array(UnsafeRawBufferPointer(rebasing: b[7..<(7 + size)])))
        }
    }

    /// The marshalled form, as 1.x's `MarshalBinary` lays it out.
    public var marshaled: [UInt8] {
        var out: [UInt8] = [Self.version, precision]
        switch representation {
        case .sparse(let pending, let list):
            out.append(1)
            IndexBytes.append(UInt32(truncatingIfNeeded: pending.count), to: &out)
            for k in pending { IndexBytes.append(k, to: &out) }
            IndexBytes.append(list.count, to: &out)
            IndexBytes.append(list.last, to: &out)
            IndexBytes.append(UInt32(truncatingIfNeeded: list.bytes.count), to: &out)
            out += list.bytes
        case .dense(let registers):
            out.append(0)
            IndexBytes.append(UInt32(truncatingIfNeeded: registers.count), to: &out)
            out += registers
        }
        return out
    }

    /// True while the sketch still uses the sparse representation.
    public var isSparse: Bool {
        if case .sparse = representation { return true }
        return false
    }

    /// Number of registers, 2^p.
    var m: UInt32 { 1 << UInt32(precision) }

    /// Adds the XXH64 hash of `value` (1.x's `Add`).
    public mutating func add(_ value: some Collection<UInt8>) {
        let x: UInt64
        if let h = value.withContiguousStorageIfAvailable({ XXHash64.hash(UnsafeRawBufferPointer($0)) }) {
            x = h
        } else {
            x = Array(value).withUnsafeBytes { XXHash64.hash($0) }
        }
        add(hash: x)
    }

    /// Adds an already hashed value.
    public mutating func add(hash x: UInt64) {
        switch representation {
        case .sparse(var pending, let list):
            let k = encodeHash(x)
            if !pending.contains(k) { pending.append(k) }
            representation = .sparse(pending: pending, list: list)
            // 1.x folds the pending set into the list past 1 % of m, and goes dense when the
            // list's bytes outgrow m.
            if UInt32(truncatingIfNeeded: pending.count) &* 100 > m {
                mergePending()
                if case .sparse(_, let merged) = representation, UInt32(truncatingIfNeeded: merged.bytes.count) > m { toDense() }
            }
        case .dense(var registers):
            let p = UInt64(precision)
            let i = Int((x >> (64 - p)) & ((1 << p) - 1))
            let w = x << p | 1 << (p - 1)
            let rho = UInt8(w.leadingZeroBitCount + 1)
            if i < registers.count, rho > registers[i] { registers[i] = rho }
            representation = .dense(registers)
        }
    }

    /// 1.x's `encodeHash`: the top 25 bits as the index; when the bits between p and 25 are
    /// all zero, also the rank of the rest (low bit set marks that form).
    func encodeHash(_ x: UInt64) -> UInt32 {
        let pp = UInt64(Self.sparsePrecision), p = UInt64(precision)
        let index = UInt32(truncatingIfNeeded: (x >> (64 - pp)) & ((1 << pp) - 1))
        if (x >> (64 - pp)) & ((1 << (pp - p)) - 1) == 0 {
            let rest = (x & ((1 << (64 - pp)) - 1)) << pp | ((1 << pp) - 1)
            let zeros = UInt32(rest.leadingZeroBitCount + 1)
            return index << 7 | zeros << 1 | 1
        }
        return index << 1
    }

    /// 1.x's `decodeHash`: the register index and rank an encoded hash stands for.
    func decodeHash(_ k: UInt32) -> (index: Int, rank: UInt8) {
        let pp = UInt32(Self.sparsePrecision), p = UInt32(precision)
        if k & 1 == 1 {
            let rank = UInt8(truncatingIfNeeded: (k >> 1) & 0x3F) &+ UInt8(pp - p)
            return (Int((k >> (32 - p)) & ((1 << p) - 1)), rank)
        }
        let rank = UInt8((k << (32 - pp + p - 1)).leadingZeroBitCount + 1)
        return (Int((k >> (pp - p + 1)) & ((1 << p) - 1)), rank)
    }
}
