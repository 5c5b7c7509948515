import Foundation
import Meta
import SundialTestSupport
import TSM
import Testing

/// A write acknowledged with 204 survives `kill -9` of the real `sundiald`.
@Suite(.serialized) struct CrashSafetyTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)))
    func acknowledgedWritesSurviveKill9() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-crash-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The database exists before the daemon starts (CREATE DATABASE over /query comes later).
        let meta = try MetaClient(directory: dir.appendingPathComponent("sundial-data/meta").path)
        try await meta.createDatabase("db0")

        let daemon = try await RestartTests.Daemon.start(in: dir)
        let (process, port) = (daemon.process, daemon.port)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var acknowledged: [Int64] = []
        for batch in 0..<20 {
            let times = (0..<50).map { Int64(1_600_000_000_000_000_000) + Int64(batch * 50 + $0) * 1_000_000_000 }
            let body = Array(times.map { "cpu,host=a value=\($0 % 1000)i \($0)" }.joined(separator: "\n").utf8)
            let request = RawHTTPClient.encode(method: "POST", target: "/write?db=db0", headers: [], body: body, chunked: false, port: port)
            let response = try await RawHTTPClient.send(request, port: port, isHead: false)
            #expect(response.status == 204)
            if response.status == 204 { acknowledged += times }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        // Everything acknowledged is in the shard's WAL (or TSM files) after the crash.
        let data = dir.appendingPathComponent("sundial-data/data/db0/autogen").path
        let shards = try FileManager.default.contentsOfDirectory(atPath: data)
        #expect(shards == ["1"])
        let engine = Engine(path: data + "/1", walPath: dir.appendingPathComponent("sundial-data/wal/db0/autogen/1").path)
        _ = try engine.open()
        let stored = try #require(try engine.read(key: Array("cpu,host=a#!~#value".utf8)))
        #expect(stored.timestamps == acknowledged)
        #expect(stored == .integer(acknowledged, acknowledged.map { $0 % 1000 }))
    }
}
