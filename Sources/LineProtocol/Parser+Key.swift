extension LineProtocolParser {
    /// The measurement and tags of a line: its canonical series key (tags sorted by their escaped
    /// keys) and where the key section ends.
    struct ScannedKey {
        /// The key as it stands in the line (tags already sorted), or rebuilt in sorted order.
        enum Bytes {
            case inLine(Range<Int>)
            case rebuilt([UInt8])
        }
        var bytes: Bytes
        var end: Int

        var count: Int {
            switch bytes {
            case .inLine(let r): r.count
            case .rebuilt(let b): b.count
            }
        }
    }

    static func scanKey(_ buf: UnsafeRawBufferPointer) throws(ScanError) -> ScannedKey {
        // Measurement: anything up to an unescaped comma (tags follow) or space (fields follow).
        guard !buf.isEmpty, buf[0] != ASCII.comma else { throw .missingMeasurement }
        var i = 0
        var hasTags = false
        while true {
            i += 1
            guard i < buf.count else { throw .missingFields }
            if buf[i - 1] == ASCII.backslash { continue }
            if buf[i] == ASCII.comma { hasTags = true; i += 1; break }
            if buf[i] == ASCII.space { break }
        }
        guard hasTags else { return ScannedKey(bytes: .inLine(0..<i), end: i) }

        // Tags: starts holds where each `key=value` begins; the key section ends at i.
        var starts: [Int] = []
        starts.reserveCapacity(16)
        tags: while true {
            starts.append(i)
            // Tag key up to an unescaped '='.
            guard i < buf.count, buf[i] != ASCII.space, buf[i] != ASCII.comma, buf[i] != ASCII.equals else {
                throw .missingTagKey
            }
            while true {
                i += 1
                guard i < buf.count else { throw .missingTagValue }
                let escaped = buf[i - 1] == ASCII.backslash
                if (buf[i] == ASCII.space || buf[i] == ASCII.comma) && !escaped { throw .missingTagValue }
                if buf[i] == ASCII.equals && !escaped { i += 1; break }
            }
            // Tag value up to an unescaped ',' (next tag) or ' ' (fields).
            guard i < buf.count, buf[i] != ASCII.comma, buf[i] != ASCII.space else { throw .missingTagValue }
            while true {
                i += 1
                guard i < buf.count else { throw .missingFields }
                let escaped = buf[i - 1] == ASCII.backslash
                if buf[i] == ASCII.equals && !escaped { throw .invalidTagFormat }
                if buf[i] == ASCII.comma && !escaped { i += 1; continue tags }
                if buf[i] == ASCII.space && !escaped { break tags }
            }
        }
        let keyEnd = i
        let measurementEnd = starts[0] - 1
        // Each tag's `key=value` bytes and its key bytes, as ranges into buf.
        var tags = starts.indices.map { n -> (all: Range<Int>, key: Range<Int>) in
            let end = n + 1 < starts.count ? starts[n + 1] - 1 : keyEnd
            return (starts[n]..<end, starts[n]..<tagKeyEnd(buf, starts[n], end))
        }
        func less(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
            UnsafeRawBufferPointer(rebasing: buf[a]).lexicographicallyPrecedes(UnsafeRawBufferPointer(rebasing: buf[b]))
        }
        func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
            UnsafeRawBufferPointer(rebasing: buf[a]).elementsEqual(UnsafeRawBufferPointer(rebasing: buf[b]))
        }
        var sorted = true
        for n in tags.indices.dropLast() {
            if less(tags[n + 1].key, tags[n].key) { sorted = false; break }
            if same(tags[n].key, tags[n + 1].key) { throw .duplicateTags }
        }
        if sorted { return ScannedKey(bytes: .inLine(0..<keyEnd), end: keyEnd) }
        // A stable sort keeps equal keys adjacent, so duplicates are adjacent after it.
        tags.sort { less($0.key, $1.key) }
        for n in tags.indices.dropLast() where same(tags[n].key, tags[n + 1].key) { throw .duplicateTags }
        var key: [UInt8] = []
        key.reserveCapacity(keyEnd)
        key += buf[0..<measurementEnd]
        for tag in tags {
            key.append(ASCII.comma)
            key += buf[tag.all]
        }
        return ScannedKey(bytes: .rebuilt(key), end: keyEnd)
    }

    /// Where the key of the tag starting at `start` ends: its first unescaped '='.
    static func tagKeyEnd(_ buf: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i < end {
            if buf[i] == ASCII.equals && (i == start || buf[i - 1] != ASCII.backslash) { return i }
            i += 1
        }
        return end
    }
}
