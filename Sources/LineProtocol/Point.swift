/// One point: a series (measurement and tags), fields and a timestamp.
///
/// Stored as the bytes it arrived in: the canonical series key (tags sorted) followed by the
/// field section, in one buffer — one allocation per point. Names and values are decoded only
/// when asked for.
public struct Point: Sendable, Hashable {
    let storage: [UInt8]
    private let keyCount: Int
    /// Nanoseconds since the Unix epoch.
    public let time: Int64

    /// `storage` holds the canonical key (`keyCount` bytes) followed by the field section.
    init(storage: [UInt8], keyCount: Int, time: Int64) {
        self.storage = storage
        self.keyCount = keyCount
        self.time = time
    }

    /// The canonical, escaped series key: `measurement,k1=v1,k2=v2` with tags sorted by key —
    /// what the index and TSM keys use.
    public var seriesKey: ArraySlice<UInt8> { storage[..<keyCount] }

    /// The escaped field section as received: `f1=1,f2="x"`.
    public var rawFields: ArraySlice<UInt8> { storage[keyCount...] }

    /// Calls `body` with the series key bytes, without copying.
    public func withSeriesKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<keyCount])) }
    }

    /// The measurement name, unescaped.
    public var measurement: String {
        withSeriesKey { key in String(decoding: SeriesKey.name(ofEscaped: key), as: UTF8.self) }
    }

    /// Tags sorted by key, unescaped.
    public var tags: [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        forEachTag { k, v in
            out.append((Escaping.unescape(k, Escaping.tag), Escaping.unescape(v, Escaping.tag)))
        }
        return out
    }

    /// The value of tag `key`, if present. A key without characters that need escaping is
    /// compared with the stored bytes as they are, so a miss (the write path asks every point
    /// for a `time` tag) makes no string.
    public func tag(_ key: String) -> String? {
        var found: String?
        var name = key
        name.withUTF8 { want in
            let plain = !want.contains { $0 == ASCII.comma || $0 == ASCII.equals || $0 == ASCII.space || $0 == ASCII.backslash }
            forEachTag { k, v in
                guard found == nil else { return }
                let match = plain ? k.elementsEqual(UnsafeRawBufferPointer(want)) : Escaping.unescape(k, Escaping.tag) == key
                if match { found = Escaping.unescape(v, Escaping.tag) }
            }
        }
        return found
    }

    /// Fields in input order, unescaped and decoded.
    public var fields: [(key: String, value: FieldValue)] {
        var out: [(key: String, value: FieldValue)] = []
        forEachField { k, v in out.append((Escaping.unescape(k, Escaping.fieldKey), v)) }
        return out
    }

    /// A field key as written (escaped) → as stored in TSM keys and fields.idx: escapes
    /// removed, the bytes kept as they are.
    public static func unescapedFieldKey(_ escaped: some Collection<UInt8>) -> [UInt8] {
        Escaping.unescapeBytes(escaped, Escaping.fieldKey)
    }

    /// Calls `body` with each tag's escaped key and value bytes, in key order; no allocation.
    public func forEachTag(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        withSeriesKey { key in
            var i = measurementEnd(key)
            while i < key.count {
                i += 1  // the comma
                let start = i
                var equals = -1
                while i < key.count && !(key[i] == ASCII.comma && key[i - 1] != ASCII.backslash) {
                    if equals < 0 && key[i] == ASCII.equals && key[i - 1] != ASCII.backslash { equals = i }
                    i += 1
                }
                body(UnsafeRawBufferPointer(rebasing: key[start..<equals]), UnsafeRawBufferPointer(rebasing: key[(equals + 1)..<i]))
            }
        }
    }

    /// Calls `body` with each field's escaped key bytes and decoded value, in input order.
    public func forEachField(_ body: (UnsafeRawBufferPointer, FieldValue) -> Void) {
        storage.withUnsafeBytes { all in
            FieldWalker.forEach(UnsafeRawBufferPointer(rebasing: all[keyCount...])) { k, raw in body(k, FieldWalker.decode(raw)) }
        }
    }

    /// Calls `body` with each field's escaped key bytes and its value undecoded, in input order.
    public func forEachRawField(_ body: (UnsafeRawBufferPointer, RawFieldValue) -> Void) {
        storage.withUnsafeBytes { all in
            FieldWalker.forEach(UnsafeRawBufferPointer(rebasing: all[keyCount...])) { k, raw in body(k, RawFieldValue(bytes: raw)) }
        }
    }

    /// Appends the point's shape — its escaped measurement, then each field's escaped key and
    /// value kind, length-prefixed — so that points of one shape (a batch's usual case) can be
    /// validated once: same shape, same field keys and types.
    public func appendShape(to out: inout [UInt8]) {
        func appendLength(_ n: Int) {
            out.append(UInt8(truncatingIfNeeded: n >> 8))
            out.append(UInt8(truncatingIfNeeded: n))
        }
        withSeriesKey { key in
            let m = UnsafeRawBufferPointer(rebasing: key[..<measurementEnd(key)])
            appendLength(m.count)
            out.append(contentsOf: m)
        }
        storage.withUnsafeBytes { all in
            FieldWalker.forEach(UnsafeRawBufferPointer(rebasing: all[keyCount...])) { k, raw in
                appendLength(k.count)
                out.append(contentsOf: k)
                out.append(FieldWalker.kind(raw))
            }
        }
    }

    /// Where the measurement ends in the key: its first unescaped comma.
    private func measurementEnd(_ key: UnsafeRawBufferPointer) -> Int {
        var i = 0
        while i < key.count {
            if key[i] == ASCII.comma && (i == 0 || key[i - 1] != ASCII.backslash) { return i }
            i += 1
        }
        return key.count
    }
}
