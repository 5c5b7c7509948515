/// Where one part of a file or block lies, as 1.x's trailers record it: two big-endian
/// 64-bit numbers, offset then size, relative to the start of the enclosing file or block.
public struct IndexFileSection: Sendable, Hashable {
    /// Where the section starts, relative to its file or block.
    public var offset: UInt64
    /// The section's length in bytes.
    public var size: UInt64

    /// A section as recorded.
    public init(offset: UInt64, size: UInt64) {
        self.offset = offset
        self.size = size
    }

    init(start: Int, end: Int) {
        offset = UInt64(start)
        size = UInt64(end - start)
    }
}

/// The last 82 bytes of an index file: the measurement block, the series-id set, the
/// tombstone series-id set, the series sketch and the tombstone series sketch (each as
/// offset and size in the file), then the version (big-endian `UInt16`, 1).
public struct IndexFileTrailer: Sendable, Hashable {
    /// `TSI1`, the first four bytes of every index file.
    public static let magic: [UInt8] = Array("TSI1".utf8)
    /// The trailer's size in bytes.
    public static let size = 82
    /// The only version 1.6 (and 1.8) write.
    public static let version: UInt16 = 1

    /// The five sections, as offsets and sizes in the file.
    public var measurementBlock: IndexFileSection
    public var seriesIDSet: IndexFileSection
    public var tombstoneSeriesIDSet: IndexFileSection
    public var seriesSketch: IndexFileSection
    public var tombstoneSeriesSketch: IndexFileSection

    /// A trailer with the given sections.
    public init(
        measurementBlock: IndexFileSection, seriesIDSet: IndexFileSection, tombstoneSeriesIDSet: IndexFileSection,
        seriesSketch: IndexFileSection, tombstoneSeriesSketch: IndexFileSection
    ) {
        self.measurementBlock = measurementBlock
        self.seriesIDSet = seriesIDSet
        self.tombstoneSeriesIDSet = tombstoneSeriesIDSet
        self.seriesSketch = seriesSketch
        self.tombstoneSeriesSketch = tombstoneSeriesSketch
    }

    /// Checks the magic number and version of a whole file's bytes and reads its trailer.
    init(file b: UnsafeRawBufferPointer) throws(IndexFileError) {
        guard b.count >= Self.magic.count else { throw .truncated(what: "index file magic", offset: 0) }
        guard b[0] == Self.magic[0], b[1] == Self.magic[1], b[2] == Self.magic[2], b[3] == Self.magic[3] else {
            throw .invalidMagic
        }
        guard b.count >= Self.magic.count + Self.size else {
            throw .truncated(what: "index file trailer", offset: max(0, b.count - Self.size))
        }
        let end = b.count
        let version = try IndexBytes.uint16(b, end - 2, end: end, "index file version")
        guard version == Self.version else { throw .unsupportedVersion(what: "index file", version: version) }
        var at = end - Self.size
        func section() throws(IndexFileError) -> IndexFileSection {
            let offset = try IndexBytes.uint64(b, at, end: end, "index file trailer")
            let size = try IndexBytes.uint64(b, at + 8, end: end, "index file trailer")
            at += 16
            return IndexFileSection(offset: offset, size: size)
        }
        measurementBlock = try section()
        seriesIDSet = try section()
        tombstoneSeriesIDSet = try section()
        seriesSketch = try section()
        tombstoneSeriesSketch = try section()
    }

    /// The trailer's 82 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.size)
        for s in [measurementBlock, seriesIDSet, tombstoneSeriesIDSet, seriesSketch, tombstoneSeriesSketch] {
            IndexBytes.append(s.offset, to: &out)
            IndexBytes.append(s.size, to: &out)
        }
        IndexBytes.append(Self.version, to: &out)
        return out
    }
}
