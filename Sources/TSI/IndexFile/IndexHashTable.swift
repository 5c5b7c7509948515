import Checksum

/// One of the file's Robin Hood hash indexes (measurements, a tag block's keys, a tag key's
/// values): a big-endian `UInt64` slot count `n` (a power of two), then `n` big-endian
/// `UInt64` element offsets, 0 for an empty slot. An element sits at or after the slot
/// `rhh.HashKey(name) & (n - 1)` (`pkg/rhh`: XXH64 folded to a positive `Int64`).
struct IndexHashTable: Sendable {
    let storage: IndexFileStorage
    /// Absolute position of the first slot.
    let slots: Int
    let capacity: Int

    /// Checks that `range` holds exactly a slot count and that many slots.
    init(storage: IndexFileStorage, range: Range<Int>, what: String) throws(IndexFileError) {
        let b = storage.bytes
        let n = try IndexBytes.uint64(b, range.lowerBound, end: range.upperBound, what)
        guard n > 0, n & (n - 1) == 0, n <= UInt64((range.count - 8) / 8), 8 + 8 * Int(n) == range.count else {
            throw .invalidHashIndex(what: "\(what) has \(n) slots in \(range.count) bytes", offset: range.lowerBound)
        }
        self.storage = storage
        slots = range.lowerBound + 8
        capacity = Int(n)
    }

    /// The offset stored in slot `i` (0 = empty).
    func offset(at i: Int) -> UInt64 {
        var v: UInt64 = 0
        let at = slots + 8 * i
        for k in 0..<8 { v = v << 8 | UInt64(storage.bytes[at + k]) }
        return v
    }

    /// 1.x's probe for `name`: from the home slot, decode each resident with `element` (which
    /// gives its name's range); stop at an empty slot, at a resident closer to its own home
    /// than we are to ours, or after `capacity + 1` probes. Returns the matching element.
    func find<E>(_ name: some Collection<UInt8>, element: (UInt64) throws(IndexFileError) -> (E, Range<Int>)) throws(IndexFileError) -> E? {
        let hash = Self.hash(name)
        let cap = Int64(capacity)
        var pos = Int(UInt64(bitPattern: hash) & UInt64(capacity - 1))
        var distance: Int64 = 0
        let b = storage.bytes
        while true {
            let offset = offset(at: pos)
            if offset == 0 { return nil }
            let (elem, nameRange) = try element(offset)
            let resident = UnsafeRawBufferPointer(rebasing: b[nameRange])
            if resident.count == name.count, resident.elementsEqual(name) { return elem }
            let residentHash = SeriesFileHash.key(resident)
            if distance > SeriesFileHash.distance(hash: residentHash, slot: Int64(pos), capacity: cap) { return nil }
            pos = (pos + 1) & (capacity - 1)
            distance += 1
            if distance > cap { return nil }
        }
    }

    /// `rhh.HashKey`.
    static func hash(_ name: some Collection<UInt8>) -> Int64 {
        if let h = name.withContiguousStorageIfAvailable({ SeriesFileHash.key(UnsafeRawBufferPointer($0)) }) { return h }
        return Array(name).withUnsafeBytes { SeriesFileHash.key($0) }
    }
}
