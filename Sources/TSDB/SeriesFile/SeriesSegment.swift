/// One segment file of a 1.x series-file partition (`_series/PP/SSSS`): the 4-byte magic
/// `SSEG`, a version byte (1), then entries back to back until a zero byte (the file is
/// preallocated with zeros). An entry is a flag byte (1 insert, 2 tombstone), the series id
/// as a big-endian `UInt64`, and — for an insert only — the series key (`SeriesFileKey`).
/// The whole file is held in memory; every read is bounds-checked.
public struct SeriesSegment: Sendable {
    /// The segment magic, `SSEG`.
    public static let magic: [UInt8] = Array("SSEG".utf8)
    /// The only version 1.x writes.
    public static let version: UInt8 = 1
    /// Magic plus version.
    public static let headerSize = 5
    /// Flag plus id: the size of a tombstone, and of an insert before its key.
    public static let entryHeaderSize = 9

    /// The segment's number (its file name in hex).
    public let id: UInt16
    /// The file's bytes.
    public let data: [UInt8]

    /// Checks the header of `data`; `id` is the number from the file name.
    public init(id: UInt16, data: [UInt8]) throws(SeriesFileError) {
        // Go's io.ReadFull/binary.Read texts for a file shorter than the header.
        if data.isEmpty { throw .io("EOF") }
        if data.count < 4 { throw .io("unexpected EOF") }
        guard Array(data[0..<4]) == Self.magic else { throw .invalidSegment }
        if data.count < 5 { throw .io("EOF") }
        guard data[4] == Self.version else { throw .invalidSegmentVersion(data[4]) }
        self.id = id
        self.data = data
    }

    /// Reads and checks the segment file at `path`.
    public static func read(path: String, id: UInt16) throws(SeriesFileError) -> SeriesSegment {
        try SeriesSegment(id: id, data: SeriesFileBytes.readFile(path))
    }

    /// 1.x's segment file name check (`strconv.ParseUint(name, 16, 32)`): the id a name
    /// stands for (truncated to 16 bits as 1.x does), or nil for names such as `index`.
    public static func parseFileName(_ name: String) -> UInt16? {
        guard !name.isEmpty, name.utf8.count <= 8, let value = UInt32(name, radix: 16), !name.hasPrefix("+"), !name.hasPrefix("-") else { return nil }
        return UInt16(truncatingIfNeeded: value)
    }

    /// 1.x's size limit for segment `id`: 4 MiB for segment 0, doubling up to 256 MiB.
    public static func maximumSize(id: UInt16) -> Int { 1 << min(Int(id) + 22, 28) }

    /// The entry at byte `position` of the segment, or nil at the end of the entries (a zero
    /// flag byte, or the end of the file).
    public func entry(at position: Int) throws(SeriesFileError) -> SeriesEntry? {
        try data.withSeriesFileBytes { (b: UnsafeRawBufferPointer) throws(SeriesFileError) -> SeriesEntry? in
            try Self.entry(in: b, at: position)
        }
    }

    /// Decodes the entry at `position` of a segment's bytes (see `entry(at:)`).
    public static func entry(in b: UnsafeRawBufferPointer, at position: Int) throws(SeriesFileError) -> SeriesEntry? {
        guard position >= 0, position < b.count else { return nil }
        let flag = b[position]
        switch flag {
        case 0:
            return nil
        case SeriesEntry.Kind.insert.rawValue, SeriesEntry.Kind.tombstone.rawValue:
            guard let id = SeriesFileBytes.uint64(b, position + 1) else { throw .truncated(what: "series entry id", offset: position + 1) }
            if flag == SeriesEntry.Kind.tombstone.rawValue {
                return SeriesEntry(kind: .tombstone, id: id, position: position, key: position + 9..<position + 9)
            }
            let key = try SeriesFileKey.extent(in: b, at: position + 9)
            return SeriesEntry(kind: .insert, id: id, position: position, key: key)
        default:
            throw .invalidFlag(flag, offset: position)
        }
    }

    /// Every entry in order; stops at the end marker, or throws at the first damaged entry.
    public func entries() throws(SeriesFileError) -> [SeriesEntry] {
        var out: [SeriesEntry] = []
        try forEachEntry { out.append($0) }
        return out
    }

    /// Calls `body` with each entry in order (see `entries()`); returns where the entries end.
    @discardableResult
    public func forEachEntry(_ body: (SeriesEntry) throws(SeriesFileError) -> Void) throws(SeriesFileError) -> Int {
        try data.withSeriesFileBytes { (b: UnsafeRawBufferPointer) throws(SeriesFileError) -> Int in
            var position = Self.headerSize
            while let entry = try Self.entry(in: b, at: position) {
                try body(entry)
                position = entry.end
            }
            return position
        }
    }

    /// The length-prefixed key bytes of the insert entry at `position`, or nil when there is
    /// none there (1.x's `ReadSeriesKeyFromSegments` on `offset + 9`).
    public func keyBytes(ofEntryAt position: Int) -> ArraySlice<UInt8>? {
        guard position >= Self.headerSize, position < data.count, data[position] == SeriesEntry.Kind.insert.rawValue else { return nil }
        let range: Range<Int>? = data.withUnsafeBytes { b in try? SeriesFileKey.extent(in: b, at: position + 9) }
        return range.map { data[$0] }
    }
}

/// One entry of a segment.
public struct SeriesEntry: Sendable, Equatable {
    /// The entry's flag byte.
    public enum Kind: UInt8, Sendable {
        /// A series created: id and key.
        case insert = 1
        /// A series deleted: id only.
        case tombstone = 2
    }

    public let kind: Kind
    /// The series id.
    public let id: UInt64
    /// Where the entry starts in its segment.
    public let position: Int
    /// The length-prefixed key's bytes in the segment (empty for a tombstone).
    public let key: Range<Int>

    /// Where the next entry starts.
    public var end: Int { kind == .insert ? key.upperBound : position + SeriesSegment.entryHeaderSize }
}

/// A position in a partition's segments as the index stores it: the segment id in bits
/// 32–47, the byte position in the segment in bits 0–31 (`JoinSeriesOffset`).
public enum SeriesFileOffset {
    /// Joins a segment id and a position.
    public static func join(segment: UInt16, position: UInt32) -> Int64 { Int64(segment) << 32 | Int64(position) }

    /// Splits an offset into segment id and position.
    public static func split(_ offset: Int64) -> (segment: UInt16, position: UInt32) {
        (UInt16(truncatingIfNeeded: offset >> 32), UInt32(truncatingIfNeeded: offset))
    }
}
