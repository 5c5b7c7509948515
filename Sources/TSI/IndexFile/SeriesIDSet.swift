import CRoaring

/// A set of series ids, 1.x's `tsdb.SeriesIDSet`: a Roaring bitmap of 32-bit values (1.x
/// truncates ids to `uint32`, and so does this type), stored in files in the portable
/// Roaring format. Backed by CRoaring; a value type with copy-on-write.
public struct SeriesIDSet: Sendable, Equatable, CustomStringConvertible {
    private var bitmap: SeriesIDSetBitmap

    /// An empty set.
    public init() {
        bitmap = SeriesIDSetBitmap(roaring_bitmap_create())
    }

    /// The set of `ids` (each truncated to 32 bits, as 1.x does).
    public init(_ ids: some Sequence<UInt64>) {
        self.init()
        insert(contentsOf: Array(ids))
    }

    /// Decodes a set in the portable Roaring format; bytes after the set are ignored, as 1.x
    /// ignores them.
    public init(portable bytes: [UInt8]) throws(IndexFileError) {
        let result: Result<SeriesIDSet, IndexFileError> = bytes.withUnsafeBytes { b in
            Result { () throws(IndexFileError) -> SeriesIDSet in try SeriesIDSet(portable: b, fileOffset: 0) }
        }
        self = try result.get()
    }

    /// Decodes a set; `fileOffset` is where `bytes` start, for error messages.
    init(portable bytes: UnsafeRawBufferPointer, fileOffset: Int) throws(IndexFileError) {
        let used = try SeriesIDSetPortable.validate(bytes, fileOffset: fileOffset)
        let pointer = bytes.withMemoryRebound(to: CChar.self) { chars -> UnsafeMutablePointer<roaring_bitmap_t>? in
            guard let base = chars.baseAddress else { return nil }
            return roaring_bitmap_portable_deserialize_safe(base, used)
        }
        guard let pointer else { throw .invalidSeriesIDSet(reason: "CRoaring refused the bitmap", offset: fileOffset) }
        bitmap = SeriesIDSetBitmap(pointer)
    }

    private init(bitmap pointer: UnsafeMutablePointer<roaring_bitmap_t>?) {
        bitmap = SeriesIDSetBitmap(pointer)
    }

    /// The number of ids.
    public var count: Int { Int(roaring_bitmap_get_cardinality(bitmap.pointer)) }

    public var isEmpty: Bool { roaring_bitmap_is_empty(bitmap.pointer) }

    /// True when `id` (truncated to 32 bits) is in the set.
    public func contains(_ id: UInt64) -> Bool {
        roaring_bitmap_contains(bitmap.pointer, UInt32(truncatingIfNeeded: id))
    }

    /// Adds `id` (truncated to 32 bits).
    public mutating func insert(_ id: UInt64) {
        makeUnique()
        roaring_bitmap_add(bitmap.pointer, UInt32(truncatingIfNeeded: id))
    }

    /// Removes `id` (truncated to 32 bits).
    public mutating func remove(_ id: UInt64) {
        makeUnique()
        roaring_bitmap_remove(bitmap.pointer, UInt32(truncatingIfNeeded: id))
    }

    /// The ids in either set.
    public func union(_ other: SeriesIDSet) -> SeriesIDSet {
        SeriesIDSet(bitmap: roaring_bitmap_or(bitmap.pointer, other.bitmap.pointer))
    }

    /// The ids in this set and not in `other`.
    public func subtracting(_ other: SeriesIDSet) -> SeriesIDSet {
        SeriesIDSet(bitmap: roaring_bitmap_andnot(bitmap.pointer, other.bitmap.pointer))
    }

    /// Adds the ids of `other`.
    public mutating func formUnion(_ other: SeriesIDSet) {
        makeUnique()
        roaring_bitmap_or_inplace(bitmap.pointer, other.bitmap.pointer)
    }

    /// Adds `ids` (each truncated to 32 bits).
    public mutating func insert(contentsOf ids: [UInt64]) {
        guard !ids.isEmpty else { return }
        makeUnique()
        let values = ids.map { UInt32(truncatingIfNeeded: $0) }
        values.withUnsafeBufferPointer { p in roaring_bitmap_add_many(bitmap.pointer, p.count, p.baseAddress!) }
    }

    /// Removes the ids of `other`.
    public mutating func subtract(_ other: SeriesIDSet) {
        makeUnique()
        roaring_bitmap_andnot_inplace(bitmap.pointer, other.bitmap.pointer)
    }

    /// The ids in both sets.
    public func intersection(_ other: SeriesIDSet) -> SeriesIDSet {
        SeriesIDSet(bitmap: roaring_bitmap_and(bitmap.pointer, other.bitmap.pointer))
    }

    /// The memory the bitmap holds, roughly (its serialized size).
    public var byteCount: Int { roaring_bitmap_size_in_bytes(bitmap.pointer) }

    /// The ids in ascending order.
    public var ids: [UInt64] {
        let n = count
        guard n > 0 else { return [] }
        let values = [UInt32](unsafeUninitializedCapacity: n) { buffer, initialized in
            if let base = buffer.baseAddress { roaring_bitmap_to_uint32_array(bitmap.pointer, base) }
            initialized = n
        }
        return values.map { UInt64($0) }
    }

    /// The set in the portable Roaring format, byte for byte what 1.x writes for the same ids.
    public var portableBytes: [UInt8] {
        let size = roaring_bitmap_portable_size_in_bytes(bitmap.pointer)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = buffer.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return 0 }
                return roaring_bitmap_portable_serialize(bitmap.pointer, base)
            }
        }
    }

    public static func == (a: SeriesIDSet, b: SeriesIDSet) -> Bool {
        a.bitmap === b.bitmap || roaring_bitmap_equals(a.bitmap.pointer, b.bitmap.pointer)
    }

    public var description: String { "SeriesIDSet(\(ids))" }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&bitmap) { bitmap = SeriesIDSetBitmap(roaring_bitmap_copy(bitmap.pointer)) }
    }
}

/// Owns one CRoaring bitmap; never mutated once shared (see `SeriesIDSet.makeUnique`).
final class SeriesIDSetBitmap: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<roaring_bitmap_t>

    init(_ pointer: UnsafeMutablePointer<roaring_bitmap_t>?) {
        // CRoaring returns NULL only when malloc fails.
        guard let pointer else { fatalError("CRoaring: out of memory") }
        self.pointer = pointer
    }

    deinit { roaring_bitmap_free(pointer) }
}
