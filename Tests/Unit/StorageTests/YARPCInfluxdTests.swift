import Foundation
import SundialTestSupport
import SwiftProtobuf
import Testing
@testable import Storage
#if canImport(Glibc)
import Glibc
#endif

/// Our yamux/yarpc client against the real influxd 1.6.7's `[ifql]` service (Go yamux and
/// yarpc): proof the two interoperate. Runs where Debian's `influxdb` package is installed.
@Suite(.serialized) struct YARPCInfluxdTests {
    static let influxd = "/usr/bin/influxd"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: influxd) }
    /// Fixed ports (18480–18489 are this suite's).
    static let httpPort = 18480, rpcPort = 18481, ifqlPort = 18482

    /// influxd on a temporary directory with `[ifql]` enabled; killed (by pid) and removed after `body`.
    static func withInfluxd<T>(_ body: () async throws -> T) async throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-yarpc-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("influxdb.conf")
        var file = LoopbackServerConfig(dir: dir.path, httpPort: httpPort, rpcPort: rpcPort)
        file.sections = LoopbackServerConfig.ifql(port: ifqlPort, logEnabled: true)
        try file.text.write(to: config, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: influxd)
        process.arguments = ["run", "-config", config.path]
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let pid = process.processIdentifier
        do {
            var ready = false
            for _ in 0..<600 where process.isRunning {
                if (try? await ping()) == 204 {
                    ready = true
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard ready else {
                throw YARPCError("influxd did not answer /ping: \(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(2000))")
            }
            let result = try await body()
            await stop(process, pid)
            return result
        } catch {
            await stop(process, pid)
            throw error
        }
    }

    /// SIGTERM, then SIGKILL after 10 s: only the process this test started.
    static func stop(_ process: Process, _ pid: Int32) async {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<200 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(pid, SIGKILL)
            for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }

    static func ping() async throws -> Int {
        let request = RawHTTPClient.encode(method: "GET", target: "/ping", headers: [], body: [], chunked: false, port: httpPort)
        return try await RawHTTPClient.send(request, port: httpPort, isHead: false).status
    }

    static func post(_ target: String, _ body: String) async throws -> Int {
        let request = RawHTTPClient.encode(method: "POST", target: target, headers: [], body: Array(body.utf8), chunked: false, port: httpPort)
        return try await RawHTTPClient.send(request, port: httpPort, isHead: false).status
    }

    /// The yarpc service may open just after HTTP: the first connections are retried.
    static func connect() async throws -> YARPCClient {
        for attempt in 0..<50 {
            do {
                return try await YARPCClient.connect(host: "127.0.0.1", port: ifqlPort)
            } catch where attempt < 49 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw YARPCError("unreachable")
    }

    @Test(.enabled(if: available))
    func callsInfluxdsStorageService() async throws {
        try await Self.withInfluxd {
            let client = try await Self.connect()
            defer { client.close() }

            // Capabilities (method 1): 1.6 returns "not implemented" — the stream closes with no message.
            #expect(try await client.unary(service: 0, method: 1, request: []) == nil)

            // Read (method 0) of a database that does not exist: an error, so no frames at all.
            var missing = StorageReadRequest()
            missing.database = "nodb"
            missing.timestampRange.start = 1
            missing.timestampRange.end = 4_000_000_000_000_000_000
            var count = 0
            for try await _ in try await client.stream(service: 0, method: 0, request: try missing.serializedBytes()) { count += 1 }
            #expect(count == 0)

            #expect(try await Self.post("/query?q=CREATE%20DATABASE%20db", "") == 200)
            #expect(try await Self.post("/write?db=db", "cpu,host=a value=1 1000000000\ncpu,host=a value=2 2000000000\ncpu,host=b value=3.5 3000000000") == 204)

            var read = StorageReadRequest()
            read.database = "db"
            read.timestampRange.start = 1
            read.timestampRange.end = 4_000_000_000_000_000_000
            var series: [[String]] = []
            var values: [Double] = []
            var messages = 0
            for try await message in try await client.stream(service: 0, method: 0, request: try read.serializedBytes()) {
                messages += 1
                let response = try StorageReadResponse(serializedBytes: message)
                for frame in response.frames {
                    switch frame.data {
                    case .series(let s)?:
                        series.append(s.tags.map { String(decoding: $0.key, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self) })
                    case .floatPoints(let points)?:
                        values += points.values
                    default:
                        break
                    }
                }
            }
            #expect(messages >= 1)
            #expect(series.count == 2, "\(series)")
            #expect(series.first?.contains("host=a") == true, "\(series)")
            #expect(values.sorted() == [1, 2, 3.5])

            // The session is still good for more calls.
            #expect(try await client.session.ping() < .seconds(5))
        }
    }

    /// The exact frames influxd's Go yamux sends for a failing unary call (Capabilities).
    @Test(.enabled(if: available))
    func influxdsFramesForAFailedCall() async throws {
        try await Self.withInfluxd {
            try await Self.connect().close()  // waits for the service to listen
            try await RawPeer.with(port: Self.ifqlPort) { peer in
                try await peer.send(yamuxHeader(1, 1, 1, 0) + yamuxHeader(0, 0, 1, 6) + [0, 1] + yarpcFrame([]))
                // ACK on a window update (its accept), then FIN alone: no data frame.
                #expect(try await peer.frame()?.header == yamuxHeader(1, 2, 1, 0))
                #expect(try await peer.frame()?.header == yamuxHeader(1, 4, 1, 0))
                try await peer.send(yamuxHeader(1, 4, 1, 0))
                try await peer.send(yamuxHeader(2, 1, 0, 77))
                #expect(try await peer.read(12) == yamuxHeader(2, 2, 0, 77))
            }
        }
    }
}
