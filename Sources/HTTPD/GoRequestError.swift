import NIOCore
import NIOHTTP1

/// A request Go's server refuses before any handler sees it, answered as 1.x answers it: a
/// text status line, `Content-Type: text/plain; charset=utf-8`, `Connection: close`, and a
/// body that runs to the close (no length). NIO's parser and Go's accept nearly the same
/// requests; where NIO refuses one, its head is checked as Go checks it to give Go's words.
struct GoRequestError: Equatable, Sendable {
    /// The status line after `HTTP/1.1 `.
    let status: String
    let body: String

    /// `400 Bad Request`, with Go's reason where it gives one (`invalid header name`).
    static func badRequest(_ reason: String? = nil) -> GoRequestError {
        let text = reason.map { "400 Bad Request: \($0)" } ?? "400 Bad Request"
        return GoRequestError(status: text, body: text)
    }

    static let headerFieldsTooLarge = GoRequestError(status: "431 Request Header Fields Too Large", body: "431 Request Header Fields Too Large")
    static let unsupportedVersion = GoRequestError(
        status: "505 HTTP Version Not Supported: unsupported protocol version",
        body: "505 HTTP Version Not Supported: unsupported protocol version")
    static let unsupportedTransferEncoding = GoRequestError(status: "501 Not Implemented", body: "Unsupported transfer encoding")

    /// The answer's bytes, exactly as Go writes them.
    var bytes: ByteBuffer {
        ByteBuffer(string: "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n\(body)")
    }

    /// Go's answer to a request NIO's parser refused with `error`; `head` holds the bytes of
    /// the refused head from its first byte when they are known.
    static func parseFailure(_ error: any Error, head: ByteBuffer?) -> GoRequestError {
        if let error = error as? HTTPParserError, case .headerOverflow = error { return .headerFieldsTooLarge }
        guard let head, let parsed = RawHead(head) else { return .badRequest() }
        return parsed.goRefusal() ?? .badRequest()
    }

    /// Go's refusal of a head NIO's parser accepted (nil: Go takes it too): its checks of the
    /// transfer encoding, `Host` and the target that NIO does not make. One pass over the
    /// fields, no copies: every request is checked.
    static func refusal(_ head: HTTPRequestHead) -> GoRequestError? {
        var encodings = 0, chunked = false
        var hosts = 0, host = ""
        for (name, value) in head.headers {
            if name.utf8.count == 17 && name.lowercased() == "transfer-encoding" {
                encodings += 1
                chunked = GoHead.trimmed(value).lowercased() == "chunked"
            } else if name.utf8.count == 4 && name.lowercased() == "host" {
                hosts += 1
                host = value
            }
        }
        if encodings > 0 && !(encodings == 1 && chunked) { return .unsupportedTransferEncoding }
        if let refusal = GoHead.hostRefusal(count: hosts, host: host, http11: head.version.minor >= 1, method: head.method.rawValue) {
            return refusal
        }
        if !GoHead.validEscapes(head.uri) { return .badRequest() }
        return nil
    }
}

/// Go's checks of a request head (`net/http`'s `readRequest` and `httpguts`).
enum GoHead {
    /// `Host` as Go checks it: required in HTTP/1.1 (but for CONNECT), once, and made of the
    /// bytes a host may hold. Go's error for two is not one of its named ones: plain 400.
    static func hostRefusal(count: Int, host: String, http11: Bool, method: String) -> GoRequestError? {
        if count == 0 { return http11 && method != "CONNECT" ? .badRequest("missing required Host header") : nil }
        if count > 1 { return .badRequest() }
        return host.utf8.allSatisfy(validHostByte) ? nil : .badRequest("malformed Host header")
    }

    /// Whether every `%` of a request target's path starts an escape: Go's URL parse refuses
    /// the request otherwise (its query is kept as it came, unchecked).
    static func validEscapes(_ target: String) -> Bool {
        var bytes = target.utf8.makeIterator()
        while let b = bytes.next(), b != UInt8(ascii: "?") {
            if b == UInt8(ascii: "%") {
                guard let high = bytes.next(), isHex(high), let low = bytes.next(), isHex(low) else { return false }
            }
        }
        return true
    }

