import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import Synchronization
import SundialTestSupport
import Testing

@testable import HTTPD

/// Sundial's HTTP/1.1 connection handling (``HTTP1ServerChannel``) on a real socket: what a
/// client of 1.x relies on (keep-alive, pipelining, closing, bodies of every size, a client that
/// goes away, graceful shutdown) with a test responder in place of the API.
@Suite struct HTTP1ConnectionTests {
    /// The test responder: `/echo` reads the body and says how much came in how many pieces;
    /// `/slow?ms=N` (and `/hold?ms=N`, which is counted) waits first; `/ignore` never reads its body; `/watch?ms=N` waits up to N ms
    /// for its client to go; `/stream` answers in three pieces; anything else echoes its target.
    static func respond(_ request: Request) async -> Response {
        let path = request.uri.path
        let ms = request.uri.queryParameters["ms"].flatMap { Int(String($0)) } ?? 0
        switch path {
        case "/echo":
            var bytes = 0, pieces = 0
            do {
                for try await piece in request.body {
                    bytes += piece.readableBytes
                    pieces += 1
                }
            } catch {
                return text("body failed: \(error)")
            }
            return text("bytes=\(bytes) pieces=\(pieces)")
        case "/slow":
            try? await Task.sleep(for: .milliseconds(ms))
            return text(request.uri.description)
        case "/hold":
            held.add(1, ordering: .relaxed)
            try? await Task.sleep(for: .milliseconds(ms))
            return text(request.uri.description)
        case "/watch":
            let connection = ConnectionState.current
            let deadline = ContinuousClock.now + .milliseconds(ms)
            while ContinuousClock.now < deadline, connection?.isClosed == false {
                try? await Task.sleep(for: .milliseconds(5))
            }
            return text(connection?.isClosed == true ? "gone" : "here")
        case "/stream":
            return Response(status: .ok, body: ResponseBody { writer in
                for piece in ["first,", "second,", "third"] { try await writer.write(ByteBuffer(string: piece)) }
                try await writer.finish(nil)
            })
        default:
            return text(request.uri.description)
        }
    }

    /// How many `/hold` requests have started (only the shutdown test sends them).
    static let held = Atomic<Int>(0)

    static func text(_ body: String) -> Response {
        Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// Runs the channel's server on an ephemeral port while `body` runs; `body` gets the port
    /// and a way to start the server's graceful shutdown itself.
    static func withServer(maxConnections: Int = 0, _ body: (Int, @escaping @Sendable () async -> Void) async throws -> Void) async throws {
        try await HTTP1ServerChannel(maxConnections: maxConnections, responder: { await Self.respond($0) })
            .withServer(logger: Logger(label: "test"), body)
    }

    /// Runs the server with one client connection open to it while `body` runs.
    static func withConnection(_ body: (RawHTTPConnection) async throws -> Void) async throws {
        try await withServer { port, _ in try await body(RawHTTPConnection(port: port)) }
    }

    @Test func keptAliveConnectionAnswersRequestsInTurn() async throws {
        try await Self.withConnection { connection in
            for n in 1...3 {
                try await connection.send("GET /plain?n=\(n) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try await connection.response()
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self) == "/plain?n=\(n)")
                #expect(response.header("Content-Length") == "\(response.body.count)")
                // Go's http.TimeFormat: "Mon, 02 Jan 2006 15:04:05 GMT".
                let date = try #require(response.header("Date"))
                #expect(date.count == 29 && date.hasSuffix(" GMT"))
            }
        }
    }

    @Test(arguments: [
        (1136214245, "Mon, 02 Jan 2006 15:04:05 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (1803958009, "Tue, 02 Mar 2027 03:26:49 GMT"),
    ])
    func dateHeaderIsGoTimeFormat(seconds: Int, text: String) {
        #expect(HTTPDate.format(unixSeconds: seconds) == text)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await Self.withConnection { connection in
            // The first is the slow one: its answer must still come first.
            try await connection.send("GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            let bodies = [try await connection.response(), try await connection.response(), try await connection.response()]
                .map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies == ["/slow?ms=200", "/fast", "bytes=5 pieces=1"])
        }
    }

    @Test(arguments: [
        "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /last HTTP/1.0\r\n\r\n",
    ])
    func connectionClosesAfterAnAnswerWhenAsked(request: String) async throws {
        try await Self.withConnection { connection in
            try await connection.send(request)
            let response = try await connection.response()
            #expect(String(decoding: response.body, as: UTF8.self) == "/last")
            #expect(try await connection.closedByServer())
        }
    }

