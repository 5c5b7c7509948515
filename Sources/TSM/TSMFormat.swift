/// Constants and the index entry of InfluxDB 1.x's `.tsm` file (Spec/tsm-file.md).
public enum TSMFormat {
    /// The first four bytes of every TSM file, big-endian.
    public static let magic: UInt32 = 0x16D1_16D1
    /// The only format version 1.x writes or reads.
    public static let version: UInt8 = 1
    /// Magic and version.
    public static let headerSize = 5
    /// The index offset at the end of the file.
    public static let footerSize = 8
    /// A block's CRC-32 (IEEE) in front of it.
    public static let checksumSize = 4
    /// minTime, maxTime, offset (8 bytes each) and size (4).
    public static let indexEntrySize = 28
    /// Keys are prefixed with a 2-byte length.
    public static let maxKeyLength = (1 << 16) - 1
    /// Block counts per key are 2 bytes.
    public static let maxIndexEntries = (1 << 16) - 1
    /// 1.x's `tsdb.DefaultMaxPointsPerBlock`: the writer splits longer series into blocks of this size.
    public static let maxPointsPerBlock = 1000
    /// Separates the series key from the field name in a TSM key: `cpu,host=a#!~#value`.
    public static let fieldSeparator: [UInt8] = Array("#!~#".utf8)

    /// `seriesKey#!~#field`, the key a TSM file indexes.
    public static func key(series: some Sequence<UInt8>, field: some Sequence<UInt8>) -> [UInt8] {
        Array(series) + fieldSeparator + Array(field)
    }
}

/// Where one block of a key lives and which times it covers.
public struct TSMIndexEntry: Sendable, Hashable {
    /// First and last timestamp in the block, ns.
    public var minTime: Int64
    public var maxTime: Int64
    /// File offset of the block's CRC.
    public var offset: Int64
    /// CRC plus block bytes.
    public var size: UInt32

    public init(minTime: Int64, maxTime: Int64, offset: Int64, size: UInt32) {
        self.minTime = minTime
        self.maxTime = maxTime
        self.offset = offset
        self.size = size
    }

    /// Whether the block may hold points in `[min, max]`.
    public func overlaps(min: Int64, max: Int64) -> Bool { minTime <= max && maxTime >= min }
}

/// Why a TSM file could not be written or read.
public enum TSMFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: the operation, the path and `errno`.
    case io(String, path: String, errno: Int32)
    /// 1.x's `ErrMaxKeyLengthExceeded`.
    case maxKeyLengthExceeded
    /// 1.x's `ErrMaxBlocksExceeded`: a key reached 65535 blocks.
    case maxBlocksExceeded
    /// 1.x's `ErrNoValues`: finishing a file nothing was written to.
    case noValues
    /// Keys must be written in ascending byte order, each key's blocks together and in time order.
    case keyOrder
    /// The file is too short, has the wrong magic or version, or an index that runs out of
    /// bounds: why, in 1.x's words where 1.x detects the same damage.
    case invalidFile(String)
    /// The file's `.tombstone` file could not be read (1.x fails the TSM file with it).
    case tombstone(TombstoneError)
    /// A block's CRC does not match its bytes.
    case checksumMismatch(key: String, offset: Int64)
    /// A block failed to decode.
    case block(EncodingError)
    /// A compaction gave way to a delete or a close; its outputs are gone.
    case compactionAborted

    public var description: String {
        switch self {
        case .io(let op, let path, let code): "\(op) \(path): \(errnoText(code))"
        case .maxKeyLengthExceeded: "max key length exceeded"
        case .maxBlocksExceeded: "max blocks exceeded"
        case .noValues: "no values written"
        case .keyOrder: "keys must be added in sorted order"
        case .invalidFile(let why): why
        case .tombstone(.corrupt(let why)), .tombstone(.io(let why)): "init: read tombstones: \(why)"
        case .checksumMismatch(let key, let offset): "checksum mismatch: key \(key) block at \(offset)"
        case .block(let error): "block decode: \(error)"
        case .compactionAborted: "compaction aborted"
        }
    }

    /// Whether the file's bytes are damaged (what 1.x renames to `.bad`), rather than the
    /// system failing to open, map or read them (which fails the shard and leaves the file).
    public var isCorruption: Bool {
        switch self {
        case .invalidFile, .tombstone(.corrupt): true
        default: false
        }
    }
}
