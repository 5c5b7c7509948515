import Coordinator
import Foundation
import Graphite
import Logging
import Meta
import OpenTSDB
import Server
import ServiceLifecycle
import SundialTestSupport
import TSDB
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Graphite and OpenTSDB services in process: wiring and config checks, what they write,
/// their statistics, pipelined HTTP answers and TLS.
@Suite(.serialized) struct InputServicesTests {
    /// A server wired as the daemon's, in memory, with `config`'s input sections.
    @Test func wiredAfterRetentionInOneXsOrder() throws {
        var config = Config()
        config.graphite = [GraphiteConfig(), GraphiteConfig(), GraphiteConfig()]
        config.graphite[0].enabled = true
        config.graphite[2].enabled = true
        config.graphite[2].protocolName = "UDP"
        config.opentsdb = [OpenTSDBConfig(), OpenTSDBConfig()]
        config.opentsdb[1].enabled = true
        let names = try Server(config: config).services().map { service -> String in
            switch service {
            case let g as GraphiteService: "graphite-\(g.settings.transport.rawValue)"
            case is OpenTSDBService: "opentsdb"
            default: "other"
            }
        }
        #expect(Array(names.suffix(3)) == ["graphite-tcp", "graphite-udp", "opentsdb"])
    }

    @Test(arguments: [
        (["host.region"], "tcp", "invalid graphite config: no measurement in template `host.region`"),
        (["measurement"], "sctp", "unrecognized Graphite input protocol sctp"),
    ])
    func refusedWith1xText(templates: [String], transport: String, expected: String) {
        var config = Config()
        config.graphite = [GraphiteConfig(), GraphiteConfig()]
        // The template check covers disabled sections too, as 1.x's.
        config.graphite[0].templates = templates
        config.graphite[1].enabled = true
        config.graphite[1].protocolName = transport
        #expect(throws: ConfigError(expected)) { try Server(config: config).services() }
    }

    struct Env {
        let meta: MetaClient
        let writer: PointsWriter
    }

    /// Runs `service` (made from the env) in a service group while `body` runs.
    static func withService<S: Service>(_ make: (Env) throws -> S, _ body: (S, Env) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-inputs-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meta = MetaClient()
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        let env = Env(meta: meta, writer: PointsWriter(meta: meta, store: store))
        let service = try make(env)
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(service, env)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await store.close()
    }