    /// `httpguts.ValidHostHeader`'s bytes.
    static func validHostByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "_"),
             UInt8(ascii: "~"): true
        default: false
        }
    }

    /// A token byte (RFC 7230): what a method and a header name are made of.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// `httpguts.ValidHeaderFieldValue`: no control byte but tab.
    static func validValue(_ value: ArraySlice<UInt8>) -> Bool {
        value.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    static func isHex(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    /// Go's `textproto.TrimString`: spaces and tabs off both ends.
    static func trimmed(_ s: String) -> String {
        String(decoding: trimmed(ArraySlice(s.utf8)), as: UTF8.self)
    }

    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let first = s.first, first == 0x20 || first == 0x09 { s = s.dropFirst() }
        while let last = s.last, last == 0x20 || last == 0x09 { s = s.dropLast() }
        return s
    }
}

/// A request head split into lines as Go's reader splits it, for naming the fault NIO found.
struct RawHead {
    let requestLine: ArraySlice<UInt8>
    let headerLines: [ArraySlice<UInt8>]

    /// The head at the start of `buffer` (up to its blank line, or all of it if there is none).
    init?(_ buffer: ByteBuffer) {
        let bytes = Array(buffer.readableBytesView)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count, let end = bytes[start...].firstIndex(of: 0x0A) {
            var line = bytes[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            start = end + 1
            if line.isEmpty && !lines.isEmpty { break }
            lines.append(line)
        }
        guard let first = lines.first else { return nil }
        requestLine = first
        headerLines = Array(lines.dropFirst())
    }

    /// The first of Go's checks this head fails, in Go's order: request line, header syntax,
    /// transfer encoding, version, Host, then header names and values.
    func goRefusal() -> GoRequestError? {
        // "METHOD SP target SP proto": the proto is what follows the second space.
        let spaces = requestLine.indices.filter { requestLine[$0] == 0x20 }
        guard spaces.count >= 2 else { return .badRequest() }
        let method = requestLine[..<spaces[0]]
        let proto = requestLine[(spaces[1] + 1)...]
        guard let (major, _) = Self.version(proto) else { return .badRequest() }
        guard !method.isEmpty, method.allSatisfy(GoHead.isTokenByte) else { return .badRequest() }
        var fields: [(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)] = []
        for (n, line) in headerLines.enumerated() {
            if line.first == 0x20 || line.first == 0x09 {
                // A continuation line: folded into the previous value (the first has none).
                guard n > 0, !fields.isEmpty else { return .badRequest() }
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return .badRequest() }
            fields.append((line[..<colon], GoHead.trimmed(line[(colon + 1)...])))
        }
        func values(_ name: String) -> [String] {
            fields.filter { String(decoding: $0.name, as: UTF8.self).lowercased() == name }.map { String(decoding: $0.value, as: UTF8.self) }
        }
        let encodings = values("transfer-encoding")
        if !encodings.isEmpty && !(encodings.count == 1 && encodings[0].lowercased() == "chunked") { return .unsupportedTransferEncoding }
        guard major == 1 else { return .unsupportedVersion }
        let hosts = values("host")
        if let refusal = GoHead.hostRefusal(count: hosts.count, host: hosts.first ?? "", http11: Self.version(proto)!.minor >= 1,
                                            method: String(decoding: method, as: UTF8.self)) {
            return refusal
        }
        // Go skips a line with an empty name.
        for field in fields where !field.name.isEmpty {
            if !field.name.allSatisfy(GoHead.isTokenByte) { return .badRequest("invalid header name") }
            if !GoHead.validValue(field.value) { return .badRequest("invalid header value") }
        }
        return nil
    }

    /// Go's `ParseHTTPVersion`: `HTTP/major.minor` in decimal.
    static func version(_ proto: ArraySlice<UInt8>) -> (major: Int, minor: Int)? {
        let text = String(decoding: proto, as: UTF8.self)
        guard text.hasPrefix("HTTP/") else { return nil }
        let numbers = text.dropFirst(5).split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 2, let major = Int(numbers[0]), let minor = Int(numbers[1]),
              (0..<1_000_000).contains(major), (0..<1_000_000).contains(minor) else { return nil }
        return (major, minor)
    }
}
