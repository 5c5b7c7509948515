import Foundation
import SundialTestSupport
import Testing

/// Requests Go's server refuses before any handler runs get its answer byte for byte: a text
/// status line (`400 Bad Request: invalid header name`, 431, 501, 505), `Content-Type:
/// text/plain; charset=utf-8`, `Connection: close`, a body that runs to the close. A bad chunk
/// inside a body is the handler's to answer (1.x: 400 with Go's chunked reader's error). The
/// same bytes go to influxd 1.6.7 where it is installed.
@Suite(.serialized) struct MalformedRequestProcessTests {
    typealias Daemon = HTTPOperationsProcessTests.Daemon

    static func goAnswer(_ status: String, _ body: String? = nil) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n\(body ?? status)"
    }

    static let badRequest = goAnswer("400 Bad Request")

    /// Raw request bytes and the whole answer.
    static let refused: [(request: String, answer: String)] = [
        ("GARBAGE\r\n\r\n", badRequest),
        ("GET /ping HTTP/x\r\nHost: x\r\n\r\n", badRequest),
        ("GET /ping http/1.1\r\nHost: x\r\n\r\n", badRequest),
        ("GET /ping HTTP/9.9\r\nHost: x\r\n\r\n", goAnswer("505 HTTP Version Not Supported: unsupported protocol version")),
        ("GET /ping HTTP/2.0\r\nHost: x\r\n\r\n", goAnswer("505 HTTP Version Not Supported: unsupported protocol version")),
        ("G(T /ping HTTP/1.1\r\nHost: x\r\n\r\n", badRequest),
        ("GET ping HTTP/1.1\r\nHost: x\r\n\r\n", badRequest),
        ("GET ::: HTTP/1.1\r\nHost: x\r\n\r\n", badRequest),
        ("GET /pi%zzng HTTP/1.1\r\nHost: x\r\n\r\n", badRequest),
        ("GET /pi\u{01}ng HTTP/1.1\r\nHost: x\r\n\r\n", badRequest),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", badRequest),
        ("GET /ping HTTP/1.1\r\n Host: x\r\n\r\n", badRequest),
        ("GET /ping HTTP/1.1\rHost: x\r\n\r\n", badRequest),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", goAnswer("400 Bad Request: invalid header name")),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nNa(me: v\r\n\r\n", goAnswer("400 Bad Request: invalid header name")),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nX\tY: v\r\n\r\n", goAnswer("400 Bad Request: invalid header name")),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nX: a\u{01}b\r\n\r\n", goAnswer("400 Bad Request: invalid header value")),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nX: a\u{7F}b\r\n\r\n", goAnswer("400 Bad Request: invalid header value")),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nX: a\u{00}b\r\n\r\n", goAnswer("400 Bad Request: invalid header value")),
        ("GET /ping HTTP/1.1\r\n\r\n", goAnswer("400 Bad Request: missing required Host header")),
        ("GET /ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", badRequest),
        ("GET /ping HTTP/1.1\r\nHost: a b\r\n\r\n", goAnswer("400 Bad Request: malformed Host header")),
        ("POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", badRequest),
        ("POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", badRequest),
        ("POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", badRequest),
        ("POST /write HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", goAnswer("501 Not Implemented", "Unsupported transfer encoding")),
        ("POST /ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", goAnswer("501 Not Implemented", "Unsupported transfer encoding")),
        ("POST /ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
         goAnswer("501 Not Implemented", "Unsupported transfer encoding")),
        ("GET /ping HTTP/1.1\r\nHost: x\r\nX: \(String(repeating: "a", count: 2 << 20))\r\n\r\n", goAnswer("431 Request Header Fields Too Large")),
    ]

    /// A bad chunk in a write's body, and 1.x's answer to it.
    static let badChunks: [(chunk: String, error: String)] = [
        ("zz\r\n", "invalid byte in chunk length"),
        ("3\r\nabcXX\r\n", "malformed chunked encoding"),
    ]

    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: [false, true])
    func malformedRequestsGetGoAnswers(influxd: Bool) async throws {
        guard !influxd || HTTPOperationsProcessTests.influxdAvailable else { return }
        let binary = influxd ? InfluxdCrossCheckTests.influxd : DaemonProcessTests.binary
        let daemon = try await Daemon.start(binary, http: ["log-enabled = false"])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        for c in Self.refused {
            let connection = try RawHTTPConnection(port: daemon.port)
            // The server may answer (431) and close before taking all of a long head.
            try? await connection.send(Array(c.request.utf8))
            let answer = String(decoding: try await connection.readToEnd(), as: UTF8.self)
            #expect(answer == c.answer, "\(c.request.prefix(60).debugDescription)")
        }
        for c in Self.badChunks {
            let connection = try RawHTTPConnection(port: daemon.port)
            try await connection.send("POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + c.chunk)
            let answer = try await connection.response()
            #expect(answer.status == 400)
            #expect(String(decoding: answer.body, as: UTF8.self) == "{\"error\":\"\(c.error)\"}\n")
            #expect(answer.header("Connection") == "close")
            #expect(try await connection.closedByServer())
        }
        _ = try await daemon.stop()
    }
}
