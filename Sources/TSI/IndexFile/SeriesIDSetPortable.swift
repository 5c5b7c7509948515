/// Checks bytes in the portable Roaring format (what Go's `roaring.Bitmap.WriteTo` and
/// CRoaring's `roaring_bitmap_portable_serialize` write) before CRoaring reads them: the
/// installed CRoaring trusts counts, order and cardinalities, so a damaged set is refused here
/// instead of becoming a bitmap whose later use misbehaves. All integers are little-endian:
///
/// ```
/// u32 cookie 12346, u32 container count n          (no run containers)
///   or u16 12347, u16 n - 1, ceil(n/8) bytes: which containers are runs
/// n × (u16 key = high 16 bits, u16 cardinality - 1), keys strictly increasing
/// n × u32 container offsets                        (omitted with runs when n < 4)
/// containers: array (cardinality ≤ 4096): sorted u16s;
///             bitmap: 1024 u64 words;  run: u16 count, then (u16 start, u16 length - 1) pairs
/// ```
enum SeriesIDSetPortable {
    static let cookieNoRuns: UInt32 = 12346
    static let cookieRuns: UInt32 = 12347
    static let arrayMaxCardinality = 4096

    /// The number of bytes the set occupies, once every part is known to be well formed.
    static func validate(_ b: UnsafeRawBufferPointer, fileOffset: Int) throws(IndexFileError) -> Int {
        var at = 0
        func fail(_ reason: String) -> IndexFileError { .invalidSeriesIDSet(reason: reason, offset: fileOffset + at) }
        func need(_ n: Int, _ what: String) throws(IndexFileError) {
            guard n >= 0, n <= b.count - at else { throw fail("truncated \(what)") }
        }
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }

        try need(4, "cookie")
        let cookie = UInt32(u16(0)) | UInt32(u16(2)) << 16
        let hasRuns = cookie & 0xFFFF == cookieRuns
        var count: Int
        var runFlags = 0
        if hasRuns {
            count = Int(cookie >> 16) + 1
            at = 4
            runFlags = at
            try need((count + 7) / 8, "run container flags")
            at += (count + 7) / 8
        } else if cookie == cookieNoRuns {
            at = 4
            try need(4, "container count")
            count = u16(4) | u16(6) << 16
            guard count <= 1 << 16 else { throw fail("\(count) containers") }
            at = 8
        } else {
            throw fail("unknown cookie \(cookie)")
        }
        let header = at
        try need(4 * count, "container headers")
        at += 4 * count
        if !hasRuns || count >= 4 {
            try need(4 * count, "container offsets")
            at += 4 * count
        }
        var previousKey = -1
        for k in 0..<count {
            let key = u16(header + 4 * k)
            let cardinality = u16(header + 4 * k + 2) + 1
            guard key > previousKey else { throw fail("container key \(key) after \(previousKey)") }
            previousKey = key
            let isRun = hasRuns && b[runFlags + k / 8] & UInt8(1 << (k % 8)) != 0
            if isRun {
                try need(2, "run count")
                let runs = u16(at)
                at += 2
                try need(4 * runs, "runs")
                var total = 0
                var nextFree = 0
                for r in 0..<runs {
                    let start = u16(at + 4 * r), length = u16(at + 4 * r + 2)
                    guard start >= nextFree, start + length <= 0xFFFF else { throw fail("run \(r) of container \(k) overlaps or overflows") }
                    nextFree = start + length + 1
                    total += length + 1
                }
                guard total == cardinality else { throw fail("run container \(k) holds \(total), header says \(cardinality)") }
                at += 4 * runs
            } else if cardinality > arrayMaxCardinality {
                try need(8192, "bitmap container")
                var total = 0
                for i in 0..<8192 { total += b[at + i].nonzeroBitCount }
                guard total == cardinality else { throw fail("bitmap container \(k) holds \(total), header says \(cardinality)") }
                at += 8192
            } else {
                try need(2 * cardinality, "array container")
                var previous = -1
                for i in 0..<cardinality {
                    let v = u16(at + 2 * i)
                    guard v > previous else { throw fail("array container \(k) is not strictly increasing") }
                    previous = v
                }
                at += 2 * cardinality
            }
        }
        return at
    }
}
