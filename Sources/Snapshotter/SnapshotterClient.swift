#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client side of the snapshotter (1.x's `snapshotter.Client` and the backup command's
/// requests): blocking sockets, for the `backup` and `restore` commands.
public struct SnapshotterClient: Sendable {
    /// `host:port` of the server's TCP `bind-address`.
    public let host: String

    public init(host: String) { self.host = host }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// A connection with the mux header sent, closed when released.
    final class Connection {
        let fd: Int32

        init(_ address: String) throws(Failure) {
            guard let colon = address.lastIndex(of: ":") else { throw Failure("dial tcp \(address): missing port in address") }
            var name = String(address[..<colon])
            if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
            if name.isEmpty { name = "127.0.0.1" }
            let port = String(address[address.index(after: colon)...])
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(name, port, &hints, &list) == 0, let first = list else {
                throw Failure("dial tcp: lookup \(name): no such host")
            }
            defer { freeaddrinfo(list) }
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            var lastError: Int32 = ECONNREFUSED
            while let info = cursor {
                let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
                if fd >= 0 {
                    if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                        self.fd = fd
                        try write([snapshotterMuxHeader])
                        return
                    }
                    lastError = errno
                    Glibc.close(fd)
                }
                cursor = info.pointee.ai_next
            }
            throw Failure("dial tcp \(address): connect: \(String(cString: strerror(lastError)))")
        }

        deinit { Glibc.close(fd) }

