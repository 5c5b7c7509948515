/// A series key taken apart as 1.x reads one: the measurement name unescaped as
/// `models.Point.Name` does (`\,` `\"` `\ ` `\=`), tag keys and values as its tag parser does
/// (`\,` `\ ` `\=`); any other backslash is literal. The one place Sundial turns a stored
/// line-protocol key (`cpu\ load,host=a\,b`) into parts and back, into the key `SHOW SERIES`
/// prints (`models.MakeKey`) and into the series file's encoding.
public struct SeriesKey: Sendable, Hashable {
    /// One tag, unescaped bytes.
    public struct Tag: Sendable, Hashable {
        public var key: [UInt8]
        public var value: [UInt8]

        public init(key: [UInt8], value: [UInt8]) {
            self.key = key
            self.value = value
        }
    }

    /// The measurement name, unescaped.
    public var name: [UInt8]
    /// The tags in key order, unescaped.
    public var tags: [Tag]

    public init(name: [UInt8], tags: [Tag]) {
        self.name = name
        self.tags = tags
    }

    /// Splits a line-protocol series key at its unescaped commas and each tag at its first
    /// unescaped `=`, then unescapes the parts.
    public init(escaped key: some Collection<UInt8>) {
        let bytes = Array(key)
        var parts: [Range<Int>] = []
        var start = 0, i = 0
        while i < bytes.count {
            if bytes[i] == ASCII.backslash, i + 1 < bytes.count {
                i += 2
                continue
            }
            if bytes[i] == ASCII.comma {
                parts.append(start..<i)
                start = i + 1
            }
            i += 1
        }
        parts.append(start..<bytes.count)
        name = Escaping.unescapeBytes(bytes[parts[0]], Escaping.name)
        tags = parts.dropFirst().map { part in
            var eq = part.lowerBound
            while eq < part.upperBound && !(bytes[eq] == ASCII.equals && (eq == part.lowerBound || bytes[eq - 1] != ASCII.backslash)) { eq += 1 }
            let value = eq < part.upperBound ? bytes[(eq + 1)..<part.upperBound] : []
            return Tag(key: Escaping.unescapeBytes(bytes[part.lowerBound..<eq], Escaping.tag), value: Escaping.unescapeBytes(value, Escaping.tag))
        }
    }

    /// The unescaped measurement name of a line-protocol series key, without its tags.
    public static func name(ofEscaped key: some Collection<UInt8>) -> [UInt8] {
        var end = key.startIndex
        var escaped = false
        while end != key.endIndex {
            let b = key[end]
            if escaped {
                escaped = false
            } else if b == ASCII.backslash {
                escaped = true
            } else if b == ASCII.comma {
                break
            }
            end = key.index(after: end)
        }
        return Escaping.unescapeBytes(key[key.startIndex..<end], Escaping.name)
    }

    /// The value of tag `key`, or nil.
    public func tag(_ key: [UInt8]) -> [UInt8]? { tags.first { $0.key == key }?.value }

    /// The key 1.x's `models.MakeKey` builds from the parts, as `SHOW SERIES` prints it: the
    /// name with `,` and space escaped, each tag with `,`, `=` and space escaped.
    public var made: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(name.count + tags.reduce(0) { $0 + $1.key.count + $1.value.count + 2 })
        Escaping.escape(name, Escaping.measurement, into: &out)
        for tag in tags {
            out.append(ASCII.comma)
            Escaping.escape(tag.key, Escaping.tag, into: &out)
            out.append(ASCII.equals)
            Escaping.escape(tag.value, Escaping.tag, into: &out)
        }
        return out
    }

    /// The series file's encoding of the key (1.x's `AppendSeriesKey`): a uvarint of the size
    /// that follows, the name and each tag key and value behind a big-endian `UInt16` length,
    /// the tag count as a uvarint. Lengths over 65,535 wrap, as 1.x's do (line protocol's
    /// 64 KiB key limit keeps real keys below).
    public var seriesFileEncoding: [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(name.count + 4 + tags.reduce(0) { $0 + $1.key.count + $1.value.count + 4 })
        func u16(_ n: Int) {
            body.append(UInt8(truncatingIfNeeded: n >> 8))
            body.append(UInt8(truncatingIfNeeded: n))
        }
        u16(name.count)
        body += name
        Self.appendUvarint(&body, UInt64(tags.count))
        for tag in tags {
            u16(tag.key.count)
            body += tag.key
            u16(tag.value.count)
            body += tag.value
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 3)
        Self.appendUvarint(&out, UInt64(body.count))
        return out + body
    }

    /// Appends `value` as a uvarint (7 bits a byte, low bits first, high bit = more).
    public static func appendUvarint(_ out: inout [UInt8], _ value: UInt64) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
