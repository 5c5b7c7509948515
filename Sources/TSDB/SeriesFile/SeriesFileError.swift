#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TSI

/// What is wrong with a series file's bytes (or with reading them). Every decoder in
/// `Sources/TSDB/SeriesFile` reports damage with one of these; none of them traps.
public enum SeriesFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the structure needs; `what` names it, `offset` is where it starts.
    case truncated(what: String, offset: Int)
    /// A segment that does not start with `SSEG` (1.x: "invalid series segment").
    case invalidSegment
    /// A segment header whose version is not 1 (1.x: "invalid series segment version").
    case invalidSegmentVersion(UInt8)
    /// An entry whose flag byte is neither 0 (end), 1 (insert) nor 2 (tombstone).
    case invalidFlag(UInt8, offset: Int)
    /// A series key that does not decode: `reason` says why; `offset` is where the key starts.
    case invalidKey(reason: String, offset: Int)
    /// An index that does not start with `SIDX` (1.x: "invalid series index").
    case invalidIndex
    /// An index header whose version is not 1.
    case invalidIndexVersion(UInt8)
    /// An index whose header describes maps that do not fit the file or each other.
    case invalidIndexLayout(String)
    /// A file that could not be read: Go's text, `open PATH: no such file or directory`.
    case io(String)

    public var description: String {
        switch self {
        case .truncated(let what, let offset): "unexpected EOF: \(what) at offset \(offset)"
        case .invalidSegment: "invalid series segment"
        case .invalidSegmentVersion: "invalid series segment version"
        case .invalidFlag(let flag, let offset): "invalid series entry flag \(flag) at offset \(offset)"
        case .invalidKey(let reason, let offset): "invalid series key at offset \(offset): \(reason)"
        case .invalidIndex: "invalid series index"
        case .invalidIndexVersion(let v): "invalid series index version \(v)"
        case .invalidIndexLayout(let reason): "invalid series index: \(reason)"
        case .io(let text): text
        }
    }
}

/// Bounds-checked big-endian and varint reads over a byte buffer.
enum SeriesFileBytes {
    /// The big-endian `UInt64` at `at`, or nil when fewer than 8 bytes remain.
    @inline(__always)
    static func uint64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64? {
        guard at >= 0, at <= b.count - 8 else { return nil }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(b[at + i]) }
        return v
    }

    /// The big-endian `UInt16` at `at`, or nil when fewer than 2 bytes remain.
    @inline(__always)
    static func uint16(_ b: UnsafeRawBufferPointer, _ at: Int, end: Int) -> Int? {
        guard at >= 0, at <= end - 2 else { return nil }
        return Int(b[at]) << 8 | Int(b[at + 1])
    }

    /// Go's `binary.Uvarint` with the bounds made explicit: the value and its length, or nil
    /// when the bytes end first or the value overflows 64 bits.
    static func uvarint(_ b: UnsafeRawBufferPointer, _ at: Int, end: Int) -> (value: UInt64, length: Int)? {
        var x: UInt64 = 0
        var shift: UInt64 = 0
        var i = at
        while i < end {
            let byte = b[i]
            if i - at == 9 && byte > 1 { return nil }
            if byte < 0x80 { return (x | UInt64(byte) << shift, i - at + 1) }
            x |= UInt64(byte & 0x7f) << shift
            shift += 7
            i += 1
            if i - at > 9 { return nil }
        }
        return nil
    }

    /// A whole file's bytes, or Go's error text for the failure.
    static func readFile(_ path: String) throws(SeriesFileError) -> [UInt8] {
        do throws(GoFileIO.Failure) { return try GoFileIO.contents(of: path) } catch { throw .io(error.text) }
    }

    /// Writes `bytes` to a new file at `path` and syncs it.
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(SeriesFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        if fd < 0 { throw .io("open \(path): \(errnoText(errno))") }
        defer { close(fd) }
        var done = 0
        let failure: Int32? = bytes.withUnsafeBytes { p -> Int32? in
            while done < p.count {
                guard let start = p.baseAddress else { return nil }
                let n = write(fd, start + done, p.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return fsync(fd) == 0 ? nil : errno
        }
        if let failure { throw .io("write \(path): \(errnoText(failure))") }
    }

    /// Go's `syscall.Errno` text.
    static func errnoText(_ code: Int32) -> String { GoFileIO.errnoText(code) }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` keeping `SeriesFileError` as the thrown type.
    func withSeriesFileBytes<T>(_ body: (UnsafeRawBufferPointer) throws(SeriesFileError) -> T) throws(SeriesFileError) -> T {
        let result: Result<T, SeriesFileError> = withUnsafeBytes { b in
            Result { () throws(SeriesFileError) -> T in try body(b) }
        }
        return try result.get()
    }
}
