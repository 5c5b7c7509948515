/// What is wrong with a tsi1 index file's bytes (`L<level>-<id>.tsi`), or with content given
/// to `IndexFileWriter`. Every decoder under `Sources/TSI/IndexFile` reports damage with one
/// of these and none of them traps. Offsets are byte positions in the whole file unless the
/// case says otherwise.
public enum IndexFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than `what` needs; `offset` is where it starts.
    case truncated(what: String, offset: Int)
    /// The file does not start with `TSI1` (1.x: "invalid index file").
    case invalidMagic
    /// A version field other than 1, the only one 1.6 writes.
    case unsupportedVersion(what: String, version: UInt16)
    /// A section whose recorded offset and size do not lie inside the bytes that must hold it
    /// (`limit` is the size of those bytes; offset and size are as recorded, relative to them).
    case outOfBounds(what: String, offset: UInt64, size: UInt64, limit: Int)
    /// A uvarint that runs past its bytes or does not fit 64 bits.
    case invalidVarint(what: String, offset: Int)
    /// A hash index whose slot count is zero, not a power of two, or not what its size holds.
    case invalidHashIndex(what: String, offset: Int)
    /// A tag block whose trailer records another total size than the measurement gave it
    /// (1.x: "tag block size mismatch").
    case sizeMismatch(what: String, recorded: UInt64, actual: Int)
    /// A zero-length tag key or value (1.x asserts on these when iterating).
    case emptyName(what: String, offset: Int)
    /// Series-id set bytes that are not a well-formed portable Roaring bitmap.
    case invalidSeriesIDSet(reason: String, offset: Int)
    /// HyperLogLog++ sketch bytes 1.x would refuse (or panic on).
    case invalidSketch(reason: String, offset: Int)
    /// Writer input that 1.x's encoders refuse: keys or values out of order, repeated, empty.
    case invalidContent(String)

    public var description: String {
        switch self {
        case .truncated(let what, let offset): "unexpected EOF: \(what) at offset \(offset)"
        case .invalidMagic: "invalid index file"
        case .unsupportedVersion(let what, let version): "unsupported \(what) version \(version)"
        case .outOfBounds(let what, let offset, let size, let limit):
            "\(what) at offset \(offset) size \(size) lies outside its \(limit) bytes"
        case .invalidVarint(let what, let offset): "invalid uvarint: \(what) at offset \(offset)"
        case .invalidHashIndex(let what, let offset): "invalid hash index: \(what) at offset \(offset)"
        case .sizeMismatch(let what, let recorded, let actual): "\(what) size mismatch: recorded \(recorded), actual \(actual)"
        case .emptyName(let what, let offset): "invalid zero-length \(what) at offset \(offset)"
        case .invalidSeriesIDSet(let reason, let offset): "invalid series id set at offset \(offset): \(reason)"
        case .invalidSketch(let reason, let offset): "invalid sketch at offset \(offset): \(reason)"
        case .invalidContent(let reason): "invalid index content: \(reason)"
        }
    }
}
