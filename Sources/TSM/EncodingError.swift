import Snappy

/// Why a TSM block or one of its sections could not be encoded or decoded.
///
/// Decoders throw these for any malformed input — truncated, corrupt or merely inconsistent —
/// instead of trapping or reading out of bounds.
public enum EncodingError: Error, Equatable, Sendable {
    /// Which part of a block an error refers to.
    public enum Section: String, Sendable {
        case block, timestamps, floats, integers, booleans, strings, simple8b, varint
    }

    /// The input ended before the structure it announces was complete.
    case truncated(Section)
    /// A section's header nibble names an encoding this format does not have.
    case unknownEncoding(Section, UInt8)
    /// The block's first byte is not one of the five block types.
    case unknownBlockType(UInt8)
    /// The block holds a different value type from the one asked for.
    case blockTypeMismatch(expected: BlockType, found: BlockType)
    /// A uvarint ran past 10 bytes or 64 bits.
    case varintOverflow
    /// Bytes remain after a section's last value.
    case trailingBytes(Section)
    /// The section is internally inconsistent (e.g. a Gorilla window wider than 64 bits).
    case corrupt(Section)
    /// The timestamp and value sections disagree on the number of points.
    case countMismatch(timestamps: Int, values: Int)
    /// A decoded count exceeds ``TSMLimits/maxValuesPerBlock``.
    case tooManyValues(UInt64)
    /// A float block cannot hold NaN: InfluxDB 1.x uses a NaN bit pattern as its end marker
    /// and refuses NaN values, and so do we.
    case nanNotSupported
    /// A block needs at least one point (1.x never writes an empty block).
    case emptyBlock
    /// The Snappy payload of a string block is invalid.
    case snappy(SnappyError)
}

/// Decoding limits that keep a corrupt count from turning into a huge allocation.
public enum TSMLimits {
    /// The largest number of points a decoder accepts in one block. InfluxDB 1.x writes at most
    /// 1000 (`tsdb.DefaultMaxPointsPerBlock`); this leaves ample room for other writers while
    /// bounding what a corrupt run-length can make us allocate.
    public static let maxValuesPerBlock = 1 << 20
}

/// Which of InfluxDB 1.x's two encoder implementations to reproduce byte for byte.
///
/// Both write the same format and every reader accepts both; they differ only in a few packing
/// choices (see ``Simple8b/OnesWindow`` and ``IntegerEncoding``).
public enum EncoderFlavor: Sendable {
    /// The streaming encoders behind `Values.Encode`: every block 1.6 writes, and the cache
    /// snapshots (level-1 files) of 1.8. Verified against influxd 1.6.7 output.
    case streaming
    /// The batch `*ArrayEncodeAll` encoders of 1.8, used by its compactor for level ≥ 2 files.
    case batch
}
