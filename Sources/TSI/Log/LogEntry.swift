import Checksum

/// The kinds of entry 1.6 writes, by flag byte.
///
/// Replay executes any other flag as a series insert (its `default` branch), so an unknown
/// flag is not damage to 1.6: `LogEntry.kind` is nil for it and the entry decodes as usual.
public enum LogEntryKind: UInt8, Sendable, CaseIterable {
    /// A series added to the partition: series id only (name, key and value empty). The
    /// series' key is in the database's series file under that id.
    case seriesInsert = 0x00
    /// A series removed from the partition: series id only.
    case seriesTombstone = 0x01
    /// A measurement dropped: series id 0 and the measurement name.
    case measurementTombstone = 0x02
    /// A tag key removed from a measurement: series id 0, name and tag key.
    case tagKeyTombstone = 0x04
    /// A tag value removed: series id 0, name, tag key and tag value.
    case tagValueTombstone = 0x08
}

/// One entry of a tsi1 log file (`L0-<id>.tsl`), InfluxDB 1.6's `LogEntry`:
///
/// ```
/// uint8    flag
/// uvarint  series id
/// uvarint  len(name)   then name bytes
/// uvarint  len(key)    then tag key bytes
/// uvarint  len(value)  then tag value bytes
/// uint32   CRC-32 (IEEE), big-endian, of every byte above
/// ```
///
/// Names, keys and values are raw bytes (no escaping). An entry value always carries the
/// checksum of its own fields: the initialiser computes it, and decoding rejects a mismatch.
public struct LogEntry: Sendable, Hashable {
    /// The flag byte; see `LogEntryKind`.
    public let flag: UInt8
    /// The series id (0 in measurement and tag tombstones).
    public let seriesID: UInt64
    /// The measurement name.
    public let name: [UInt8]
    /// The tag key.
    public let key: [UInt8]
    /// The tag value.
    public let value: [UInt8]
    /// CRC-32 (IEEE) of the entry's bytes before the checksum.
    public let checksum: UInt32

    /// An entry with the checksum 1.6 would write for these fields.
    public init(flag: UInt8, seriesID: UInt64 = 0, name: [UInt8] = [], key: [UInt8] = [], value: [UInt8] = []) {
        self.flag = flag
        self.seriesID = seriesID
        self.name = name
        self.key = key
        self.value = value
        self.checksum = Self.computeChecksum(flag: flag, seriesID: seriesID, name: name, key: key, value: value)
    }

    /// Decoded fields whose checksum has been verified.
    private init(flag: UInt8, seriesID: UInt64, name: [UInt8], key: [UInt8], value: [UInt8], checksum: UInt32) {
        self.flag = flag
        self.seriesID = seriesID
        self.name = name
        self.key = key
        self.value = value
        self.checksum = checksum
    }

    /// What 1.6 appends for a new series in the partition (`AddSeriesList`).
    public static func seriesInsert(_ id: UInt64) -> LogEntry { LogEntry(flag: LogEntryKind.seriesInsert.rawValue, seriesID: id) }
    /// What 1.6 appends when a series leaves the partition (`DeleteSeriesID`).
    public static func seriesTombstone(_ id: UInt64) -> LogEntry { LogEntry(flag: LogEntryKind.seriesTombstone.rawValue, seriesID: id) }
    /// What 1.6 appends for a dropped measurement (`DeleteMeasurement`).
    public static func measurementTombstone(name: [UInt8]) -> LogEntry {
        LogEntry(flag: LogEntryKind.measurementTombstone.rawValue, name: name)
    }
    /// What 1.6 appends for a removed tag key (`DeleteTagKey`).
    public static func tagKeyTombstone(name: [UInt8], key: [UInt8]) -> LogEntry {
        LogEntry(flag: LogEntryKind.tagKeyTombstone.rawValue, name: name, key: key)
    }
    /// What 1.6 appends for a removed tag value (`DeleteTagValue`).
    public static func tagValueTombstone(name: [UInt8], key: [UInt8], value: [UInt8]) -> LogEntry {
        LogEntry(flag: LogEntryKind.tagValueTombstone.rawValue, name: name, key: key, value: value)
    }

    /// The entry's kind, or nil for a flag 1.6 never writes (which its replay treats as an insert).
    public var kind: LogEntryKind? { LogEntryKind(rawValue: flag) }

    /// The number of bytes `encode(into:)` appends.
    public var encodedSize: Int {
        1 + TSIVarint.size(seriesID)
            + TSIVarint.size(UInt64(name.count)) + name.count
            + TSIVarint.size(UInt64(key.count)) + key.count
            + TSIVarint.size(UInt64(value.count)) + value.count + 4
    }