    static func until(_ what: String, _ condition: () -> Bool) async throws {
        // Generous: only a failure waits it out, and a loaded 2-core machine is slow.
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    static func send(_ text: String, port: Int) async throws -> [UInt8] {
        let connection = try RawHTTPConnection(port: port)
        try await connection.send(text)
        connection.finishSending()
        return try await connection.readToEnd()
    }

    @Test func graphiteTCPBatchesCountsAndCreatesTheDatabase() async throws {
        let settings = try GraphiteSettings(bindAddress: "127.0.0.1:0", database: "g", retentionPolicy: "keep", batchSize: 2,
                                            batchTimeout: .milliseconds(20), templates: ["measurement.host"])
        try await Self.withService({ env in
            try GraphiteService(settings: settings, meta: env.meta, pointsWriter: env.writer, logger: Logger(label: "test"))
        }) { service, env in
            try await Self.until("the listener") { service.port != nil }
            #expect(env.meta.database("g") == nil)  // made with the first batch, not at start
            let text = "cpu.a 1 1600000000\ncpu.b 2 1600000000\n\n  \nbad\ncpu.c NaN 1600000000\ncpu.d 4 1600000000\ncpu.e 5 1600000000"
            _ = try await Self.send(text, port: service.port!)
            try await Self.until("3 points written") { service.statistics["pointsTx"] == 3 }
            #expect(service.statistics["pointsRx"] == 7)  // lines ending in \n; the last one is dropped
            #expect(service.statistics["bytesRx"] == Int64(text.utf8.count - "cpu.e 5 1600000000".utf8.count))
            #expect(service.statistics["pointsParseFail"] == 1 && service.statistics["pointsNaNFail"] == 1)
            #expect(service.statistics["connsHandled"] == 1)
            try await Self.until("the connection closed") { service.statistics["connsActive"] == 0 }
            #expect(service.statistics["batchesTx"] == 2 && service.batcher.sizeTotal == 1 && service.batcher.timeoutTotal == 1)
            #expect(env.meta.database("g")?.defaultRetentionPolicy == "keep")
            #expect(env.meta.database("g")?.retentionPolicies.map(\.name) == ["keep"])
        }
    }

    @Test func graphiteUDPSplitsDatagrams() async throws {
        let settings = try GraphiteSettings(bindAddress: "127.0.0.1:0", protocol: "udp", batchTimeout: .milliseconds(20), udpReadBuffer: 1 << 20)
        try await Self.withService({ env in
            try GraphiteService(settings: settings, meta: env.meta, pointsWriter: env.writer, logger: Logger(label: "test"))
        }) { service, env in
            try await Self.until("the listener") { service.port != nil }
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            let datagram = Array("a.b 1 1600000000\nc 2 1600000000\nbroken\n".utf8)
            _ = DaemonProcessTests.withLoopback(service.port!) { address, length in
                Int32(datagram.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) })
            }
            try await Self.until("2 points written") { service.statistics["pointsTx"] == 2 }
            #expect(service.statistics["pointsRx"] == 4 && service.statistics["bytesRx"] == Int64(datagram.count))
            #expect(service.statistics["pointsParseFail"] == 1)
            #expect(env.meta.database("graphite")?.defaultRetentionPolicy == "autogen")
        }
    }

    static func openTSDB(_ settings: OpenTSDBSettings, _ body: (OpenTSDBService, Env) async throws -> Void) async throws {
        try await withService({ env in OpenTSDBService(settings: settings, meta: env.meta, pointsWriter: env.writer, logger: Logger(label: "test")) }) {
            service, env in
            try await until("the listener") { service.port != nil }
            try await body(service, env)
        }
    }

    @Test func openTSDBTelnetAndPipelinedHTTP() async throws {
        try await Self.openTSDB(OpenTSDBSettings(bindAddress: "127.0.0.1:0", batchSize: 10, batchTimeout: .milliseconds(20))) { service, env in
            let port = service.port!
            // Before any telnet batch the database does not exist: 1.x's 500.
            let early = try await RawHTTPClient.send(RawHTTPClient.encode(method: "POST", target: "/api/put", headers: [],
                body: Array(#"{"metric":"m","timestamp":1600000000,"value":1}"#.utf8), chunked: false, port: port), port: port, isHead: false)
            #expect(early.status == 500 && String(decoding: early.body, as: UTF8.self) == "write series error: database not found: opentsdb\n")
            let reply = try await Self.send("put m 1600000000 1 h=a junk\nversion\nput m 16000 1\nput m 1600000001 x junk2\nput m 1600000002 3 h=b", port: port)
            #expect(String(decoding: reply, as: UTF8.self) == "InfluxDB TSDB proxy")
            try await Self.until("2 telnet points written") { service.statistics["pointsTx"] == 2 }
            #expect(service.statistics["tlPointsRx"] == 5 && service.statistics["tlBadTag"] == 2)  // also on the line a bad value drops
            #expect(service.statistics["tlBadTime"] == 1 && service.statistics["tlBadFloat"] == 1)
            #expect(env.meta.database("opentsdb") != nil)
            // Two requests in one write on one connection: answered in order.
            let connection = try RawHTTPConnection(port: port)
            let body = #"[{"metric":"h","timestamp":1600000000,"value":1},{"metric":"h","timestamp":-99999999999,"value":2}]"#
            try await connection.send("POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                + "GET /api/put HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = try await connection.response()
            let second = try await connection.response()
            #expect(first.status == 204 && first.body.isEmpty)
            #expect(second.status == 405 && String(decoding: second.body, as: UTF8.self) == "Method Not Allowed\n")
            #expect(second.header("Content-Type") == "text/plain; charset=utf-8" && second.header("X-Content-Type-Options") == "nosniff")
            #expect(service.statistics["droppedPointsInvalid"] == 1 && service.statistics["httpConnsHandled"] == 2)
        }
    }

    @Test(.enabled(if: SubscriberHTTPSTests.available))
    func openTSDBOverTLS() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-otls-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cert, key) = (dir.appendingPathComponent("cert.pem").path, dir.appendingPathComponent("key.pem").path)
        try SubscriberHTTPSTests.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                                 "-subj", "/CN=127.0.0.1"])
        // 1.x reads the chain and the key from the one file.
        let both = dir.appendingPathComponent("both.pem")
        try (String(contentsOfFile: cert, encoding: .utf8) + String(contentsOfFile: key, encoding: .utf8)).write(to: both, atomically: true, encoding: .utf8)
        let settings = OpenTSDBSettings(bindAddress: "127.0.0.1:0", tlsEnabled: true, certificate: both.path, batchTimeout: .milliseconds(20))
        try await Self.openTSDB(settings) { service, _ in
            let client = """
            import socket, ssl, sys
            ctx = ssl._create_unverified_context()
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
            s.sendall(b"put tls 1600000000 1 h=a\\n")
            s.close()
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
            s.sendall(b"POST /api/metadata/put HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\nContent-Length: 0\\r\\n\\r\\n")
            print(s.recv(100).split(b"\\r\\n")[0].decode())
            """
            let script = dir.appendingPathComponent("client.py")
            try client.write(to: script, atomically: true, encoding: .utf8)
            let output = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, "\(service.port!)"]
            process.standardOutput = output
            try process.run()
            let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
            process.waitUntilExit()
            #expect(String(decoding: data, as: UTF8.self) == "HTTP/1.1 204 No Content\n")
            try await Self.until("the TLS telnet point written") { service.statistics["pointsTx"] == 1 }
        }
    }
}