        func write(_ bytes: [UInt8]) throws(Failure) {
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
                if n < 0 { if errno == EINTR { continue }; throw Failure("write: \(String(cString: strerror(errno)))") }
                done += n
            }
        }

        /// Up to `count` bytes; empty at the end of the stream.
        func read(_ count: Int = 1 << 16) throws(Failure) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            while true {
                let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, count, 0) }
                if n < 0 { if errno == EINTR { continue }; throw Failure("read: \(String(cString: strerror(errno)))") }
                bytes.removeLast(count - n)
                return bytes
            }
        }

        /// Everything until the server closes.
        func readAll() throws(Failure) -> [UInt8] {
            var out: [UInt8] = []
            while true {
                let chunk = try read()
                if chunk.isEmpty { return out }
                out += chunk
            }
        }

        /// Half-closes the sending side (the server then sees the end of an upload).
        func finishWriting() { shutdown(fd, Int32(SHUT_WR)) }
    }

    /// Sends `request` and writes the whole answer to `path`; returns its size.
    public func download(_ request: SnapshotRequest, to path: String) throws(Failure) -> Int64 {
        let connection = try Connection(host)
        try connection.write([request.type] + request.json)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("open temp file: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var total: Int64 = 0
        while true {
            let chunk = try connection.read(1 << 20)
            if chunk.isEmpty { break }
            var done = 0
            while done < chunk.count {
                let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, chunk.count - done) }
                if n < 0 { if errno == EINTR { continue }; throw Failure("write \(path): \(String(cString: strerror(errno)))") }
                done += n
            }
            total += Int64(chunk.count)
        }
        fsync(fd)
        return total
    }

    /// A database or retention policy info request.
    public func info(_ request: SnapshotRequest) throws(Failure) -> SnapshotInfo {
        let connection = try Connection(host)
        try connection.write([request.type] + request.json)
        let answer = try connection.readAll()
        guard !answer.isEmpty else { throw Failure("EOF") }
        guard let info = SnapshotInfo.decode(answer) else { throw Failure("invalid info response") }
        return info
    }

    /// A live restore's metadata upload (1.x's `UpdateMeta`): the old → new shard IDs.
    public func updateMeta(_ request: SnapshotRequest, metadata: [UInt8]) throws(Failure) -> [UInt64: UInt64] {
        let connection = try Connection(host)
        try connection.write([request.type] + request.json)
        try connection.write(metadata)
        let answer = try connection.readAll()
        guard !answer.isEmpty else { throw Failure("updating metadata on influxd service failed: err=<nil>, n=0") }
        guard answer.count >= 16 else { throw Failure("response too short to be a metadata update response: \(answer.count)") }
        let magic = Self.bigEndian(answer, 0), pairs = Self.bigEndian(answer, 8)
        if pairs == 0 { throw Failure("DB metadata not changed. database may already exist") }
        guard magic == backupMagicHeader else { throw Failure("Response did not contain the proper header tag.") }
        guard UInt64(answer.count - 16) == pairs &* 16 else { throw Failure("expected an even number of integer pairs in update meta repsonse") }
        var map: [UInt64: UInt64] = [:]
        for i in 0..<Int(pairs) { map[Self.bigEndian(answer, 16 + 16 * i)] = Self.bigEndian(answer, 24 + 16 * i) }
        return map
    }

    /// Uploads the shard archive `tarPath` as shard `newID` (1.x's `UploadShard`): each entry
    /// renamed `db/rp/<newID>/<rest>`, the database and policy replaced when given.
    public func uploadShard(_ tarPath: String, newID: UInt64, database: String, retentionPolicy: String) throws(Failure) {
        let connection = try Connection(host)
        var header: [UInt8] = [SnapshotRequestType.shardUpdate.rawValue]
        for shift in stride(from: 56, through: 0, by: -8) { header.append(UInt8(truncatingIfNeeded: newID >> UInt64(shift))) }
        try connection.write(header)
        var database = database, retentionPolicy = retentionPolicy
        do throws(TarArchive.Failure) {
            try TarArchive.forEachEntry(in: tarPath) { (entry, content) throws(TarArchive.Failure) in
                var parts = entry.name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 4 else { throw TarArchive.Failure("error parsing file name from shard tarfile: \(entry.name)") }
                if database.isEmpty { database = parts[0] }
                if retentionPolicy.isEmpty { retentionPolicy = parts[1] }
                parts = [database, retentionPolicy, String(newID)] + parts[3...]
                var renamed = entry
                renamed.name = parts.joined(separator: "/")
                do throws(Failure) { try connection.write(renamed.encoded()) } catch { throw TarArchive.Failure(error.description) }
                try content { (chunk) throws(TarArchive.Failure) in
                    do throws(Failure) { try connection.write(chunk) } catch { throw TarArchive.Failure(error.description) }
                }
                do throws(Failure) { try connection.write([UInt8](repeating: 0, count: TarHeader.padding(entry.size))) } catch {
                    throw TarArchive.Failure(error.description)
                }
            }
        } catch {
            throw Failure(error.description)
        }
        try connection.write(TarHeader.end)
        connection.finishWriting()
        _ = try? connection.readAll()
    }

    static func bigEndian(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        bytes[at..<(at + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Reading tar files on disk, an entry at a time.
public enum TarArchive {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Calls `body` with each regular file or directory entry and a function that passes its
    /// content to a sink a chunk at a time (skipped if not called).
    public static func forEachEntry(in path: String,
                                    _ body: (TarHeader, (_ sink: (([UInt8]) throws(Failure) -> Void)) throws(Failure) -> Void) throws(Failure) -> Void) throws(Failure) {
        let file: GzipFile.File
        do { file = try GzipFile.File(path, O_RDONLY, 0) } catch { throw Failure(error.description) }
        func readExactly(_ count: Int) throws(Failure) -> [UInt8] {
            let bytes: [UInt8]
            do { bytes = try file.read(count) } catch { throw Failure(error.description) }
            guard bytes.count == count else { throw Failure("unexpected EOF") }
            return bytes
        }
        var parser = TarHeaderParser()
        var zeros = 0
        while true {
            let block: [UInt8]
            do { block = try file.read(TarHeader.blockSize) } catch { throw Failure(error.description) }
            if block.isEmpty { return }
            guard block.count == TarHeader.blockSize else { throw Failure("unexpected EOF") }
            let parsed: TarHeaderParser.Block
            do { parsed = try parser.header(block) } catch { throw Failure(error.description) }
            switch parsed {
            case .zero:
                zeros += 1
                if zeros == 2 { return }
            case .extended(let kind, let size):
                guard size <= 1 << 20 else { throw Failure("archive/tar: invalid extended header") }
                parser.extended(kind: kind, try readExactly(Int(size)))
                _ = try readExactly(TarHeader.padding(size))
            case .entry(let header):
                zeros = 0
                var consumed = false
                let content = { (sink: ([UInt8]) throws(Failure) -> Void) throws(Failure) -> Void in
                    consumed = true
                    var left = header.size
                    while left > 0 {
                        let chunk = try readExactly(Int(min(left, 1 << 20)))
                        try sink(chunk)
                        left -= Int64(chunk.count)
                    }
                }
                try body(header, content)
                if !consumed {
                    var left = header.size
                    while left > 0 {
                        let chunk = try readExactly(Int(min(left, 1 << 20)))
                        left -= Int64(chunk.count)
                    }
                }
                _ = try readExactly(TarHeader.padding(header.size))
            }
        }
    }
}
