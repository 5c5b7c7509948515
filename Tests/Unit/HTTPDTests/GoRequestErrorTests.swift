import NIOCore
import NIOHTTP1
import Testing

@testable import HTTPD

/// Go's words for a request its server refuses, found from the head's bytes when NIO's parser
/// refused it, or from the parsed head when only Go would.
@Suite struct GoRequestErrorTests {
    @Test(arguments: [
        ("GARBAGE\r\n\r\n", "400 Bad Request"),
        ("GET /ping HTTP/9.9\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported: unsupported protocol version"),
        ("GET /ping HTTP/x\r\nHost: x\r\n\r\n", "400 Bad Request"),
        ("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"),
        ("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", "400 Bad Request"),
        ("GET / HTTP/1.1\r\n Host: x\r\n\r\n", "400 Bad Request"),
        ("GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", "400 Bad Request: invalid header name"),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{01}b\r\n\r\n", "400 Bad Request: invalid header value"),
        ("GET / HTTP/1.1\r\nX: y\r\n\r\n", "400 Bad Request: missing required Host header"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", "501 Not Implemented"),
        // Nothing Go refuses: NIO's own reason stays a plain 400.
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"),
    ])
    func parseFailureIsNamedFromTheHead(head: String, status: String) {
        let error = GoRequestError.parseFailure(HTTPParserError.invalidHeaderToken, head: ByteBuffer(string: head))
        #expect(error.status == status)
    }

    @Test func headerOverflowIs431AndAnUnknownHeadA400() {
        #expect(GoRequestError.parseFailure(HTTPParserError.headerOverflow, head: nil) == .headerFieldsTooLarge)
        #expect(GoRequestError.parseFailure(HTTPParserError.invalidMethod, head: nil) == .badRequest())
    }

    @Test(arguments: [
        (HTTPVersion.http1_1, [("Host", "x")], "/ping", nil),
        (.http1_0, [], "/ping", nil),
        (.http1_1, [], "/ping", "400 Bad Request: missing required Host header"),
        (.http1_1, [("Host", "a"), ("Host", "b")], "/ping", "400 Bad Request"),
        (.http1_1, [("Host", "a b")], "/ping", "400 Bad Request: malformed Host header"),
        (.http1_1, [("Host", "x"), ("Transfer-Encoding", "gzip, chunked")], "/write", "501 Not Implemented"),
        (.http1_1, [("Host", "x"), ("Transfer-Encoding", "Chunked")], "/write", nil),
        (.http1_1, [("Host", "x")], "/pi%zzng", "400 Bad Request"),
        (.http1_1, [("Host", "x")], "/query?q=%zz", nil),
    ] as [(HTTPVersion, [(String, String)], String, String?)])
    func parsedHeadIsCheckedAsGoChecksIt(version: HTTPVersion, headers: [(String, String)], uri: String, status: String?) {
        let head = HTTPRequestHead(version: version, method: .GET, uri: uri, headers: HTTPHeaders(headers))
        #expect(GoRequestError.refusal(head)?.status == status)
    }

    @Test func answerIsGoBytes() {
        #expect(String(buffer: GoRequestError.unsupportedTransferEncoding.bytes)
            == "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding")
    }
}
