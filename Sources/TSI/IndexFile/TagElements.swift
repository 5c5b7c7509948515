/// One tag key: flag byte (`0x01` tombstoned), the offset and size of its value data and of
/// its values' hash index (big-endian `UInt64`s, relative to the tag block), then its
/// uvarint-prefixed name.
public struct TagKeyElement: Sendable {
    /// The tombstone flag bit.
    public static let tombstoneFlag: UInt8 = 0x01

    let storage: IndexFileStorage
    /// Absolute position of the element's flag byte and its encoded size.
    public let offset: Int
    public let size: Int
    public let flag: UInt8
    /// Where the key's values and their hash index lie, relative to the tag block.
    public let valueData: IndexFileSection
    public let valueHashIndex: IndexFileSection
    let nameRange: Range<Int>
    let valueRange: Range<Int>
    let valueTable: IndexHashTable
    let block: Range<Int>

    init(storage: IndexFileStorage, block: Range<Int>, at: Int, end: Int) throws(IndexFileError) {
        let b = storage.bytes
        guard at >= 0, at < end, end <= b.count else { throw .truncated(what: "tag key flag", offset: at) }
        flag = b[at]
        func u(_ i: Int) throws(IndexFileError) -> UInt64 { try IndexBytes.uint64(b, at + 1 + 8 * i, end: end, "tag key element") }
        valueData = IndexFileSection(offset: try u(0), size: try u(1))
        valueHashIndex = IndexFileSection(offset: try u(2), size: try u(3))
        let name = try IndexBytes.lengthPrefixed(b, at + 33, end: end, "tag key")
        guard !name.range.isEmpty else { throw .emptyName(what: "tag key", offset: at) }
        valueRange = try IndexBytes.section(valueData, in: block, "tag values of key at offset \(at)")
        let hashRange = try IndexBytes.section(valueHashIndex, in: block, "tag value hash index of key at offset \(at)")
        valueTable = try IndexHashTable(storage: storage, range: hashRange, what: "tag value hash index")
        self.storage = storage
        self.block = block
        offset = at
        size = name.next - at
        nameRange = name.range
    }

    /// The key's name.
    public var name: IndexBytesView { IndexBytesView(storage: storage, range: nameRange) }
    /// True when the key was dropped (with its measurement).
    public var isTombstoned: Bool { flag & Self.tombstoneFlag != 0 }

    /// An iterator over the key's values in order.
    public func makeValueIterator() -> TagValueIterator {
        TagValueIterator(storage: storage, at: valueRange.lowerBound, end: valueRange.upperBound)
    }

    /// Every value of the key, in order.
    public func values() throws(IndexFileError) -> [TagValueElement] {
        var out: [TagValueElement] = []
        var it = makeValueIterator()
        while let v = try it.next() { out.append(v) }
        return out
    }

    /// The value called `value`, through the key's values hash index.
    public func value(named value: some Collection<UInt8>) throws(IndexFileError) -> TagValueElement? {
        try valueTable.find(value) { (offset: UInt64) throws(IndexFileError) -> (TagValueElement, Range<Int>) in
            guard offset < UInt64(block.count) else {
                throw .outOfBounds(what: "tag value hash index entry", offset: offset, size: 0, limit: block.count)
            }
            let e = try TagValueElement(storage: storage, at: block.lowerBound + Int(offset), end: block.upperBound)
            return (e, e.nameRange)
        }
    }

    /// Slot `i` of the values' hash index: a value element's offset in the block, 0 when empty.
    public func hashSlot(_ i: Int) -> UInt64? { i >= 0 && i < valueTable.capacity ? valueTable.offset(at: i) : nil }

    /// The values' hash index slot count.
    public var hashCapacity: Int { valueTable.capacity }
}

/// One tag value: flag byte (`0x01` tombstoned, `0x02` Roaring series in 1.7+), its
/// uvarint-prefixed name, then its series (`IndexSeriesIDs`).
public struct TagValueElement: Sendable {
    /// The tombstone flag bit.
    public static let tombstoneFlag: UInt8 = 0x01
    /// 1.7+: the series are a Roaring bitmap.
    public static let seriesIDSetFlag = IndexSeriesIDs.roaringFlag

    let storage: IndexFileStorage
    /// Absolute position of the element's flag byte and its encoded size.
    public let offset: Int
    public let size: Int
    public let flag: UInt8
    let nameRange: Range<Int>
    public let series: IndexSeriesIDs

    init(storage: IndexFileStorage, at: Int, end: Int) throws(IndexFileError) {
        let b = storage.bytes
        guard at >= 0, at < end, end <= b.count else { throw .truncated(what: "tag value flag", offset: at) }
        flag = b[at]
        let name = try IndexBytes.lengthPrefixed(b, at + 1, end: end, "tag value")
        guard !name.range.isEmpty else { throw .emptyName(what: "tag value", offset: at) }
        let (series, next) = try IndexSeriesIDs.read(storage, at: name.next, end: end, flag: flag, "tag value")
        self.storage = storage
        offset = at
        size = next - at
        nameRange = name.range
        self.series = series
    }

    /// The value's name.
    public var name: IndexBytesView { IndexBytesView(storage: storage, range: nameRange) }
    /// True when the value was dropped.
    public var isTombstoned: Bool { flag & Self.tombstoneFlag != 0 }
}