    /// Appends the entry's bytes exactly as 1.6's `appendLogEntry` writes them.
    public func encode(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + encodedSize)
        out.append(flag)
        TSIVarint.append(seriesID, to: &out)
        Self.append(name, to: &out)
        Self.append(key, to: &out)
        Self.append(value, to: &out)
        out.append(UInt8(truncatingIfNeeded: checksum >> 24))
        out.append(UInt8(truncatingIfNeeded: checksum >> 16))
        out.append(UInt8(truncatingIfNeeded: checksum >> 8))
        out.append(UInt8(truncatingIfNeeded: checksum))
    }

    /// The entry's bytes.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Decodes the entry starting at `offset` of `bytes`, as 1.6's `LogEntry.UnmarshalBinary`
    /// does, and returns it with its size in bytes. Anything after the entry is ignored.
    public static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(LogFileError) -> (entry: LogEntry, size: Int) {
        guard offset >= 0, offset < bytes.count else { throw .truncated(.flag, offset: max(offset, 0)) }
        let flag = bytes[offset]
        var at = offset + 1
        let seriesID = try varint(bytes, &at, .seriesID)
        let name = try field(bytes, &at, length: .nameLength, body: .name)
        let key = try field(bytes, &at, length: .keyLength, body: .key)
        let value = try field(bytes, &at, length: .valueLength, body: .value)
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset..<at]))
        guard bytes.count - at >= 4 else { throw .truncated(.checksum, offset: at) }
        var stored: UInt32 = 0
        for i in at..<at + 4 { stored = stored << 8 | UInt32(bytes[i]) }
        guard stored == computed else { throw .checksumMismatch(offset: offset, stored: stored, computed: computed) }
        let entry = LogEntry(flag: flag, seriesID: seriesID, name: Array(bytes[name]), key: Array(bytes[key]),
                             value: Array(bytes[value]), checksum: stored)
        return (entry, at + 4 - offset)
    }

    /// Decodes the entry at `offset` of `bytes` (see the buffer-pointer variant).
    public static func decode(_ bytes: [UInt8], at offset: Int) throws(LogFileError) -> (entry: LogEntry, size: Int) {
        let result: Result<(entry: LogEntry, size: Int), LogFileError> = bytes.withUnsafeBytes { b in
            Result { () throws(LogFileError) in try decode(b, at: offset) }
        }
        return try result.get()
    }

    /// Reads a uvarint at `at` and moves past it.
    private static func varint(_ b: UnsafeRawBufferPointer, _ at: inout Int, _ what: LogEntryField) throws(LogFileError) -> UInt64 {
        switch TSIVarint.read(b, at: at) {
        case .value(let v, let length):
            at += length
            return v
        case .short:
            throw .truncated(what, offset: at)
        case .overflow(let returned):
            throw .varintOverflow(what, offset: at, returned: returned)
        }
    }

    /// Reads a length-prefixed field at `at`, moves past it and returns its byte range.
    private static func field(_ b: UnsafeRawBufferPointer, _ at: inout Int, length: LogEntryField,
                              body: LogEntryField) throws(LogFileError) -> Range<Int> {
        let start = at
        let size = try varint(b, &at, length)
        let prefix = at - start
        // 1.6 computes `n + int(size)` in a signed int: past Int.max it panics (negative
        // slice bound) instead of reporting a short buffer.
        guard size <= UInt64(Int.max - prefix) else { throw .lengthOutOfRange(length, offset: start, length: size) }
        guard Int(size) <= b.count - at else { throw .truncated(body, offset: at) }
        defer { at += Int(size) }
        return at..<at + Int(size)
    }

    /// CRC-32 of the fields' encoding, fed to the CRC piece by piece (no buffer).
    private static func computeChecksum(flag: UInt8, seriesID: UInt64, name: [UInt8], key: [UInt8], value: [UInt8]) -> UInt32 {
        var crc = withUnsafeBytes(of: flag) { CRC32.checksum($0) }
        crc = crcVarint(seriesID, crc)
        crc = crcField(name, crc)
        crc = crcField(key, crc)
        return crcField(value, crc)
    }

    private static func append(_ field: [UInt8], to out: inout [UInt8]) {
        TSIVarint.append(UInt64(field.count), to: &out)
        out.append(contentsOf: field)
    }

    private static func crcField(_ field: [UInt8], _ crc: UInt32) -> UInt32 {
        let withLength = crcVarint(UInt64(field.count), crc)
        return field.withUnsafeBytes { CRC32.checksum($0, continuing: withLength) }
    }

    private static func crcVarint(_ value: UInt64, _ crc: UInt32) -> UInt32 {
        // Ten bytes hold any uvarint; a tuple keeps them on the stack.
        var buffer: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &buffer) { p in
            var v = value
            var n = 0
            while v >= 0x80 {
                p[n] = UInt8(truncatingIfNeeded: v) | 0x80
                v >>= 7
                n += 1
            }
            p[n] = UInt8(v)
            return CRC32.checksum(UnsafeRawBufferPointer(rebasing: p[0...n]), continuing: crc)
        }
    }
}
