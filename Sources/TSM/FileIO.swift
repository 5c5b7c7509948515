#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `write(2)` and `read(2)` loops of the TSM writer and the backup copy: every byte written,
/// `EINTR` retried, failures as ``TSMFileError/io(_:path:errno:)``.
enum FileIO {
    /// Writes all of `bytes` to `fd` at its offset.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(TSMFileError) {
        if let code = bytes.withUnsafeBytes({ writeAll(fd, $0) }) { throw .io("write", path: path, errno: code) }
    }

    /// Writes all of `bytes` to `fd` at its offset.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(TSMFileError) {
        if let code = writeAll(fd, bytes) { throw .io("write", path: path, errno: code) }
    }

    /// Maps the whole of `path` read-only (shared: the page cache's pages); the caller unmaps
    /// it. An empty file cannot be mapped: 1.x's error for a TSM file without a magic number.
    static func mapReadOnly(_ path: String) throws(TSMFileError) -> (base: UnsafeMutableRawPointer, length: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io("stat", path: path, errno: errno) }
        let length = Int(info.st_size)
        guard length > 0 else { throw .invalidFile("init: error reading magic number of file: EOF") }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw .io("mmap", path: path, errno: errno)
        }
        return (mapped, length)
    }

    /// Copies what `input` holds from its offset to its end onto `output` at its offset, in
    /// 1 MiB pieces.
    static func copy(_ input: Int32, path inputPath: String, to output: Int32, path outputPath: String) throws(TSMFileError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("read", path: inputPath, errno: errno)
            }
            if n == 0 { return }
            if let code = writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[..<n])) { throw .io("write", path: outputPath, errno: code) }
        }
    }

    /// The errno of a failed write, or nil once every byte is written.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return nil
    }
}
