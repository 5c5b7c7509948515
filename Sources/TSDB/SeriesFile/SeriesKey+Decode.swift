import LineProtocol
/// A series key as InfluxDB 1.x's series file stores it (`tsdb.AppendSeriesKey`): a uvarint
/// with the length of the rest, a big-endian `UInt16` measurement length and the measurement,
/// a uvarint tag count, then for each tag a `UInt16` key length, the key, a `UInt16` value
/// length and the value. Names, keys and values are raw (unescaped) bytes; tags are in the
/// order they were written (sorted by key). `Spec/series-file.md` has the layout.
///
/// A decoded key holds ranges into the buffer it was decoded from, so decoding allocates only
/// the tag list.
public struct SeriesFileKey: Sendable, Equatable {
    /// Where the whole key — length prefix included — lies in the buffer.
    public let range: Range<Int>
    /// The measurement name's bytes.
    public let measurement: Range<Int>
    /// Each tag's key and value bytes, in stored order.
    public let tags: [(key: Range<Int>, value: Range<Int>)]

    public static func == (a: SeriesFileKey, b: SeriesFileKey) -> Bool {
        a.range == b.range && a.measurement == b.measurement && a.tags.count == b.tags.count
            && zip(a.tags, b.tags).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// The extent of the length-prefixed key at `offset`: its bytes are `offset..<end`.
    /// Checks only the prefix (what 1.x's `ReadSeriesKey` reads), not the structure.
    public static func extent(in bytes: UnsafeRawBufferPointer, at offset: Int) throws(SeriesFileError) -> Range<Int> {
        guard offset >= 0, offset < bytes.count else { throw .truncated(what: "series key length", offset: offset) }
        guard let (size, n) = SeriesFileBytes.uvarint(bytes, offset, end: bytes.count) else {
            throw .invalidKey(reason: "bad length prefix", offset: offset)
        }
        let available = UInt64(bytes.count - offset - n)
        guard size <= available else {
            throw .invalidKey(reason: "length \(size) exceeds the \(available) bytes that follow", offset: offset)
        }
        return offset..<(offset + n + Int(size))
    }

    /// Decodes the key at `offset`, checking every length against the key's own length; the
    /// parts must fill the key exactly.
    public static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SeriesFileError) -> SeriesFileKey {
        let range = try extent(in: bytes, at: offset)
        let end = range.upperBound
        guard let (_, prefix) = SeriesFileBytes.uvarint(bytes, offset, end: end) else {
            throw .invalidKey(reason: "bad length prefix", offset: offset)
        }
        var p = offset + prefix
        guard let nameLength = SeriesFileBytes.uint16(bytes, p, end: end) else {
            throw .invalidKey(reason: "no measurement length", offset: offset)
        }
        p += 2
        guard nameLength <= end - p else { throw .invalidKey(reason: "measurement length \(nameLength) past the key's end", offset: offset) }
        let measurement = p..<(p + nameLength)
        p += nameLength
        guard let (tagCount, tn) = SeriesFileBytes.uvarint(bytes, p, end: end) else {
            throw .invalidKey(reason: "no tag count", offset: offset)
        }
        p += tn
        // Each tag takes at least four bytes: a count beyond that cannot be right.
        guard tagCount <= UInt64((end - p) / 4) else { throw .invalidKey(reason: "tag count \(tagCount) past the key's end", offset: offset) }
        var tags: [(key: Range<Int>, value: Range<Int>)] = []
        tags.reserveCapacity(Int(tagCount))
        for i in 0..<Int(tagCount) {
            guard let kl = SeriesFileBytes.uint16(bytes, p, end: end), kl <= end - p - 2 else {
                throw .invalidKey(reason: "tag \(i) key past the key's end", offset: offset)
            }
            let key = (p + 2)..<(p + 2 + kl)
            p = key.upperBound
            guard let vl = SeriesFileBytes.uint16(bytes, p, end: end), vl <= end - p - 2 else {
                throw .invalidKey(reason: "tag \(i) value past the key's end", offset: offset)
            }
            let value = (p + 2)..<(p + 2 + vl)
            p = value.upperBound
            tags.append((key, value))
        }
        guard p == end else { throw .invalidKey(reason: "\(end - p) bytes after the last tag", offset: offset) }
        return SeriesFileKey(range: range, measurement: measurement, tags: tags)
    }

    /// The key as 1.x prints it in `SHOW SERIES` (`models.MakeKey`): the measurement with
    /// commas and spaces escaped, then `,key=value` for each tag with commas, equals signs
    /// and spaces escaped.
    public func escaped(in bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count + 8)
        func append(_ r: Range<Int>, equals: Bool) {
            for i in r {
                let c = bytes[i]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: " ") || (equals && c == UInt8(ascii: "=")) { out.append(UInt8(ascii: "\\")) }
                out.append(c)
            }
        }
        append(measurement, equals: false)
        for tag in tags {
            out.append(UInt8(ascii: ","))
            append(tag.key, equals: true)
            out.append(UInt8(ascii: "="))
            append(tag.value, equals: true)
        }
        return out
    }

    /// The parts of an encoded key (length prefix included), or nil when it does not decode.
    public static func parts(of bytes: [UInt8]) -> SeriesKey? {
        bytes.withUnsafeBytes { b in
            guard let key = try? SeriesFileKey.decode(b, at: 0) else { return nil }
            return SeriesKey(name: Array(b[key.measurement]), tags: key.tags.map { SeriesKey.Tag(key: Array(b[$0.key]), value: Array(b[$0.value])) })
        }
    }

    /// The measurement name of a length-prefixed key, without decoding its tags.
    public static func name(of bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { b in
            guard let (_, prefix) = SeriesFileBytes.uvarint(b, 0, end: b.count),
                  let length = SeriesFileBytes.uint16(b, prefix, end: b.count), length <= b.count - prefix - 2 else { return nil }
            return Array(b[(prefix + 2)..<(prefix + 2 + length)])
        }
    }

    /// Encodes a key as 1.x's `AppendSeriesKey` does (`LineProtocol.SeriesKey`).
    public static func encode(measurement: [UInt8], tags: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
        SeriesKey(name: measurement, tags: tags.map { SeriesKey.Tag(key: $0.key, value: $0.value) }).seriesFileEncoding
    }
}
