import Foundation
import Gzip
import Snappy
import SundialTestSupport
import Testing

/// `[http] max-body-size` on the daemon: a body over it is answered 413 with 1.x's text
/// (`Request Entity Too Large`, in the status line too) and the client reads the answer (the
/// connection is not reset under it); unlike 1.x, the limit also holds for what a gzip
/// (`/write`, `/api/v2/write`) or snappy (Prometheus remote write) body inflates to, and
/// inflating stops there.
@Suite(.serialized) struct BodyLimitProcessTests {
    typealias Daemon = HTTPOperationsProcessTests.Daemon

    /// The head and body of an answer read to the connection's close.
    static func answer(_ bytes: [UInt8]) -> (statusLine: String, head: String, body: String) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return (text, text, "") }
        let head = String(text[..<end.lowerBound])
        return (head.components(separatedBy: "\r\n")[0], head, String(text[end.upperBound...]))
    }

    /// Sends `head` and `body` (the server may answer before taking it all) and reads the
    /// answer to the close.
    static func exchange(_ port: Int, _ head: String, _ body: [UInt8]) async throws -> (statusLine: String, head: String, body: String) {
        let connection = try RawHTTPConnection(port: port)
        try? await connection.send(Array(head.utf8) + body)
        return answer(try await connection.readToEnd())
    }

    static let tooLarge = "{\"error\":\"Request Entity Too Large\"}\n"

    /// What is left of an over-limit body decides, as in Go's server, whether the connection
    /// is kept: up to 256 KB is drained and the next request answered; past that the answer
    /// closes — however much of the body had arrived when the handler stopped reading.
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: [false, true])
    func connectionIsKeptOnlyWhenTheRestCanBeDrained(influxd: Bool) async throws {
        guard !influxd || HTTPOperationsProcessTests.influxdAvailable else { return }
        let binary = influxd ? InfluxdCrossCheckTests.influxd : DaemonProcessTests.binary
        let daemon = try await Daemon.start(binary, http: ["log-enabled = false", "max-body-size = 1000"])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        let ping = Array("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        // 2,000 bytes chunked: 1,000 over the limit, drained; the pipelined /ping is answered.
        let small = Array("POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n".utf8)
            + [UInt8](repeating: UInt8(ascii: "a"), count: 2000) + Array("\r\n0\r\n\r\n".utf8)
        let kept = try RawHTTPConnection(port: daemon.port)
        try await kept.send(small + ping)
        let first = try await kept.response()
        #expect(first.status == 413 && first.header("Connection") == nil)
        #expect(try await kept.response().status == 204)
        // 300 KB announced and sent at once, all of it there before the answer: closed.
        let bigBody = [UInt8](repeating: UInt8(ascii: "a"), count: 300 << 10)
        let closed = try RawHTTPConnection(port: daemon.port)
        try await closed.send(Array("POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Length: \(bigBody.count)\r\n\r\n".utf8) + bigBody + ping)
        let answer = try await closed.response()
        #expect(answer.status == 413 && answer.header("Connection") == "close")
        #expect(try await closed.closedByServer())
        _ = try await daemon.stop()
    }

    /// Bodies over the limit, sent or announced, plain or chunked: both servers answer 413
    /// with 1.x's text and close; the client gets the answer whole.
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: [false, true])
    func bodyOverTheLimitIsAnswered413(influxd: Bool) async throws {
        guard !influxd || HTTPOperationsProcessTests.influxdAvailable else { return }
        let binary = influxd ? InfluxdCrossCheckTests.influxd : DaemonProcessTests.binary
        let daemon = try await Daemon.start(binary, http: ["log-enabled = false", "max-body-size = 1000"])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 5 << 20)
        var chunked: [UInt8] = []
        for _ in 0..<80 { chunked += Array("fff\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 0xFFF) + Array("\r\n".utf8) }
        chunked += Array("0\r\n\r\n".utf8)
        let heads = [
            "POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\n\r\n",
            "POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\nConnection: close\r\n\r\n",
            "POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        ]
        for (n, head) in heads.enumerated() {
            let answer = try await Self.exchange(daemon.port, head, n == 2 ? chunked : big)
            #expect(answer.statusLine == "HTTP/1.1 413 Request Entity Too Large", "\(head)")
            #expect(answer.head.contains("\r\nConnection: close"), "\(head)")
            #expect(answer.head.contains("\r\nX-Influxdb-Error: Request Entity Too Large"), "\(head)")
            #expect(answer.body == Self.tooLarge, "\(head)")
        }
        _ = try await daemon.stop()
    }

    /// What a gzip or snappy body inflates to is held to the limit too (1.x has no limit there).
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable))
    func inflatedBodiesAreHeldToTheLimit() async throws {
        let daemon = try await Daemon.start(DaemonProcessTests.binary, http: ["log-enabled = false", "max-body-size = 1000"])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        let lines = Array(String(repeating: "cpu v=1 1\n", count: 200).utf8)
        let gzipped = GzipStream.encode(lines)
        let snappy = Snappy.compress([UInt8](repeating: 0, count: 10_000))
        #expect(gzipped.count < 1000 && snappy.count < 1000)
        let requests: [(target: String, headers: String, body: [UInt8])] = [
            ("/write?db=db0", "Content-Encoding: gzip\r\n", gzipped),
            ("/api/v2/write?bucket=db0", "Content-Encoding: gzip\r\n", gzipped),
            ("/api/v1/prom/write?db=db0", "Content-Encoding: snappy\r\nContent-Type: application/x-protobuf\r\n", snappy),
        ]
        for r in requests {
            let answer = try await Self.exchange(
                daemon.port, "POST \(r.target) HTTP/1.1\r\nHost: x\r\n\(r.headers)Content-Length: \(r.body.count)\r\nConnection: close\r\n\r\n", r.body)
            #expect(answer.statusLine == "HTTP/1.1 413 Request Entity Too Large", "\(r.target)")
            #expect(answer.body == Self.tooLarge, "\(r.target)")
        }
        // Under the limit when inflated: written.
        let small = GzipStream.encode(Array("cpu v=1 1\n".utf8))
        let written = try await Self.exchange(
            daemon.port, "POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: \(small.count)\r\nConnection: close\r\n\r\n", small)
        #expect(written.statusLine == "HTTP/1.1 204 No Content")
        _ = try await daemon.stop()
    }

    /// A 1 MB gzip body that inflates to 1 GB, at the default limit (25 MB): 413 at once, the
    /// daemon's peak memory far below the inflated size (it stops inflating at the limit).
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable))
    func gzipBombIsRefusedWithoutInflatingIt() async throws {
        let daemon = try await Daemon.start(DaemonProcessTests.binary, http: ["log-enabled = false"])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        let member = GzipStream.encode([UInt8](repeating: UInt8(ascii: "\n"), count: 16 << 20))
        var bomb: [UInt8] = []
        for _ in 0..<64 { bomb += member }  // 1 GiB inflated
        let began = ContinuousClock.now
        let answer = try await Self.exchange(
            daemon.port, "POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\nConnection: close\r\n\r\n", bomb)
        let took = ContinuousClock.now - began
        #expect(answer.statusLine == "HTTP/1.1 413 Request Entity Too Large")
        #expect(answer.body == Self.tooLarge)
        let peak = try Self.peakResidentMegabytes(daemon.process.processIdentifier)
        #expect(peak < 400, "peak RSS \(peak) MB")
        #expect(took < .seconds(20), "answered after \(took)")
        _ = try await daemon.stop()
    }

    /// `VmHWM` of a process, in MB.
    static func peakResidentMegabytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        return kilobytes / 1024
    }
}
