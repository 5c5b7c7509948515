/// The last 66 bytes of a measurement block: its data section, hash index, measurement
/// sketch and tombstoned-measurement sketch (offset and size relative to the block), then the
/// version (big-endian `UInt16`, 1).
public struct MeasurementBlockTrailer: Sendable, Hashable {
    /// The trailer's size in bytes.
    public static let size = 66
    /// The only version 1.6 writes.
    public static let version: UInt16 = 1

    /// The four sections, relative to the block's first byte.
    public var data: IndexFileSection
    public var hashIndex: IndexFileSection
    public var sketch: IndexFileSection
    public var tombstoneSketch: IndexFileSection

    init(data: IndexFileSection, hashIndex: IndexFileSection, sketch: IndexFileSection, tombstoneSketch: IndexFileSection) {
        self.data = data
        self.hashIndex = hashIndex
        self.sketch = sketch
        self.tombstoneSketch = tombstoneSketch
    }

    init(_ b: UnsafeRawBufferPointer, block: Range<Int>) throws(IndexFileError) {
        guard block.count >= Self.size else { throw .truncated(what: "measurement block trailer", offset: block.lowerBound) }
        let end = block.upperBound
        let version = try IndexBytes.uint16(b, end - 2, end: end, "measurement block version")
        guard version == Self.version else { throw .unsupportedVersion(what: "measurement block", version: version) }
        var sections: [IndexFileSection] = []
        for i in 0..<4 {
            let at = end - Self.size + 16 * i
            sections.append(IndexFileSection(
                offset: try IndexBytes.uint64(b, at, end: end, "measurement block trailer"),
                size: try IndexBytes.uint64(b, at + 8, end: end, "measurement block trailer")))
        }
        self.init(data: sections[0], hashIndex: sections[1], sketch: sections[2], tombstoneSketch: sections[3])
    }

    /// The trailer's 66 bytes.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        for s in [data, hashIndex, sketch, tombstoneSketch] {
            IndexBytes.append(s.offset, to: &out)
            IndexBytes.append(s.size, to: &out)
        }
        IndexBytes.append(Self.version, to: &out)
        return out
    }
}

/// An index file's measurements: a data section (one pad byte so no element sits at offset
/// 0, then the elements sorted by name), a hash index of element offsets (relative to the
/// data section), two HyperLogLog++ sketches of the names (live and tombstoned), a trailer.
/// Opening decodes every element, as 1.x does.
public struct MeasurementBlock: Sendable {
    let storage: IndexFileStorage
    /// The block's trailer.
    public let trailer: MeasurementBlockTrailer
    let data: Range<Int>
    let hashTable: IndexHashTable
    let sketchRange: Range<Int>
    let tombstoneSketchRange: Range<Int>
    /// Every measurement, in file (name) order.
    public let measurements: [MeasurementElement]

    init(storage: IndexFileStorage, range: Range<Int>) throws(IndexFileError) {
        let b = storage.bytes
        trailer = try MeasurementBlockTrailer(b, block: range)
        let body = range.lowerBound..<range.upperBound - MeasurementBlockTrailer.size
        data = try IndexBytes.section(trailer.data, in: body, "measurement data")
        let hashRange = try IndexBytes.section(trailer.hashIndex, in: body, "measurement hash index")
        sketchRange = try IndexBytes.section(trailer.sketch, in: body, "measurement sketch")
        tombstoneSketchRange = try IndexBytes.section(trailer.tombstoneSketch, in: body, "tombstone measurement sketch")
        hashTable = try IndexHashTable(storage: storage, range: hashRange, what: "measurement hash index")
        guard !data.isEmpty else { throw .truncated(what: "measurement data padding", offset: data.lowerBound) }
        var elements: [MeasurementElement] = []
        var at = data.lowerBound + 1
        while at < data.upperBound {
            let e = try MeasurementElement(storage: storage, at: at, end: data.upperBound)
            elements.append(e)
            at += e.size
        }
        self.storage = storage
        measurements = elements
    }

    /// The measurement called `name`, found through the hash index as 1.x looks it up.
    public func measurement(named name: some Collection<UInt8>) throws(IndexFileError) -> MeasurementElement? {
        try hashTable.find(name) { (offset: UInt64) throws(IndexFileError) -> (MeasurementElement, Range<Int>) in
            guard offset < UInt64(data.count) else {
                throw .outOfBounds(what: "measurement hash index entry", offset: offset, size: 0, limit: data.count)
            }
            let e = try MeasurementElement(storage: storage, at: data.lowerBound + Int(offset), end: data.upperBound)
            return (e, e.nameRange)
        }
    }

    /// The sketch of the live measurements' names.
    public func sketch() throws(IndexFileError) -> HLLSketch {
        try HLLSketch(marshaled: UnsafeRawBufferPointer(rebasing: storage.bytes[sketchRange]), fileOffset: sketchRange.lowerBound)
    }

    /// The sketch of the tombstoned measurements' names.
    public func tombstoneSketch() throws(IndexFileError) -> HLLSketch {
        try HLLSketch(marshaled: UnsafeRawBufferPointer(rebasing: storage.bytes[tombstoneSketchRange]), fileOffset: tombstoneSketchRange.lowerBound)
    }

    /// Slot `i` of the hash index: the element's offset in the data section, 0 when empty.
    public func hashSlot(_ i: Int) -> UInt64? { i >= 0 && i < hashTable.capacity ? hashTable.offset(at: i) : nil }

    /// The hash index's slot count.
    public var hashCapacity: Int { hashTable.capacity }
}

/// One measurement: flag byte (`0x01` tombstoned, `0x02` Roaring series in 1.7+), the
/// offset and size of its tag block in the file (big-endian `UInt64`s), its uvarint-prefixed
/// name, then its series (`IndexSeriesIDs`).
public struct MeasurementElement: Sendable {
    /// The tombstone flag bit.
    public static let tombstoneFlag: UInt8 = 0x01
    /// 1.7+: the series are a Roaring bitmap.
    public static let seriesIDSetFlag = IndexSeriesIDs.roaringFlag

    let storage: IndexFileStorage
    /// Absolute position of the element's flag byte and its encoded size.
    public let offset: Int
    public let size: Int
    public let flag: UInt8
    /// Where the measurement's tag block lies in the file.
    public let tagBlock: IndexFileSection
    let nameRange: Range<Int>
    public let series: IndexSeriesIDs

    init(storage: IndexFileStorage, at: Int, end: Int) throws(IndexFileError) {
        let b = storage.bytes
        guard at >= 0, at < end, end <= b.count else { throw .truncated(what: "measurement flag", offset: at) }
        flag = b[at]
        tagBlock = IndexFileSection(
            offset: try IndexBytes.uint64(b, at + 1, end: end, "measurement tag block offset"),
            size: try IndexBytes.uint64(b, at + 9, end: end, "measurement tag block size"))
        let name = try IndexBytes.lengthPrefixed(b, at + 17, end: end, "measurement name")
        let (series, next) = try IndexSeriesIDs.read(storage, at: name.next, end: end, flag: flag, "measurement")
        self.storage = storage
        offset = at
        size = next - at
        nameRange = name.range
        self.series = series
    }

    /// The measurement's name.
    public var name: IndexBytesView { IndexBytesView(storage: storage, range: nameRange) }
    /// True when the measurement was dropped.
    public var isTombstoned: Bool { flag & Self.tombstoneFlag != 0 }
}
