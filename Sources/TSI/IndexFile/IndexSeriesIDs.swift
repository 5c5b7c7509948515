/// The series of a measurement or tag value as the element stores them. 1.6 writes a
/// uvarint count, a uvarint byte size, then the sorted ids as uvarint deltas (the first from
/// 0). 1.7 and later set flag `0x02` on the element and store a portable Roaring bitmap
/// instead; both are read here.
public struct IndexSeriesIDs: Sendable {
    let storage: IndexFileStorage
    let range: Range<Int>
    /// The count the element records (1.x trusts it; the data decide what ids there are).
    public let count: UInt64
    /// True for the 1.7+ Roaring encoding (element flag `0x02`).
    public let isRoaring: Bool

    /// The element flag bit of the 1.7+ Roaring encoding (measurement and tag value elements).
    static let roaringFlag: UInt8 = 0x02

    /// Reads the series an element stores from `at` (its uvarint count, then its
    /// length-prefixed data) for an element with flag byte `flag`; `what` names the element in
    /// errors. Returns the series and the position after them.
    static func read(_ storage: IndexFileStorage, at: Int, end: Int, flag: UInt8, _ what: String) throws(IndexFileError) -> (IndexSeriesIDs, next: Int) {
        let (count, n) = try IndexBytes.uvarint(storage.bytes, at, end: end, what + " series count")
        let data = try IndexBytes.lengthPrefixed(storage.bytes, at + n, end: end, what + " series data")
        return (IndexSeriesIDs(storage: storage, range: data.range, count: count, isRoaring: flag & roaringFlag != 0), data.next)
    }

    /// The raw series bytes (deltas or bitmap) as they lie in the file.
    public var bytes: IndexBytesView { IndexBytesView(storage: storage, range: range) }

    /// An iterator over the ids in order; the Roaring form is decoded up front.
    public func makeIterator() throws(IndexFileError) -> IndexSeriesIDIterator {
        if isRoaring {
            let set = try SeriesIDSet(portable: UnsafeRawBufferPointer(rebasing: storage.bytes[range]), fileOffset: range.lowerBound)
            return IndexSeriesIDIterator(decoded: set.ids)
        }
        return IndexSeriesIDIterator(storage: storage, range: range)
    }

    /// All ids, in the order stored.
    public func ids() throws(IndexFileError) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(Int(min(count, UInt64(range.count))))
        var it = try makeIterator()
        while let id = try it.next() { out.append(id) }
        return out
    }
}

/// Walks an element's series ids: each uvarint delta is added (wrapping, as Go's `uint64`) to
/// the previous id.
public struct IndexSeriesIDIterator: Sendable {
    private let storage: IndexFileStorage?
    private var at: Int
    private let end: Int
    private var previous: UInt64 = 0
    private let decoded: [UInt64]

    init(storage: IndexFileStorage, range: Range<Int>) {
        self.storage = storage
        at = range.lowerBound
        end = range.upperBound
        decoded = []
    }

    init(decoded: [UInt64]) {
        storage = nil
        at = 0
        end = decoded.count
        self.decoded = decoded
    }

    /// The next id, nil at the end, or an error for a delta that is not a whole uvarint.
    public mutating func next() throws(IndexFileError) -> UInt64? {
        guard at < end else { return nil }
        guard let storage else {
            defer { at += 1 }
            return decoded[at]
        }
        let (delta, n) = try IndexBytes.uvarint(storage.bytes, at, end: end, "series id delta")
        at += n
        previous = previous &+ delta
        return previous
    }
}
