/// A tsi1 index file (`L<level>-<id 8 digits>.tsi`) as InfluxDB 1.6 writes it when it
/// compacts a partition's log file (level 1) or merges index files (levels 2+):
///
/// ```
/// "TSI1"
/// tag blocks, one per measurement, in measurement order      (TagBlock)
/// measurement block                                          (MeasurementBlock)
/// series-id set             portable Roaring bitmap          (SeriesIDSet)
/// tombstone series-id set   portable Roaring bitmap
/// series sketch             HyperLogLog++                    (HLLSketch)
/// tombstone series sketch   HyperLogLog++
/// trailer, 82 bytes                                          (IndexFileTrailer)
/// ```
///
/// Opening checks what 1.x checks when it maps a file (magic, trailer, the measurement block
/// and every measurement's tag block trailer) and that every recorded section lies inside
/// the file; keys, values and series are decoded when asked for, each read bounds-checked.
public struct IndexFile: Sendable {
    let storage: IndexFileStorage
    /// The file's trailer.
    public let trailer: IndexFileTrailer
    /// The measurements, their hash index and their sketches.
    public let measurementBlock: MeasurementBlock
    let body: Range<Int>
    let seriesIDSetRange: Range<Int>
    let tombstoneSeriesIDSetRange: Range<Int>
    let seriesSketchRange: Range<Int>
    let tombstoneSeriesSketchRange: Range<Int>

    /// Decodes a file from a copy of its bytes.
    public init(bytes: [UInt8]) throws(IndexFileError) {
        let storage = bytes.withUnsafeBytes { IndexFileStorage(copying: $0) }
        try self.init(storage: storage)
    }

    /// Decodes a file in place, for a mapped file: `bytes` must stay valid and unchanged until
    /// `release` is called, which happens when the last view of them goes away (at once if
    /// they do not decode).
    public init(unsafeBytes bytes: UnsafeRawBufferPointer, release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) throws(IndexFileError) {
        try self.init(storage: IndexFileStorage(unsafeBytes: bytes, release: release))
    }

    init(storage: IndexFileStorage) throws(IndexFileError) {
        let b = storage.bytes
        trailer = try IndexFileTrailer(file: b)
        body = 0..<b.count - IndexFileTrailer.size
        let blockRange = try IndexBytes.section(trailer.measurementBlock, in: body, "measurement block")
        seriesIDSetRange = try IndexBytes.section(trailer.seriesIDSet, in: body, "series id set")
        tombstoneSeriesIDSetRange = try IndexBytes.section(trailer.tombstoneSeriesIDSet, in: body, "tombstone series id set")
        seriesSketchRange = try IndexBytes.section(trailer.seriesSketch, in: body, "series sketch")
        tombstoneSeriesSketchRange = try IndexBytes.section(trailer.tombstoneSeriesSketch, in: body, "tombstone series sketch")
        measurementBlock = try MeasurementBlock(storage: storage, range: blockRange)
        self.storage = storage
        for m in measurementBlock.measurements { _ = try tagBlock(of: m) }
    }

    /// The file's size in bytes.
    public var byteCount: Int { storage.bytes.count }

    /// The file's bytes for the duration of `body`.
    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T { try body(storage.bytes) }

    /// Every measurement, in name order.
    public var measurements: [MeasurementElement] { measurementBlock.measurements }

    /// The measurement called `name`, through the measurement hash index.
    public func measurement(named name: some Collection<UInt8>) throws(IndexFileError) -> MeasurementElement? {
        try measurementBlock.measurement(named: name)
    }

    /// A measurement's tag block.
    public func tagBlock(of measurement: MeasurementElement) throws(IndexFileError) -> TagBlock {
        let what = "tag block of measurement at offset \(measurement.offset)"
        return try TagBlock(storage: storage, range: IndexBytes.section(measurement.tagBlock, in: body, what))
    }

    /// The ids of the series this file adds (as of its compaction).
    public func seriesIDSet() throws(IndexFileError) -> SeriesIDSet { try set(seriesIDSetRange) }

    /// The ids of the series this file deletes.
    public func tombstoneSeriesIDSet() throws(IndexFileError) -> SeriesIDSet { try set(tombstoneSeriesIDSetRange) }

    /// The sketch of the keys of the series in `seriesIDSet()`.
    public func seriesSketch() throws(IndexFileError) -> HLLSketch { try sketch(seriesSketchRange) }

    /// The sketch of the keys of the series in `tombstoneSeriesIDSet()`.
    public func tombstoneSeriesSketch() throws(IndexFileError) -> HLLSketch { try sketch(tombstoneSeriesSketchRange) }

    /// The sketch of the live measurement names (from the measurement block).
    public func measurementSketch() throws(IndexFileError) -> HLLSketch { try measurementBlock.sketch() }

    /// The sketch of the tombstoned measurement names.
    public func tombstoneMeasurementSketch() throws(IndexFileError) -> HLLSketch { try measurementBlock.tombstoneSketch() }

    private func set(_ range: Range<Int>) throws(IndexFileError) -> SeriesIDSet {
        try SeriesIDSet(portable: UnsafeRawBufferPointer(rebasing: storage.bytes[range]), fileOffset: range.lowerBound)
    }

    private func sketch(_ range: Range<Int>) throws(IndexFileError) -> HLLSketch {
        try HLLSketch(marshaled: UnsafeRawBufferPointer(rebasing: storage.bytes[range]), fileOffset: range.lowerBound)
    }
}
