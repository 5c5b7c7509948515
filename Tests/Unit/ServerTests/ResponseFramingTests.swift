import Foundation
import SundialTestSupport
import Testing

/// How the daemon frames buffered `/query` answers on the wire: 1.x's `Transfer-Encoding:
/// chunked`, one chunk for an answer up to 1 MiB (written with the head in one go), MiB
/// chunks for a larger one — and the bytes decode to the whole answer either way.
@Suite(.serialized) struct ResponseFramingTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)))
    func bufferedAnswersAreOneChunkUpToAMebibyteAndMebibyteChunksBeyond() async throws {
        let daemon = try await RestartTests.Daemon.startFresh("framing")
        defer { daemon.stop(SIGTERM) }
        let start: Int64 = 1_600_000_000_000_000_000
        let points = 30_000
        var lines = ""
        for k in 0..<points {
            lines += "m,host=h\(k % 3) a=\(k),s=\"padding padding padding \(k)\" \(start + Int64(k) * 1_000_000_000)\n"
        }
        #expect(try await daemon.post("/write?db=db0", lines, form: false).0 == 204)

        func get(_ q: String) async throws -> RawHTTPClient.Response {
            try await RawHTTPClient.send(daemon.rawQueryRequest(q), port: daemon.port, isHead: false)
        }
        func rows(_ body: [UInt8]) throws -> Int {
            let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            let results = json?["results"] as? [[String: Any]]
            let series = results?.first?["series"] as? [[String: Any]] ?? []
            return series.reduce(0) { $0 + (($1["values"] as? [Any])?.count ?? 0) }
        }

        let small = try await get("SELECT * FROM m LIMIT 5")
        #expect(small.status == 200)
        #expect(small.header("Transfer-Encoding")?.lowercased() == "chunked")
        #expect(small.header("Content-Length") == nil)
        #expect(small.chunkSizes == [small.body.count])
        #expect(try rows(small.body) == 5)

        let large = try await get("SELECT * FROM m")
        #expect(large.status == 200)
        #expect(large.header("Transfer-Encoding")?.lowercased() == "chunked")
        #expect(large.body.count > 1 << 20)
        #expect(large.chunkSizes.dropLast().allSatisfy { $0 == 1 << 20 })
        #expect(large.chunkSizes.count == (large.body.count + (1 << 20) - 1) >> 20)
        #expect(try rows(large.body) == points)
    }
}
