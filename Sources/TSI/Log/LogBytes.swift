#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's unsigned varints (`binary.PutUvarint` / `binary.Uvarint`): 7 bits a byte, least
/// significant group first, the high bit set on every byte but the last.
enum TSIVarint {
    /// What `read` found: a value and its length, the end of the buffer first (Go's `0`),
    /// or an overflow with Go's negative return value.
    enum Read: Equatable {
        case value(UInt64, length: Int)
        case short
        case overflow(returned: Int)
    }

    /// Go 1.19's `binary.Uvarint` (the toolchain Debian's influxd 1.6.7 is built with): an
    /// 11th byte, or a 10th byte above 1, is an overflow even if more bytes would follow.
    static func read(_ b: UnsafeRawBufferPointer, at start: Int) -> Read {
        guard start >= 0 else { return .short }
        var x: UInt64 = 0
        var shift: UInt64 = 0
        var i = start
        while i < b.count {
            let index = i - start
            if index == 10 { return .overflow(returned: -11) }
            let byte = b[i]
            if byte < 0x80 {
                if index == 9 && byte > 1 { return .overflow(returned: -10) }
                return .value(x | UInt64(byte) << shift, length: index + 1)
            }
            x |= UInt64(byte & 0x7f) << shift
            shift += 7
            i += 1
        }
        return .short
    }

    /// Appends `value` in `binary.PutUvarint`'s encoding.
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// The number of bytes `append` writes for `value` (1 to 10).
    static func size(_ value: UInt64) -> Int {
        var n = 1
        var v = value
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }
}

/// Whole-file reads with Go's error texts, for the tsi1 files and the series file.
public enum GoFileIO {
    /// Why a read failed: `errno` and Go's text for it.
    public struct Failure: Error {
        public let code: Int32
        public let text: String

        /// True when the file does not exist (Go's `os.IsNotExist`).
        public var isNotFound: Bool { code == ENOENT }
    }

    /// The bytes of the file at `path`.
    public static func contents(of path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw Failure(code: errno, text: "open \(path): \(errnoText(errno))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw Failure(code: errno, text: "stat \(path): \(errnoText(errno))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw Failure(code: EISDIR, text: "read \(path): is a directory") }
        var bytes = [UInt8](repeating: 0, count: max(0, Int(st.st_size)))
        var done = 0
        let failure: Int32? = bytes.withUnsafeMutableBytes { p -> Int32? in
            guard let base = p.baseAddress else { return nil }
            while done < p.count {
                let n = systemRead(fd, base + done, p.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { break }
                done += n
            }
            return nil
        }
        if let failure { throw Failure(code: failure, text: "read \(path): \(errnoText(failure))") }
        if done < bytes.count { bytes.removeLast(bytes.count - done) }
        return bytes
    }

    /// Go's `syscall.Errno` text: the C library's message with a lower-case first letter.
    public static func errnoText(_ code: Int32) -> String {
        guard let raw = strerror(code) else { return "errno \(code)" }
        var text = String(cString: raw)
        if let first = text.first { text = first.lowercased() + text.dropFirst() }
        return text
    }
}

/// The C library's `read`, named apart from the Swift methods called `read`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
