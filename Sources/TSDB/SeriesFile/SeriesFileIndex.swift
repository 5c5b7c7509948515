import Checksum
/// The fixed header of a partition's `index` file (69 bytes, big-endian): magic `SIDX`,
/// version 1, the highest series id and segment offset the maps cover, the number of series
/// they were built from, the slot count of each map, and where each map lies in the file.
public struct SeriesFileIndexHeader: Sendable, Equatable {
    /// `SIDX`.
    public static let magic: [UInt8] = Array("SIDX".utf8)
    /// The only version 1.x writes.
    public static let version: UInt8 = 1
    /// The header's size in bytes.
    public static let size = 69
    /// The size of one map slot: two big-endian `UInt64`s.
    public static let slotSize = 16

    public var version: UInt8
    /// The id of the last insert entry the maps cover.
    public var maxSeriesID: UInt64
    /// The offset (`SeriesFileOffset`) of that entry; entries after it are not in the maps.
    public var maxOffset: Int64
    /// How many insert entries (deleted ones included) lie at or before `maxOffset`.
    public var count: UInt64
    /// Slots in each map: a power of two.
    public var capacity: Int64
    /// Byte offset and size of the key→id map.
    public var keyIDMap: (offset: Int64, size: Int64)
    /// Byte offset and size of the id→offset map.
    public var idOffsetMap: (offset: Int64, size: Int64)

    public static func == (a: SeriesFileIndexHeader, b: SeriesFileIndexHeader) -> Bool {
        a.version == b.version && a.maxSeriesID == b.maxSeriesID && a.maxOffset == b.maxOffset && a.count == b.count
            && a.capacity == b.capacity && a.keyIDMap == b.keyIDMap && a.idOffsetMap == b.idOffsetMap
    }

    /// Decodes a header; errors as 1.x's (`EOF`, `unexpected EOF`, `invalid series index`),
    /// plus a version other than 1.
    public init(_ data: UnsafeRawBufferPointer) throws(SeriesFileError) {
        if data.isEmpty { throw .io("EOF") }
        if data.count < 4 { throw .io("unexpected EOF") }
        guard Array(data[0..<4]) == Self.magic else { throw .invalidIndex }
        if data.count < 5 { throw .io("EOF") }
        guard data[4] == Self.version else { throw .invalidIndexVersion(data[4]) }
        guard data.count >= Self.size else { throw .io(data.count == 5 || (data.count - 5) % 8 == 0 ? "EOF" : "unexpected EOF") }
        func u(_ at: Int) -> UInt64 { SeriesFileBytes.uint64(data, at) ?? 0 }
        version = data[4]
        maxSeriesID = u(5)
        maxOffset = Int64(bitPattern: u(13))
        count = u(21)
        capacity = Int64(bitPattern: u(29))
        keyIDMap = (Int64(bitPattern: u(37)), Int64(bitPattern: u(45)))
        idOffsetMap = (Int64(bitPattern: u(53)), Int64(bitPattern: u(61)))
    }

    /// A header with the given values (for tests and the future writer).
    public init(maxSeriesID: UInt64, maxOffset: Int64, count: UInt64, capacity: Int64) {
        version = Self.version
        self.maxSeriesID = maxSeriesID
        self.maxOffset = maxOffset
        self.count = count
        self.capacity = capacity
        keyIDMap = (Int64(Self.size), capacity * Int64(Self.slotSize))
        idOffsetMap = (Int64(Self.size) + capacity * Int64(Self.slotSize), capacity * Int64(Self.slotSize))
    }

    /// The header's 69 bytes.
    public var bytes: [UInt8] {
        var out = Self.magic + [version]
        for v in [maxSeriesID, UInt64(bitPattern: maxOffset), count, UInt64(bitPattern: capacity),
                  UInt64(bitPattern: keyIDMap.offset), UInt64(bitPattern: keyIDMap.size),
                  UInt64(bitPattern: idOffsetMap.offset), UInt64(bitPattern: idOffsetMap.size)] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
        return out
    }
}

/// A partition's on-disk `index` file: the header and two Robin Hood hash maps of
/// `capacity` 16-byte slots each, written when a partition's in-memory series pass 1.x's
/// compaction threshold (131,072). In the key→id map a slot holds the offset of the series'
/// insert entry, then its id; it sits at or after slot `hash(key) & (capacity - 1)`. In the
/// id→offset map a slot holds the id, then the offset; it sits at or after slot
/// `hash(id bytes) & (capacity - 1)`. An all-zero slot is empty. Lookups probe as 1.x's
/// (`tsdb.SeriesIndex`), but never more than `capacity` slots and never outside the maps.
public struct SeriesFileIndex: Sendable {
    public let header: SeriesFileIndexHeader
    /// The file's bytes.
    public let data: [UInt8]

    /// Checks the header and that both maps lie inside the file with `capacity` slots each.
    public init(data: [UInt8]) throws(SeriesFileError) {
        header = try data.withSeriesFileBytes { (b: UnsafeRawBufferPointer) throws(SeriesFileError) -> SeriesFileIndexHeader in
            try Self.checkedHeader(b)
        }
        self.data = data
    }

