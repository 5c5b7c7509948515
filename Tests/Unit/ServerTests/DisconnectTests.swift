import Foundation
import SundialTestSupport
import Testing

/// A client that goes away stops its query (1.x stops it on `CloseNotify`): the real
/// `sundiald` streams a chunked SELECT to a client that stops reading — the query waits,
/// visible in SHOW QUERIES, instead of buffering — and once the client closes, the query ends.
@Suite(.serialized) struct DisconnectTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)))
    func closingTheConnectionStopsAStreamingQuery() async throws {
        let daemon = try await RestartTests.Daemon.startFresh("disconnect")
        defer { daemon.stop(SIGTERM) }
        let start: Int64 = 1_600_000_000_000_000_000
        for batch in 0..<4 {
            var lines = ""
            for k in 0..<10_000 {
                let t = start + Int64(batch * 10_000 + k) * 1_000_000_000
                lines += "m,host=h\(k % 3) a=\(k),b=\(k * 2)i,s=\"padding padding padding padding \(k)\" \(t)\n"
            }
            let (status, _) = try await daemon.post("/write?db=db0", lines, form: false)
            #expect(status == 204)
        }
        let request = daemon.rawQueryRequest("SELECT * FROM m", parameters: ["chunked=true", "chunk_size=1"])
        let stalled = try await Task.detached { try RawHTTPClient.startAndStall(request, port: daemon.port) }.value
        #expect(String(decoding: stalled.head.prefix(15), as: UTF8.self) == "HTTP/1.1 200 OK")

        // About 10 MB of documents cannot all sit in the socket buffers: the query waits.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await Self.runningSelects(daemon) == 1)

        RawHTTPClient.closeSocket(stalled.socket)
        var running = 1
        for _ in 0..<50 where running > 0 {
            try await Task.sleep(for: .milliseconds(100))
            running = try await Self.runningSelects(daemon)
        }
        #expect(running == 0)
    }

    /// Running SELECTs in SHOW QUERIES (the SHOW QUERIES itself aside).
    static func runningSelects(_ daemon: RestartTests.Daemon) async throws -> Int {
        try await daemon.query("SHOW QUERIES").components(separatedBy: "SELECT * FROM m").count - 1
    }
}
