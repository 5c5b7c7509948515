import Foundation
import SundialTestSupport
import Testing

/// Clients that stall, pipeline or half-close do not hold up the daemon or lose answers; with
/// `read-timeout` (Sundial's) a request that stops arriving ends; `max-connection-limit` caps
/// the connections. Where 1.x behaves alike, influxd 1.6.7 gets the same requests.
@Suite(.serialized) struct SlowClientProcessTests {
    typealias Daemon = HTTPOperationsProcessTests.Daemon

    static func binary(_ influxd: Bool) -> URL { influxd ? InfluxdCrossCheckTests.influxd : DaemonProcessTests.binary }

    /// 200 connections stalled inside a write's body: a `/ping` on a new connection is answered
    /// at once, and so is a write.
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: [false, true])
    func stalledClientsDoNotHoldUpOthers(influxd: Bool) async throws {
        guard !influxd || HTTPOperationsProcessTests.influxdAvailable else { return }
        let daemon = try await Daemon.start(Self.binary(influxd), http: ["log-enabled = false"])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        var stalled: [RawHTTPConnection] = []
        for _ in 0..<200 {
            let connection = try RawHTTPConnection(port: daemon.port)
            try await connection.send("POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\ncpu v=1 1\n")
            stalled.append(connection)
        }
        let began = ContinuousClock.now
        #expect(try await daemon.send("GET", "/ping").status == 204)
        let ping = ContinuousClock.now - began
        // Before, /ping waited behind the stalled bodies (26.6 s); a debug daemon beside the
        // rest of the suite on two cores can take a second or two, so 5 s separates the two.
        #expect(ping < .seconds(5), "/ping took \(ping)")
        #expect(try await daemon.send("POST", "/write?db=db0", body: "cpu v=2 2").status == 204)
        withExtendedLifetime(stalled) {}
        _ = try await daemon.stop()
    }

    /// 100 writes pipelined on one connection, then its sending side shut: all are answered,
    /// in order, then the connection closes.
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: [false, true])
    func pipelinedWritesBeforeAHalfCloseAreAllAnswered(influxd: Bool) async throws {
        guard !influxd || HTTPOperationsProcessTests.influxdAvailable else { return }
        let daemon = try await Daemon.start(Self.binary(influxd), http: ["log-enabled = false"])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        let connection = try RawHTTPConnection(port: daemon.port)
        var requests = ""
        for n in 0..<100 {
            let body = "cpu v=\(n) \(n + 1)\n"
            requests += "POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        let began = ContinuousClock.now
        try await connection.send(requests)
        connection.finishSending()
        for n in 0..<100 {
            #expect(try await connection.response().status == 204, "answer \(n)")
        }
        #expect(try await connection.closedByServer())
        #expect(ContinuousClock.now - began < .seconds(10))
        let count = try await daemon.send("GET", "/query?db=db0&q=SELECT+count(v)+FROM+cpu")
        #expect(String(decoding: count.body, as: UTF8.self).contains("[\"1970-01-01T00:00:00Z\",100]"))
        _ = try await daemon.stop()
    }

    /// `read-timeout = "1s"`: a write whose body stops coming is answered 400 with Go's
    /// timeout error and the connection closed; a head that stops coming is dropped; other
    /// clients are served meanwhile.
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable))
    func requestsThatStopArrivingTimeOut() async throws {
        let daemon = try await Daemon.start(DaemonProcessTests.binary, http: ["log-enabled = false", "read-timeout = \"1s\""])
        defer { daemon.remove() }
        #expect(try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0").status == 200)
        let body = try RawHTTPConnection(port: daemon.port)
        try await body.send("POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\ncpu v=1 1\n")
        let head = try RawHTTPConnection(port: daemon.port)
        try await head.send("POST /write?db=db0 HTTP/1.1\r\nHost: x\r\nContent-Len")
        #expect(try await daemon.send("GET", "/ping").status == 204)
        let began = ContinuousClock.now
        let answer = try await body.response()
        let waited = ContinuousClock.now - began
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(answer.status == 400)
        // Go's JSON writes `>` as \u003e.
        #expect(text.hasPrefix("{\"error\":\"read tcp 127.0.0.1:\(daemon.port)-\\u003e127.0.0.1:") && text.hasSuffix(": i/o timeout\"}\n"), "\(text)")
        #expect(answer.header("Connection") == "close")
        #expect(waited < .seconds(10))
        #expect(try await body.closedByServer())
        #expect(try await head.readToEnd().isEmpty)
        // Nothing of the stalled write was written.
        let count = try await daemon.send("GET", "/query?db=db0&q=SELECT+count(v)+FROM+cpu")
        #expect(!String(decoding: count.body, as: UTF8.self).contains("series"))
        _ = try await daemon.stop()
    }

    /// `max-connection-limit = 3`: a fourth connection is closed without an answer while three
    /// are open (1.x's `LimitListener`); once one closes, a new one is served.
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: [false, true])
    func connectionLimitIsHonoured(influxd: Bool) async throws {
        guard !influxd || HTTPOperationsProcessTests.influxdAvailable else { return }
        let daemon = try await Daemon.start(Self.binary(influxd), http: ["log-enabled = false", "max-connection-limit = 3"])
        defer { daemon.remove() }
        var open: [RawHTTPConnection] = []
        for _ in 0..<3 {
            let connection = try RawHTTPConnection(port: daemon.port)
            try await connection.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await connection.response().status == 204)
            open.append(connection)
        }
        let refused = try RawHTTPConnection(port: daemon.port)
        try? await refused.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await refused.readToEnd().isEmpty)
        open.removeFirst().finishSending()
        var served = false
        for _ in 0..<40 where !served {
            try await Task.sleep(for: .milliseconds(50))
            served = (try? await daemon.send("GET", "/ping").status) == 204
        }
        #expect(served)
        withExtendedLifetime(open) {}
        _ = try await daemon.stop()
    }
}
