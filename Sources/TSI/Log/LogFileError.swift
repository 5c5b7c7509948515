/// A part of a log entry, as named in `LogFileError`.
public enum LogEntryField: String, Sendable {
    case flag
    case seriesID = "series id"
    case nameLength = "name length"
    case name
    case keyLength = "tag key length"
    case key = "tag key"
    case valueLength = "tag value length"
    case value = "tag value"
    case checksum
}

/// What is wrong with a tsi1 log file's bytes (or with reading them). Decoding never traps;
/// every case says what was being read and at which byte offset of the buffer.
///
/// 1.6's replay treats `truncated` and `checksumMismatch` as the end of the log (the bytes
/// from there on are ignored, see `LogFileReplay`); every other case makes it fail to open
/// the log file, and with it the index partition and the shard.
public enum LogFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The buffer ends inside `field`, which starts at `offset` (1.6: `io.ErrShortBuffer`).
    case truncated(LogEntryField, offset: Int)
    /// The entry at `offset` does not match its CRC-32 (1.6: `log entry checksum mismatch`).
    case checksumMismatch(offset: Int, stored: UInt32, computed: UInt32)
    /// A uvarint at `offset` that does not fit 64 bits; `returned` is Go's
    /// `binary.Uvarint` result (`-10` or `-11`), which 1.6 puts in its error text.
    case varintOverflow(LogEntryField, offset: Int, returned: Int)
    /// A length at `offset` so large that `length + its varint size` overflows a signed
    /// 64-bit integer: 1.6 panics on it (a slice with a negative bound) instead of stopping.
    case lengthOutOfRange(LogEntryField, offset: Int, length: UInt64)
    /// A file that could not be read: Go's text, e.g. `open PATH: no such file or directory`.
    case io(String)

    /// True when 1.6's replay stops quietly here rather than failing to open the file.
    public var endsReplay: Bool {
        switch self {
        case .truncated, .checksumMismatch: true
        case .varintOverflow, .lengthOutOfRange, .io: false
        }
    }

    public var description: String {
        switch self {
        case .truncated(let field, let offset):
            "short buffer: log entry \(field.rawValue) at offset \(offset)"
        case .checksumMismatch(let offset, let stored, let computed):
            "log entry checksum mismatch at offset \(offset): stored \(LogHex.text(stored)), computed \(LogHex.text(computed))"
        case .varintOverflow(let field, let offset, let returned):
            "parsing binary-encoded uint64 value failed; binary.Uvarint() returned \(returned) (log entry \(field.rawValue) at offset \(offset))"
        case .lengthOutOfRange(let field, let offset, let length):
            "log entry \(field.rawValue) \(length) at offset \(offset) is out of range"
        case .io(let text):
            text
        }
    }
}

/// Fixed-width lower-case hex for error texts.
enum LogHex {
    static func text(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
