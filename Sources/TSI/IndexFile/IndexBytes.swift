/// Bounds-checked big-endian and uvarint reads, and the big-endian appends, for the index file
/// codec (uvarints are appended with `TSIVarint`). Read positions are absolute; `end` is the first byte the field may not reach.
enum IndexBytes {
    static func uint64(_ b: UnsafeRawBufferPointer, _ at: Int, end: Int, _ what: String) throws(IndexFileError) -> UInt64 {
        guard at >= 0, at <= end - 8, end <= b.count else { throw .truncated(what: what, offset: at) }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(b[at + i]) }
        return v
    }

    static func uint16(_ b: UnsafeRawBufferPointer, _ at: Int, end: Int, _ what: String) throws(IndexFileError) -> UInt16 {
        guard at >= 0, at <= end - 2, end <= b.count else { throw .truncated(what: what, offset: at) }
        return UInt16(b[at]) << 8 | UInt16(b[at + 1])
    }

    static func uint32(_ b: UnsafeRawBufferPointer, _ at: Int, end: Int, _ what: String) throws(IndexFileError) -> UInt32 {
        guard at >= 0, at <= end - 4, end <= b.count else { throw .truncated(what: what, offset: at) }
        return UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    /// Go's `binary.Uvarint` with the failures made errors: bytes ending first, or more than
    /// 64 bits (a tenth byte above 1, or an eleventh byte).
    static func uvarint(_ b: UnsafeRawBufferPointer, _ at: Int, end: Int, _ what: String) throws(IndexFileError) -> (value: UInt64, length: Int) {
        var x: UInt64 = 0
        var shift: UInt64 = 0
        var i = at
        while i >= 0, i < end, i < b.count {
            let byte = b[i]
            if i - at == 9 && byte > 1 { throw .invalidVarint(what: what, offset: at) }
            if byte < 0x80 { return (x | UInt64(byte) << shift, i - at + 1) }
            x |= UInt64(byte & 0x7f) << shift
            shift += 7
            i += 1
            if i - at > 9 { throw .invalidVarint(what: what, offset: at) }
        }
        throw .truncated(what: what, offset: at)
    }

    /// A uvarint length followed by that many bytes, all before `end`: the bytes' range and
    /// the position after them.
    static func lengthPrefixed(_ b: UnsafeRawBufferPointer, _ at: Int, end: Int, _ what: String) throws(IndexFileError) -> (range: Range<Int>, next: Int) {
        let (length, n) = try uvarint(b, at, end: end, what)
        let start = at + n
        guard length <= UInt64(end - start) else { throw .truncated(what: what, offset: start) }
        return (start..<start + Int(length), start + Int(length))
    }

    /// The absolute range of a section recorded relative to `container`, if it lies inside it.
    static func section(_ s: IndexFileSection, in container: Range<Int>, _ what: String) throws(IndexFileError) -> Range<Int> {
        let limit = UInt64(container.count)
        guard s.offset <= limit, s.size <= limit - s.offset else {
            throw .outOfBounds(what: what, offset: s.offset, size: s.size, limit: container.count)
        }
        let start = container.lowerBound + Int(s.offset)
        return start..<start + Int(s.size)
    }

    static func append(_ v: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    static func append(_ v: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: v >> 8))
        out.append(UInt8(truncatingIfNeeded: v))
    }

    static func append(_ v: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

}

/// The bytes a reader decodes. They stay allocated and unchanged while any view of them (an
/// `IndexFile`, a block, an element, a name) exists; a mapped file can be wrapped the same way.
final class IndexFileStorage: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    /// The same bytes bound to `UInt8`, for callers that want a typed buffer.
    let typed: UnsafeBufferPointer<UInt8>
    private let release: @Sendable (UnsafeRawBufferPointer) -> Void

    init(copying source: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: source.count)
        if source.count > 0 { UnsafeMutableRawBufferPointer(copy).copyMemory(from: source) }
        typed = UnsafeBufferPointer(copy)
        bytes = UnsafeRawBufferPointer(copy)
        release = { $0.deallocate() }
    }

    init(unsafeBytes: UnsafeRawBufferPointer, release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        bytes = unsafeBytes
        typed = unsafeBytes.bindMemory(to: UInt8.self)
        self.release = release
    }

    deinit { release(bytes) }
}

/// A name (measurement, tag key or tag value) as it lies in the file: no copy, no `String`.
/// Compare it with `equals(_:)` against bytes, or copy it out with `Array(view)`.
public struct IndexBytesView: RandomAccessCollection, Hashable, Sendable, CustomStringConvertible {
    let storage: IndexFileStorage
    let range: Range<Int>

    public var startIndex: Int { 0 }
    public var endIndex: Int { range.count }
    public subscript(position: Int) -> UInt8 { storage.bytes[range.lowerBound + position] }

    /// The bytes for the duration of `body`.
    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(rebasing: storage.bytes[range]))
    }

    /// The bytes as a typed buffer (always available), for the duration of `body`.
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try body(UnsafeBufferPointer(rebasing: storage.typed[range]))
    }

    /// True when the view holds exactly `other`'s bytes.
    public func equals(_ other: some Collection<UInt8>) -> Bool {
        count == other.count && elementsEqual(other)
    }

    public static func == (a: IndexBytesView, b: IndexBytesView) -> Bool { a.equals(b) }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// The bytes as text (invalid UTF-8 repaired), for messages and tests.
    public var description: String { String(decoding: self, as: UTF8.self) }
}
