extension LineProtocolParser {
    /// The measurement and tags of a line: its canonical series key (tags sorted by their escaped
    /// keys) and where the key section ends.
    struct ScannedKey {
        /// Where the key section ends (its length: sorting does not change it).
        var end: Int
        /// Where the tags start (after the measurement's comma), or nil without tags.
        var tagsStart: Int?
        /// Whether the tags are already in canonical order.
        var sorted: Bool

        var count: Int { end }
    }

    /// Scans the key section and appends its canonical form to `out` (tags sorted once, here,
    /// where duplicates are found too — 1.x reports them before any field error).
    static func scanKey(_ buf: UnsafeRawBufferPointer, into out: inout [UInt8]) throws(ScanError) -> ScannedKey {
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
        guard hasTags else {
            out += UnsafeRawBufferPointer(rebasing: buf[0..<i])
            return ScannedKey(end: i, tagsStart: nil, sorted: true)
        }

        // Tags. Lines from real clients almost always have sorted tags, so sortedness and
        // duplicates are checked against the previous tag while scanning, with no allocation;
        // only an unsorted key is collected and rebuilt.
        let firstTag = i
        var previousKey = 0..<0
        var sorted = true
        func precedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool { ASCII.compare(buf, a, b) < 0 }
        func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool { ASCII.compare(buf, a, b) == 0 }
        tags: while true {
            let tagStart = i
            // Tag key up to an unescaped '='.
            guard i < buf.count, buf[i] != ASCII.space, buf[i] != ASCII.comma, buf[i] != ASCII.equals else {
                throw .missingTagKey
            }
            while true {
                i += 1
                guard i < buf.count else { throw .missingTagValue }
                let escaped = buf[i - 1] == ASCII.backslash
                if (buf[i] == ASCII.space || buf[i] == ASCII.comma) && !escaped { throw .missingTagValue }
                if buf[i] == ASCII.equals && !escaped { break }
            }
            let key = tagStart..<i
            if sorted && !previousKey.isEmpty {
                if precedes(key, previousKey) { sorted = false }
                else if same(key, previousKey) { throw .duplicateTags }
            }
            previousKey = key
            i += 1
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
        let key = ScannedKey(end: i, tagsStart: firstTag, sorted: sorted)
        guard !sorted, let tagsStart = key.tagsStart else {
            out += UnsafeRawBufferPointer(rebasing: buf[0..<key.end])
            return key
        }
        out += UnsafeRawBufferPointer(rebasing: buf[0..<(tagsStart - 1)])
        try withSortedTags(buf, key) { (tags: UnsafeBufferPointer<TagSpan>) throws(ScanError) in
            // Sorting puts equal keys next to each other.
            for n in 1..<tags.count where same(tags[n - 1].key, tags[n].key) { throw .duplicateTags }
            for tag in tags {
                out.append(ASCII.comma)
                out += UnsafeRawBufferPointer(rebasing: buf[tag.all])
            }
        }
        return key
    }

    /// One tag of a key: its `k=v` bytes and its key bytes.
    struct TagSpan {
        var all: Range<Int>
        var key: Range<Int>
    }

    /// Calls `body` with the tags of `key` in canonical order (stable sort by escaped key
    /// bytes), using stack memory for up to a few hundred tags.
    static func withSortedTags<E: Error>(
        _ buf: UnsafeRawBufferPointer, _ key: ScannedKey, _ body: (UnsafeBufferPointer<TagSpan>) throws(E) -> Void
    ) throws(E) {
        guard let tagsStart = key.tagsStart else { return }
        var count = 1
        for j in tagsStart..<key.end where buf[j] == ASCII.comma && buf[j - 1] != ASCII.backslash { count += 1 }
        let result: Result<Void, E> = withUnsafeTemporaryAllocation(of: TagSpan.self, capacity: count) { tags in
            var n = 0, start = tagsStart, j = tagsStart
            while j <= key.end {
                if j == key.end || (buf[j] == ASCII.comma && buf[j - 1] != ASCII.backslash) {
                    tags.initializeElement(at: n, to: TagSpan(all: start..<j, key: start..<tagKeyEnd(buf, start, j)))
                    n += 1
                    start = j + 1
                }
                j += 1
            }
            // Insertion sort: stable, and tag counts are small.
            for a in 1..<count {
                var b = a
                let moving = tags[a]
                while b > 0 && ASCII.compare(buf, moving.key, tags[b - 1].key) < 0 {
                    tags[b] = tags[b - 1]
                    b -= 1
                }
                tags[b] = moving
            }
            defer { tags.deinitialize() }
            do throws(E) {
                try body(UnsafeBufferPointer(tags))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
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