    @Test(arguments: [(100, 1), (5 << 20, 2)])
    func bodyArrivesWholeOrStreamed(size: Int, minimumPieces: Int) async throws {
        try await Self.withConnection { connection in
            try await connection.send(Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n".utf8)
                + [UInt8](repeating: 0x61, count: size))
            let answer = String(decoding: try await connection.response().body, as: UTF8.self)
            let pieces = try #require(answer.split(separator: "=").last.flatMap { Int($0) })
            #expect(answer.hasPrefix("bytes=\(size) pieces="))
            // A small body is handed over in one piece; a large one streams in many.
            if minimumPieces == 1 { #expect(pieces == 1) } else { #expect(pieces >= minimumPieces) }
        }
    }

    @Test func chunkedRequestBodyIsDecoded() async throws {
        try await Self.withConnection { connection in
            try await connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            try await connection.send("5\r\nhello\r\n")
            try await Task.sleep(for: .milliseconds(50))
            try await connection.send("6\r\n world\r\n0\r\n\r\n")
            #expect(String(decoding: try await connection.response().body, as: UTF8.self).hasPrefix("bytes=11 pieces="))
        }
    }

    /// curl holds a large body back after `Expect: 100-continue` (for a second, unless told):
    /// the server says 100 Continue first, then answers once the body is in.
    @Test func expectContinueIsAnsweredBeforeTheBody() async throws {
        try await Self.withConnection { connection in
            try await connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n")
            let interim = try await connection.response()
            #expect(interim.status == 100 && interim.body.isEmpty)
            #expect(interim.header("Content-Length") == nil && interim.header("Transfer-Encoding") == nil)
            try await connection.send("hello")
            #expect(String(decoding: try await connection.response().body, as: UTF8.self) == "bytes=5 pieces=1")
        }
    }

    /// No 100 Continue without a body to hold back, nor to HTTP/1.0 (as Go's server).
    @Test(arguments: [
        "GET /plain HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
        "POST /echo HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n",
    ])
    func noContinueWithoutABodyToWaitFor(request: String) async throws {
        try await Self.withConnection { connection in
            try await connection.send(request)
            #expect(try await connection.response().status == 200)
        }
    }

    /// `[http] max-connection-limit`: a connection over the limit is closed at once (1.x's
    /// LimitListener); one that closes frees its place.
    @Test func connectionsOverTheLimitAreClosed() async throws {
        try await Self.withServer(maxConnections: 2) { port, _ in
            var open: [RawHTTPConnection] = []
            for n in 1...2 {
                let connection = try RawHTTPConnection(port: port)
                try await connection.send("GET /open?n=\(n) HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await connection.response().status == 200)
                open.append(connection)
            }
            #expect(try await RawHTTPConnection(port: port).closedByServer())
            // The first one leaves; a new connection is served once its place is free.
            open[0].finishSending()
            var served = false
            for _ in 0..<40 where !served {
                try await Task.sleep(for: .milliseconds(50))
                let connection = try RawHTTPConnection(port: port)
                try await connection.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
                served = (try? await connection.response().status) == 200
            }
            #expect(served)
            // The second one was kept all along.
            try await open[1].send("GET /still HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(String(decoding: try await open[1].response().body, as: UTF8.self) == "/still")
        }
    }

    /// A body its handler left unread is drained if less than 256 KB of it is left, and the
    /// connection kept (as Go keeps it); past that, the answer says `Connection: close` and the
    /// connection closes once the client has stopped sending (not with a reset that could
    /// destroy the answer).
    @Test(arguments: [(100 << 10, true), (3 << 20, false)])
    func unreadBodyIsDrainedOrTheConnectionClosed(size: Int, kept: Bool) async throws {
        try await Self.withConnection { connection in
            try await connection.send(Array("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n".utf8)
                + [UInt8](repeating: 0x62, count: size) + Array("GET /after HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            let first = try await connection.response()
            #expect(String(decoding: first.body, as: UTF8.self) == "/ignore")
            #expect(first.header("Connection") == (kept ? nil : "close"))
            if kept {
                #expect(String(decoding: try await connection.response().body, as: UTF8.self) == "/after")
            } else {
                #expect(try await connection.closedByServer())
            }
        }
    }

    /// Pipelined requests followed by a half-close (`shutdown(SHUT_WR)`) are all answered, in
    /// order, before the connection closes.
    @Test func halfClosedConnectionAnswersEveryPipelinedRequest() async throws {
        try await Self.withConnection { connection in
            var requests = ""
            for n in 0..<100 {
                requests += n % 10 == 0
                    ? "GET /slow?ms=5&n=\(n) HTTP/1.1\r\nHost: x\r\n\r\n"
                    : "POST /echo?n=\(n) HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            }
            try await connection.send(requests)
            connection.finishSending()
            for n in 0..<100 {
                let body = String(decoding: try await connection.response().body, as: UTF8.self)
                #expect(body == (n % 10 == 0 ? "/slow?ms=5&n=\(n)" : "bytes=5 pieces=1"))
            }
            #expect(try await connection.closedByServer())
        }
    }

    /// `[http] read-timeout`: a body that stops coming fails for its handler with Go's timeout
    /// error (1.x answers it 400) and the connection closes; a head that stops coming is
    /// dropped; a kept-alive connection between requests is not timed out.
    @Test func requestsThatStopArrivingTimeOut() async throws {
        try await HTTP1ServerChannel(readTimeout: .milliseconds(300), responder: { await Self.respond($0) })
            .withServer(logger: Logger(label: "test")) { port, _ in
                let stalledBody = try RawHTTPConnection(port: port)
                try await stalledBody.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
                let answer = try await stalledBody.response()
                let text = String(decoding: answer.body, as: UTF8.self)
                #expect(text.hasPrefix("body failed: read tcp 127.0.0.1:\(port)->127.0.0.1:") && text.hasSuffix(": i/o timeout"), "\(text)")
                #expect(answer.header("Connection") == "close")
                #expect(try await stalledBody.closedByServer())

                let stalledHead = try RawHTTPConnection(port: port)
                try await stalledHead.send("GET /x HTTP/1.1\r\nHo")
                #expect(try await stalledHead.readToEnd().isEmpty)

                let idle = try RawHTTPConnection(port: port)
                try await idle.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(String(decoding: try await idle.response().body, as: UTF8.self) == "/one")
                try await Task.sleep(for: .milliseconds(700))
                try await idle.send("GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(String(decoding: try await idle.response().body, as: UTF8.self) == "/two")
            }
    }

    @Test func clientThatGoesAwayIsSeenByItsRequest() async throws {
        try await Self.withServer { port, _ in
            // Still there: the request waits out its 300 ms.
            let staying = try RawHTTPConnection(port: port)
            try await staying.send("GET /watch?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(String(decoding: try await staying.response().body, as: UTF8.self) == "here")
            // Gone (its side shut down): the request sees it at once; the answer is still sent.
            let leaving = try RawHTTPConnection(port: port)
            try await leaving.send("GET /watch?ms=10000 HTTP/1.1\r\nHost: x\r\n\r\n")
            leaving.finishSending()
            #expect(String(decoding: try await leaving.response().body, as: UTF8.self) == "gone")
            #expect(try await leaving.closedByServer())
        }
    }

    @Test func answersOfKnownLengthGoInOneBodyAndStreamedOnesInChunks() async throws {
        try await Self.withConnection { connection in
            try await connection.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            let streamed = try await connection.response()
            #expect(streamed.header("Content-Length") == nil)
            #expect(streamed.header("Transfer-Encoding") == "chunked")
            #expect(streamed.chunkSizes == [6, 7, 5])
            #expect(String(decoding: streamed.body, as: UTF8.self) == "first,second,third")
            try await connection.send("HEAD /plain HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try await connection.response(isHead: true)
            #expect(head.header("Content-Length") == "6")
            // Nothing follows the head of a HEAD answer: the next answer parses cleanly.
            try await connection.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(String(decoding: try await connection.response().body, as: UTF8.self) == "/next")
        }
    }

    /// Go's answer to a request it cannot parse: a text body that runs to the close.
    @Test func unparsableRequestIsAnsweredAsGoAnswersIt() async throws {
        try await Self.withConnection { connection in
            try await connection.send("NOT HTTP AT ALL\r\n\r\n")
            let answer = String(decoding: try await connection.readToEnd(), as: UTF8.self)
            #expect(answer == "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request")
        }
    }

    /// A bad chunk inside a body is the body's failure, which its handler answers (as 1.x
    /// answers Go's chunked reader's error); the connection then closes.
    @Test(arguments: [
        ("zz\r\n", "invalid byte in chunk length"),
        ("3\r\nabcXX\r\n", "malformed chunked encoding"),
    ])
    func badChunkFailsTheBody(chunk: String, failure: String) async throws {
        try await Self.withConnection { connection in
            try await connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            try await Task.sleep(for: .milliseconds(50))
            try await connection.send(chunk)
            let answer = try await connection.response()
            #expect(String(decoding: answer.body, as: UTF8.self) == "body failed: \(failure)")
            #expect(try await connection.closedByServer())
        }
    }

    @Test func gracefulShutdownFinishesTheAnswerInProgress() async throws {
        try await Self.withServer { port, shutDown in
            let idle = try RawHTTPConnection(port: port)
            try await idle.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try await idle.response()
            let busy = try RawHTTPConnection(port: port)
            let before = Self.held.load(ordering: .relaxed)
            try await busy.send("GET /hold?ms=500 HTTP/1.1\r\nHost: x\r\n\r\n")
            while Self.held.load(ordering: .relaxed) == before { try await Task.sleep(for: .milliseconds(5)) }
            await shutDown()
            #expect(try await idle.closedByServer())
            #expect(String(decoding: try await busy.response().body, as: UTF8.self) == "/hold?ms=500")
            #expect(try await busy.closedByServer())
        }
    }
}
