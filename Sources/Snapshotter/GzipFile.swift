#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum
import CompressNIO
import NIOCore

/// Streams files through gzip for the portable backup format (`.tar.gz`): one member, with
/// the name Go's backup gives it in the header.
public enum GzipFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Compresses `source` into `destination` (created 0600, as 1.x creates shard archives);
    /// the header's name field is `name`. Returns the uncompressed size.
    @discardableResult
    public static func compress(_ source: String, to destination: String, name: String) throws(Failure) -> Int64 {
        let input = try File(source, O_RDONLY, 0)
        let output = try File(destination, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // ID1 ID2 CM=deflate FLG=FNAME, MTIME = Go's zero time cut to 32 bits (what influxd's
        // writer puts there), XFL=0, OS=255 (unknown).
        var header: [UInt8] = [0x1F, 0x8B, 8, 0x08, 0x00, 0x09, 0x6E, 0x88, 0, 255]
        header += Array(name.utf8) + [0]
        try output.write(header)
        let compressor: ZlibCompressor
        do { compressor = try ZlibCompressor(algorithm: .deflate) } catch { throw Failure(description: "gzip: \(error)") }
        var window = ByteBuffer()
        window.reserveCapacity(1 << 16)
        var crc: UInt32 = 0
        var total: Int64 = 0
        while true {
            let chunk = try input.read(1 << 20)
            crc = chunk.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
            total += Int64(chunk.count)
            var buffer = ByteBuffer(bytes: chunk)
            var pending: [UInt8] = []
            do {
                try buffer.compressStream(with: compressor, window: &window, flush: chunk.isEmpty ? .finish : .no) { pending += $0.readableBytesView }
            } catch {
                throw Failure(description: "gzip: \(error)")
            }
            try output.write(pending)
            if chunk.isEmpty { break }
        }
        var trailer: [UInt8] = []
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: UInt64(total) >> UInt64(shift))) }
        try output.write(trailer)
        try output.sync()
        return total
    }

    /// Decompresses `source` (one or more gzip members) into `destination`.
    public static func decompress(_ source: String, to destination: String) throws(Failure) {
        let input = try File(source, O_RDONLY, 0)
        let output = try File(destination, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let decompressor: ZlibDecompressor
        do { decompressor = try ZlibDecompressor(algorithm: .gzip) } catch { throw Failure(description: "gzip: \(error)") }
        var window = ByteBuffer()
        window.reserveCapacity(1 << 16)
        var sawInput = false
        while true {
            let chunk = try input.read(1 << 20)
            if chunk.isEmpty { break }
            sawInput = true
            var buffer = ByteBuffer(bytes: chunk)
            var pending: [UInt8] = []
            do {
                try buffer.decompressStream(with: decompressor, window: &window) { pending += $0.readableBytesView }
                window.clear()
            } catch {
                throw Failure(description: "gzip: invalid header")
            }
            try output.write(pending)
        }
        guard sawInput else { throw Failure(description: "EOF") }
    }

    /// A file descriptor closed when released.
    final class File {
        let fd: Int32
        let path: String

        init(_ path: String, _ flags: Int32, _ mode: mode_t) throws(Failure) {
            fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            self.path = path
            guard fd >= 0 else { throw Failure(description: "open \(path): \(String(cString: strerror(errno)))") }
        }

        deinit { Glibc.close(fd) }

        func read(_ count: Int) throws(Failure) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, count - done) }
                if n < 0 { if errno == EINTR { continue }; throw Failure(description: "read \(path): \(String(cString: strerror(errno)))") }
                if n == 0 { break }
                done += n
            }
            bytes.removeLast(count - done)
            return bytes
        }

        func write(_ bytes: [UInt8]) throws(Failure) {
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
                if n < 0 { if errno == EINTR { continue }; throw Failure(description: "write \(path): \(String(cString: strerror(errno)))") }
                done += n
            }
        }

        func sync() throws(Failure) {
            guard fsync(fd) == 0 else { throw Failure(description: "fsync \(path): \(String(cString: strerror(errno)))") }
        }
    }
}
