import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 client over a plain socket, so a golden request goes out byte for byte as recorded
/// (no added headers, optional chunked framing) and the response comes back unaltered.
public enum RawHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// The sizes of a chunked body's data chunks, in order (empty when not chunked).
        public var chunkSizes: [Int] = []

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Sends `request` to 127.0.0.1:`port` on a thread of its own (blocking socket I/O must not
    /// hold a thread of the cooperative pool the server also runs on).
    public static func send(_ request: [UInt8], port: Int, isHead: Bool) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try exchange(request, port: port, isHead: isHead) })
            }
        }
    }

    /// Sends `request` over the unix socket at `path` (as ``send(_:port:isHead:)`` does over TCP).
    public static func send(_ request: [UInt8], unixSocket path: String, isHead: Bool = false) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try exchange(request, fd: try connectUnix(path), isHead: isHead) })
            }
        }
    }

    /// A socket connected to the unix socket at `path`, with a 30 s receive timeout.
    static func connectUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            _ = Glibc.close(fd)
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw Failure(description: "connect failed: \(code)")
        }
        return fd
    }

    /// The bytes of a request as a golden case describes it.
    public static func encode(method: String, target: String, headers: [[String]], body: [UInt8], chunked: Bool, port: Int) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for pair in headers where pair.count == 2 { head += "\(pair[0]): \(pair[1])\r\n" }
        if chunked {
            head += "Transfer-Encoding: chunked\r\n"
        } else if !body.isEmpty || method == "POST" || method == "PUT" {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        var out = Array(head.utf8)
        if chunked {
            if !body.isEmpty { out += Array((String(body.count, radix: 16) + "\r\n").utf8) + body + Array("\r\n".utf8) }
            out += Array("0\r\n\r\n".utf8)
        } else {
            out += body
        }
        return out
    }

    /// Connects with a small receive buffer, sends `request` and reads only its first bytes:
    /// a client that stops reading. Returns the socket and what was read; `close` it to go away.
    public static func startAndStall(_ request: [UInt8], port: Int) throws -> (socket: Int32, head: [UInt8]) {
        let fd = try connectLoopback(port: port, receiveBuffer: 4096)
        _ = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return (fd, Array(buffer.prefix(Swift.max(n, 0))))
    }

    /// A socket connected to 127.0.0.1:`port` with a 30 s receive timeout (a debug daemon shares
    /// two cores with the rest of the suite) and, if given, that receive buffer size, set before
    /// connecting so the window is small from the start.
    static func connectLoopback(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw Failure(description: "connect failed: \(code)")
        }
        return fd
    }

    /// Closes a socket from ``startAndStall(_:port:)`` (unread data makes it a reset).
    public static func closeSocket(_ fd: Int32) { _ = Glibc.close(fd) }

    private static func exchange(_ request: [UInt8], port: Int, isHead: Bool) throws -> Response {
        try exchange(request, fd: try connectLoopback(port: port), isHead: isHead)
    }

    private static func exchange(_ request: [UInt8], fd: Int32, isHead: Bool) throws -> Response {
        defer { close(fd) }
        // The server may answer (413) and close before taking the whole body.
        _ = sendAll(request, to: fd)
        var received: [UInt8] = []
        while let more = receive(from: fd), !more.isEmpty {
            received += more
            if let response = try? parse(received, isHead: isHead, complete: false) { return response }
        }
        return try parse(received, isHead: isHead, complete: true)
    }

    /// Sends `bytes` whole; false if the socket stopped taking them.
    static func sendAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// The next bytes the socket has (empty at its end), or nil on an error or timeout.
    static func receive(from fd: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n < 0 ? nil : Array(buffer.prefix(n))
    }

    /// Parses a response once it is whole; with `complete` false, throws while more is needed.
    public static func parse(_ bytes: [UInt8], isHead: Bool, complete: Bool) throws -> Response {
        try parseOne(bytes, isHead: isHead, complete: complete).response
    }

    /// The first response in `bytes` and how many bytes it took.
    static func parseOne(_ bytes: [UInt8], isHead: Bool, complete: Bool) throws -> (response: Response, length: Int) {
        guard bytes.starts(with: "HTTP/".utf8) || !"HTTP/".utf8.starts(with: bytes) else { throw Failure(description: "incomplete head") }
        guard bytes.starts(with: "HTTP/".utf8) else {
            throw Failure(description: "not a response: \(String(decoding: bytes.prefix(20), as: UTF8.self))")
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw Failure(description: "incomplete head")
        }
        // Header bytes are ISO-8859-1 (as Python's recorder reads them), so raw bytes compare exactly.
        let lines = String(String.UnicodeScalarView(bytes[..<end].map { Unicode.Scalar($0) })).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = Response(status: status, headers: headers, body: [])
        let rest = Array(bytes[(end + 4)...])
        if isHead || (100..<200).contains(status) || status == 204 || status == 304 { return (response, end + 4) }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            guard rest.count >= length else { throw Failure(description: "incomplete body") }
            response.body = Array(rest[0..<length])
            return (response, end + 4 + length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            let used: Int
            (response.body, response.chunkSizes, used) = try dechunk(rest)
            return (response, end + 4 + used)
        } else {
            guard complete else { throw Failure(description: "body runs to close") }
            response.body = rest
            return (response, bytes.count)
        }
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> (body: [UInt8], sizes: [Int], length: Int) {
        var out: [UInt8] = []
        var sizes: [Int] = []
        var i = 0
        while true {
            guard let lineEnd = bytes[i...].firstIndex(of: 13), lineEnd + 1 < bytes.count else { throw Failure(description: "incomplete chunk") }
            guard let size = Int(String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) else {
                throw Failure(description: "bad chunk size")
            }
            i = lineEnd + 2
            if size == 0 {
                // The last chunk, then trailers (none are sent) and the closing CRLF.
                guard i + 2 <= bytes.count else { throw Failure(description: "incomplete chunk") }
                return (out, sizes, i + 2)
            }
            guard i + size + 2 <= bytes.count else { throw Failure(description: "incomplete chunk") }
            out += bytes[i..<i + size]
            sizes.append(size)
            i += size + 2
        }
    }
}
