#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CompressNIO
import NIOCore

/// Where export writes: a file it creates (or standard output for `-out -`), through a 1 MiB
/// buffer as 1.x's `bufio.Writer`, optionally gzip-compressed as a stream (one gzip member,
/// what Go's `gzip.Writer` produces and `influx -import -compressed` reads).
final class ExportOutput {
    private let fd: Int32
    private let path: String
    private let ownsDescriptor: Bool
    /// Lines waiting to be written or compressed.
    private var buffer: [UInt8] = []
    private let compressor: (any NIOCompressor)?
    private static let bufferSize = 1 << 20

    /// Creates (truncates) `path`, or uses standard output when `path` is nil.
    init(path: String?, compress: Bool) throws(CommandError) {
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw CommandError(goPathError("open", path, errno)) }
            self.fd = fd
            self.path = path
            ownsDescriptor = true
        } else {
            fd = 1
            self.path = "/dev/stdout"
            ownsDescriptor = false
        }
        buffer.reserveCapacity(Self.bufferSize + (1 << 16))
        if compress {
            let compressor = CompressionAlgorithm.gzip().compressor
            compressor.window = ByteBufferAllocator().buffer(capacity: Self.bufferSize)
            do { try compressor.startStream() } catch { throw CommandError("gzip: \(error)") }
            self.compressor = compressor
        } else {
            compressor = nil
        }
    }

    deinit { if ownsDescriptor { close(fd) } }

    func write(_ text: String) throws(CommandError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.bufferSize { try drain() }
    }

    func write(bytes: [UInt8]) throws(CommandError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try drain() }
    }

    /// Writes or compresses everything buffered.
    func drain() throws(CommandError) {
        guard !buffer.isEmpty else { return }
        if let compressor {
            var input = ByteBuffer(bytes: buffer)
            try compress(&input, compressor, flush: .no)
        } else {
            try writeAll(buffer)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Drains the buffer, ends the gzip stream and closes the file.
    func finish() throws(CommandError) {
        try drain()
        if let compressor {
            var empty = ByteBuffer()
            try compress(&empty, compressor, flush: .finish)
            try? compressor.finishStream()
        }
    }

    private func compress(_ input: inout ByteBuffer, _ compressor: any NIOCompressor, flush: CompressNIOFlush) throws(CommandError) {
        var failure: CommandError?
        do {
            try input.compressStream(with: compressor, flush: flush) { window in
                do throws(CommandError) { try self.writeAll(Array(window.readableBytesView)) } catch { failure = error }
            }
        } catch {
            throw CommandError("gzip: \(error)")
        }
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: [UInt8]) throws(CommandError) {
        let code: Int32? = bytes.withUnsafeBytes { p in
            var done = 0
            while done < p.count {
                let n = systemWrite(fd, p.baseAddress! + done, p.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
        if let code { throw CommandError(goPathError("write", path, code)) }
    }
}