    /// The header of an index file's bytes, once its maps are known to lie inside them.
    static func checkedHeader(_ b: UnsafeRawBufferPointer) throws(SeriesFileError) -> SeriesFileIndexHeader {
        let header = try SeriesFileIndexHeader(b)
        let capacity = header.capacity
        guard capacity > 0, capacity & (capacity - 1) == 0, capacity <= Int64(b.count / SeriesFileIndexHeader.slotSize) else {
            throw .invalidIndexLayout("capacity \(capacity) is not a power of two that fits the file")
        }
        let mapSize = capacity * Int64(SeriesFileIndexHeader.slotSize)
        for (name, map) in [("key/id", header.keyIDMap), ("id/offset", header.idOffsetMap)] {
            guard map.offset >= Int64(SeriesFileIndexHeader.size), map.size == mapSize, map.offset <= Int64(b.count) - map.size else {
                throw .invalidIndexLayout("\(name) map at \(map.offset) size \(map.size) does not hold \(capacity) slots inside the \(b.count)-byte file")
            }
        }
        return header
    }

    /// Reads and checks the index file at `path`.
    public static func read(path: String) throws(SeriesFileError) -> SeriesFileIndex {
        try SeriesFileIndex(data: SeriesFileBytes.readFile(path))
    }

    /// Slots in each map.
    public var capacity: Int { Int(header.capacity) }

    /// The maps over the file's bytes, for the duration of `body`.
    func withMaps<T>(_ body: (SeriesFileIndexMaps) -> T) -> T {
        data.withUnsafeBytes { body(SeriesFileIndexMaps(header: header, bytes: $0)) }
    }

    /// Slot `slot` of the key→id map: the entry offset (0 = empty) and the id.
    public func keyIDSlot(_ slot: Int) -> (offset: Int64, id: UInt64) { withMaps { $0.keyIDSlot(slot) } }

    /// Slot `slot` of the id→offset map: the id (0 = empty) and the entry offset.
    public func idOffsetSlot(_ slot: Int) -> (id: UInt64, offset: Int64) { withMaps { $0.idOffsetSlot(slot) } }

    /// The offset the id→offset map holds for `id`, or 0 (1.x's on-disk `FindOffsetByID`).
    public func offset(forID id: UInt64) -> Int64 { withMaps { $0.offset(forID: id) } }

    /// The id the key→id map holds for `key` (length prefix included), or 0 (1.x's on-disk
    /// part of `FindIDBySeriesKey`, before its deleted check). `keyAt` returns the key of the
    /// insert entry at an offset, or nil when there is none (1.x then hashes an empty key).
    public func id(forKey key: UnsafeRawBufferPointer, keyAt: (Int64) -> ArraySlice<UInt8>?) -> UInt64 {
        withMaps { maps in
            maps.id(forKey: key) { offset, body in
                let bytes = keyAt(offset) ?? []
                return bytes.withUnsafeBytes { body($0) }
            }
        }
    }
}

/// The two Robin Hood maps of an index file, over its bytes (an array or a mapping); the
/// header was checked to place both maps inside `bytes`. Lookups probe as 1.x's
/// `tsdb.SeriesIndex` does, but never more than `capacity` slots.
struct SeriesFileIndexMaps {
    let header: SeriesFileIndexHeader
    let bytes: UnsafeRawBufferPointer

    /// Slot `slot` of the key→id map: the entry offset (0 = empty) and the id.
    func keyIDSlot(_ slot: Int) -> (offset: Int64, id: UInt64) {
        let at = Int(header.keyIDMap.offset) + slot * SeriesFileIndexHeader.slotSize
        return (Int64(bitPattern: SeriesFileBytes.uint64(bytes, at) ?? 0), SeriesFileBytes.uint64(bytes, at + 8) ?? 0)
    }

    /// Slot `slot` of the id→offset map: the id (0 = empty) and the entry offset.
    func idOffsetSlot(_ slot: Int) -> (id: UInt64, offset: Int64) {
        let at = Int(header.idOffsetMap.offset) + slot * SeriesFileIndexHeader.slotSize
        return (SeriesFileBytes.uint64(bytes, at) ?? 0, Int64(bitPattern: SeriesFileBytes.uint64(bytes, at + 8) ?? 0))
    }

    /// The offset the id→offset map holds for `id`, or 0.
    func offset(forID id: UInt64) -> Int64 {
        let capacity = header.capacity, mask = capacity - 1
        var slot = SeriesFileHash.id(id) & mask
        for distance in 0..<capacity {
            let (elemID, offset) = idOffsetSlot(Int(slot))
            if elemID == id { return offset }
            if elemID == 0 || distance > SeriesFileHash.distance(hash: SeriesFileHash.id(elemID), slot: slot, capacity: capacity) { return 0 }
            slot = (slot + 1) & mask
        }
        return 0
    }

    /// The id the key→id map holds for `key`, or 0. `withKey` calls its closure with the key
    /// of the insert entry at an offset (empty when there is none).
    func id(forKey key: UnsafeRawBufferPointer,
            withKey: (Int64, (UnsafeRawBufferPointer) -> (hash: Int64, equal: Bool)) -> (hash: Int64, equal: Bool)) -> UInt64 {
        let capacity = header.capacity, mask = capacity - 1
        let hash = SeriesFileHash.key(key)
        var slot = hash & mask
        for distance in 0..<capacity {
            let (offset, elemID) = keyIDSlot(Int(slot))
            if offset == 0 { return 0 }
            let (elemHash, equal) = withKey(offset) { e in (SeriesFileHash.key(e), e.count == key.count && e.elementsEqual(key)) }
            if distance > SeriesFileHash.distance(hash: elemHash, slot: slot, capacity: capacity) { return 0 }
            if elemHash == hash && equal { return elemID }
            slot = (slot + 1) & mask
        }
        return 0
    }
}
