/// The sparse representation's sorted list (1.x's `compressedList`): how many values were
/// appended, the last one, and the values as varint deltas.
struct HLLSparseList: Sendable, Equatable {
    var count: UInt32 = 0
    var last: UInt32 = 0
    var bytes: [UInt8] = []

    mutating func append(_ x: UInt32) {
        count &+= 1
        var delta = x &- last
        while delta & 0xFFFF_FF80 != 0 {
            bytes.append(UInt8(truncatingIfNeeded: delta & 0x7F) | 0x80)
            delta >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: delta & 0x7F))
        last = x
    }

    /// The values, decoded as 1.x's iterator does: each varint (groups shifted past 32 bits
    /// vanish, as Go's shifts do) added, wrapping, to the previous value. The list is known
    /// to end on a complete varint (see `HLLSketch.init(marshaled:)`).
    var values: [UInt32] {
        var out: [UInt32] = []
        var i = 0
        var previous: UInt32 = 0
        while i < bytes.count {
            var x: UInt32 = 0
            var shift = 0
            while i < bytes.count, bytes[i] & 0x80 != 0 {
                x |= UInt32(bytes[i] & 0x7F) << shift
                shift += 7
                i += 1
            }
            if i < bytes.count { x |= UInt32(bytes[i]) << shift }
            i += 1
            previous = x &+ previous
            out.append(previous)
        }
        return out
    }
}

extension HLLSketch {
    /// 1.x's `mergeSparse`: sorted pending hashes merged into the list (equal values once).
    mutating func mergePending() {
        guard case .sparse(let pending, let list) = representation, !pending.isEmpty else { return }
        representation = .sparse(pending: [], list: Self.merged(list, pending))
    }

    static func merged(_ list: HLLSparseList, _ pending: [UInt32]) -> HLLSparseList {
        let keys = pending.sorted()
        let old = list.values
        var out = HLLSparseList()
        var i = 0, j = 0
        while j < old.count || i < keys.count {
            if j >= old.count {
                out.append(keys[i]); i += 1
            } else if i >= keys.count {
                out.append(old[j]); j += 1
            } else if old[j] == keys[i] {
                out.append(old[j]); j += 1; i += 1
            } else if old[j] > keys[i] {
                out.append(keys[i]); i += 1
            } else {
                out.append(old[j]); j += 1
            }
        }
        return out
    }

    /// 1.x's `toNormal`: registers filled from every sparse value.
    mutating func toDense() {
        guard case .sparse = representation else { return }
        mergePending()
        var registers = [UInt8](repeating: 0, count: Int(m))
        if case .sparse(_, let list) = representation {
            for k in list.values { raise(&registers, k) }
        }
        representation = .dense(registers)
    }

    private func raise(_ registers: inout [UInt8], _ k: UInt32) {
        let (i, r) = decodeHash(k)
        if i < registers.count, registers[i] < r { registers[i] = r }
    }

    /// 1.x's `Merge`: this sketch becomes dense and takes the larger register of the two.
    public mutating func merge(_ other: HLLSketch) throws(IndexFileError) {
        guard precision == other.precision else { throw .invalidSketch(reason: "precisions must be equal", offset: 0) }
        toDense()
        guard case .dense(var registers) = representation else { return }
        switch other.representation {
        case .sparse(let pending, let list):
            for k in pending { other.raise(&registers, k) }
            for k in list.values { other.raise(&registers, k) }
        case .dense(let theirs):
            for (i, v) in theirs.enumerated() where i < registers.count && v > registers[i] { registers[i] = v }
        }
        representation = .dense(registers)
    }
}
