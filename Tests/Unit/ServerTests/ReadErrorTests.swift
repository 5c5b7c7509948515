import Foundation
import Logging
import Meta
import Server
import TSDB
import TSM
import SundialTestSupport
import Testing

/// A block that fails its checksum reaches the client as the query's error, naming the file
/// (as 1.x reports a corrupt block), never as silently missing rows — on every read path.
@Suite struct ReadErrorTests {
    @Test(arguments: [
        "SELECT * FROM m",
        "SELECT v FROM m WHERE time > 0 LIMIT 5",
        "SELECT count(v) FROM m",
        "SELECT last(v) FROM m",
        "SELECT mean(v) FROM m WHERE time >= 0 AND time < 2000000000000 GROUP BY time(1h)",
        "SELECT max(v) FROM (SELECT v FROM m)",
    ])
    func corruptBlockIsAQueryError(query: String) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-readerror-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = Config()
        config.data.dir = root + "/data"
        config.data.walDir = root + "/wal"
        let server = Server(config: config, logger: Logger(label: "test"))
        try await server.meta.createDatabase("db0")
        try await server.withHTTPServer { port in
            let lines = (0..<100).map { "m v=\($0) \(1_000_000_000_000 + Int64($0) * 1_000_000_000)" }.joined(separator: "\n")
            #expect(try await CrashLoopTests.post(port, "/write?db=db0", lines).0 == 204)
            let shard = try #require(server.store.openShards.first)
            try shard.engine.snapshot()
            let file = try #require(shard.engine.fileStore.files.first?.path)
            let handle = try #require(FileHandle(forUpdatingAtPath: file))
            try handle.seek(toOffset: 12)
            let byte = try #require(try handle.read(upToCount: 1)?.first)
            try handle.seek(toOffset: 12)
            handle.write(Data([byte ^ 0x55]))
            try handle.close()
            let (status, body) = try await CrashLoopTests.post(port, "/query?db=db0", query, form: true)
            let text = String(decoding: body, as: UTF8.self)
            #expect(status == 200)
            #expect(text.contains("\"error\":\"checksum mismatch"), "\(text)")
            #expect(text.contains(file), "\(text)")
            #expect(!text.contains("\"values\""), "\(text)")
        }
    }
}
