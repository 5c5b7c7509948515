import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client for 127.0.0.1: one connection per request
/// (`Connection: close`), the answer read to EOF, chunked bodies decoded.
enum HTTP {
    /// A TCP connection to 127.0.0.1:`port`, with 5 minute send and receive timeouts.
    private static func dial(port: Int) -> Int32? {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 300, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); return nil }
        return fd
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    static func isListening(port: Int) -> Bool {
        guard let fd = dial(port: port) else { return false }
        close(fd)
        return true
    }

    /// Sends one request; the status code and the (de-chunked) body.
    static func request(port: Int, method: String, target: String, body: [UInt8] = [], contentType: String? = nil) throws -> (status: Int, body: [UInt8]) {
        guard let fd = dial(port: port) else { throw BenchError("cannot connect to 127.0.0.1:\(port)") }
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        let out = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchError("\(method) \(target) on port \(port): write failed (errno \(errno))") }
            sent += n
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            guard n > 0 else { throw BenchError("\(method) \(target) on port \(port): read failed (errno \(errno))") }
            answer += chunk[0..<n]
        }
        return try parse(answer, what: "\(method) \(target) on port \(port)")
    }

    /// The status and body of a complete response.
    private static func parse(_ answer: [UInt8], what: String) throws -> (status: Int, body: [UInt8]) {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = answer.firstRange(of: separator) else { throw BenchError("\(what): no complete answer") }
        let head = String(decoding: answer[..<end.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw BenchError("\(what): bad status line '\(lines.first ?? "")'") }
        var body = Array(answer[end.upperBound...])
        if lines.contains(where: { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }) {
            body = try dechunk(body, what: what)
        }
        return (status, body)
    }

    /// Decodes a chunked body.
    private static func dechunk(_ data: [UInt8], what: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        let crlf: [UInt8] = [13, 10]
        while let lineEnd = data[i...].firstRange(of: crlf) {
            let sizeText = String(decoding: data[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw BenchError("\(what): bad chunk size") }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard start + size <= data.count else { throw BenchError("\(what): chunk cut short") }
            out += data[start..<start + size]
            i = start + size + 2
            guard i <= data.count else { break }
        }
        throw BenchError("\(what): chunked body cut short")
    }

    /// Percent-encodes a form value.
    static func formValue(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
