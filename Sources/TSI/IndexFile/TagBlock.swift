/// The last 58 bytes of a tag block: the value data, key data and key hash index sections
/// (offset and size relative to the block), the block's total size including the trailer,
/// then the version (big-endian `UInt16`, 1).
public struct TagBlockTrailer: Sendable, Hashable {
    /// The trailer's size in bytes.
    public static let size = 58
    /// The only version 1.6 writes.
    public static let version: UInt16 = 1

    /// The three sections, relative to the block's first byte.
    public var valueData: IndexFileSection
    public var keyData: IndexFileSection
    public var hashIndex: IndexFileSection
    /// The whole block's size, trailer included.
    public var blockSize: UInt64

    init(valueData: IndexFileSection, keyData: IndexFileSection, hashIndex: IndexFileSection, blockSize: UInt64) {
        self.valueData = valueData
        self.keyData = keyData
        self.hashIndex = hashIndex
        self.blockSize = blockSize
    }

    init(_ b: UnsafeRawBufferPointer, block: Range<Int>) throws(IndexFileError) {
        guard block.count >= Self.size else { throw .truncated(what: "tag block trailer", offset: block.lowerBound) }
        let end = block.upperBound
        let version = try IndexBytes.uint16(b, end - 2, end: end, "tag block version")
        guard version == Self.version else { throw .unsupportedVersion(what: "tag block", version: version) }
        let at = end - Self.size
        func u(_ i: Int) throws(IndexFileError) -> UInt64 { try IndexBytes.uint64(b, at + 8 * i, end: end, "tag block trailer") }
        self.init(
            valueData: IndexFileSection(offset: try u(0), size: try u(1)),
            keyData: IndexFileSection(offset: try u(2), size: try u(3)),
            hashIndex: IndexFileSection(offset: try u(4), size: try u(5)),
            blockSize: try u(6))
    }

    /// The trailer's 58 bytes.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        for s in [valueData, keyData, hashIndex] {
            IndexBytes.append(s.offset, to: &out)
            IndexBytes.append(s.size, to: &out)
        }
        IndexBytes.append(blockSize, to: &out)
        IndexBytes.append(Self.version, to: &out)
        return out
    }
}

/// One measurement's tag keys and values: a zero pad byte; for each key in order its values
/// (sorted) followed by the values' hash index; the key elements (sorted); the keys' hash
/// index; the trailer. Every offset inside is relative to the block's first byte.
public struct TagBlock: Sendable {
    let storage: IndexFileStorage
    /// The block's bytes without its trailer (absolute).
    let body: Range<Int>
    /// The block's trailer.
    public let trailer: TagBlockTrailer
    let keyData: Range<Int>
    let keyTable: IndexHashTable

    init(storage: IndexFileStorage, range: Range<Int>) throws(IndexFileError) {
        let b = storage.bytes
        trailer = try TagBlockTrailer(b, block: range)
        guard trailer.blockSize == UInt64(range.count) else {
            throw .sizeMismatch(what: "tag block at offset \(range.lowerBound)", recorded: trailer.blockSize, actual: range.count)
        }
        body = range.lowerBound..<range.upperBound - TagBlockTrailer.size
        _ = try IndexBytes.section(trailer.valueData, in: body, "tag value data")
        keyData = try IndexBytes.section(trailer.keyData, in: body, "tag key data")
        let hashRange = try IndexBytes.section(trailer.hashIndex, in: body, "tag key hash index")
        keyTable = try IndexHashTable(storage: storage, range: hashRange, what: "tag key hash index")
        self.storage = storage
    }

    /// An iterator over the keys in order.
    public func makeKeyIterator() -> TagKeyIterator {
        TagKeyIterator(storage: storage, block: body, at: keyData.lowerBound, end: keyData.upperBound)
    }

    /// Every key, in order.
    public func keys() throws(IndexFileError) -> [TagKeyElement] {
        var out: [TagKeyElement] = []
        var it = makeKeyIterator()
        while let k = try it.next() { out.append(k) }
        return out
    }

    /// The key called `key`, through the keys' hash index.
    public func key(named key: some Collection<UInt8>) throws(IndexFileError) -> TagKeyElement? {
        try keyTable.find(key) { (offset: UInt64) throws(IndexFileError) -> (TagKeyElement, Range<Int>) in
            guard offset < UInt64(body.count) else {
                throw .outOfBounds(what: "tag key hash index entry", offset: offset, size: 0, limit: body.count)
            }
            let e = try TagKeyElement(storage: storage, block: body, at: body.lowerBound + Int(offset), end: body.upperBound)
            return (e, e.nameRange)
        }
    }

    /// The value `value` of key `key`, through both hash indexes.
    public func value(key: some Collection<UInt8>, value: some Collection<UInt8>) throws(IndexFileError) -> TagValueElement? {
        try self.key(named: key)?.value(named: value)
    }

    /// Slot `i` of the keys' hash index: a key element's offset in the block, 0 when empty.
    public func hashSlot(_ i: Int) -> UInt64? { i >= 0 && i < keyTable.capacity ? keyTable.offset(at: i) : nil }

    /// The keys' hash index slot count.
    public var hashCapacity: Int { keyTable.capacity }
}

/// Walks a tag block's key elements in order.
public struct TagKeyIterator: Sendable {
    let storage: IndexFileStorage
    let block: Range<Int>
    var at: Int
    let end: Int

    /// The next key, nil at the end, or the damage that stops the walk.
    public mutating func next() throws(IndexFileError) -> TagKeyElement? {
        guard at < end else { return nil }
        let e = try TagKeyElement(storage: storage, block: block, at: at, end: end)
        at += e.size
        return e
    }
}

/// Walks one key's value elements in order.
public struct TagValueIterator: Sendable {
    let storage: IndexFileStorage
    var at: Int
    let end: Int

    /// The next value, nil at the end, or the damage that stops the walk.
    public mutating func next() throws(IndexFileError) -> TagValueElement? {
        guard at < end else { return nil }
        let e = try TagValueElement(storage: storage, at: at, end: end)
        at += e.size
        return e
    }
}
