import Foundation
import SundialTestSupport
import Testing

/// The daemon's operations features over real sockets, side by side with the real influxd
/// 1.6.7 where it is installed: the access log line for line, the query and write logs, the
/// pprof endpoints, and the unix socket with the real `influx` CLI.
@Suite(.serialized) struct HTTPOperationsProcessTests {
    static var sundialAvailable: Bool { FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path) }
    static var influxdAvailable: Bool { sundialAvailable && InfluxdCrossCheckTests.available }
    static let influxCLI = "/usr/bin/influx"

    /// A server process on a fresh directory with its stderr in a file.
    struct Daemon {
        let process: Process
        let port: Int
        let dir: URL
        let config: URL
        let stderr: URL

        /// `http`, `data` and `coordinator` are lines added to those sections.
        static func start(_ binary: URL, http: [String] = [], data: [String] = [], coordinator: [String] = []) async throws -> Daemon {
            let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("sundial-ops-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let port = DaemonProcessTests.freePort()
            let config = dir.appendingPathComponent("influxdb.conf")
            try """
            reporting-disabled = true
            bind-address = "127.0.0.1:0"
            [meta]
              dir = "\(dir.path)/meta"
            [data]
              dir = "\(dir.path)/data"
              wal-dir = "\(dir.path)/wal"
            \(data.map { "  " + $0 }.joined(separator: "\n"))
            [coordinator]
            \(coordinator.map { "  " + $0 }.joined(separator: "\n"))
            [monitor]
              store-enabled = false
            [continuous_queries]
              enabled = false
            [http]
              bind-address = "127.0.0.1:\(port)"
            \(http.map { "  " + $0 }.joined(separator: "\n"))
            [logging]
              level = "info"
            """.write(to: config, atomically: true, encoding: .utf8)
            let stderr = dir.appendingPathComponent("stderr.log")
            _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
            let process = Process()
            process.executableURL = binary
            process.arguments = ["run", "-config", config.path]
            process.currentDirectoryURL = dir
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: stderr)
            try process.run()
            for _ in 0..<300 {
                if (try? await DaemonProcessTests.pingStatus(port: port)) == 204 {
                    return Daemon(process: process, port: port, dir: dir, config: config, stderr: stderr)
                }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(process.processIdentifier, SIGKILL)
            throw RawHTTPClient.Failure(description: "\(binary.lastPathComponent) did not answer /ping: \((try? String(contentsOf: stderr, encoding: .utf8)) ?? "")")
        }

        func send(_ method: String, _ target: String, headers: [[String]] = [], body: String = "") async throws -> RawHTTPClient.Response {
            try await RawHTTPClient.send(RawHTTPClient.encode(method: method, target: target, headers: headers, body: Array(body.utf8), chunked: false, port: port),
                                         port: port, isHead: method == "HEAD")
        }

        /// Stops the server (SIGTERM, which flushes the access log) and returns its stderr.
        func stop() async throws -> String {
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let process = self.process
            try await offPool { process.waitUntilExit() }
            return try String(contentsOf: stderr, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: dir) }
    }

    static func basic(_ user: String, _ password: String) -> [String] {
        ["Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    /// Requests whose lines both servers must write alike (no gzip, no 1.8-only behaviour);
    /// the 404, 405 and /debug ones get no line.
    static let requests: [(method: String, target: String, headers: [[String]], body: String)] = [
        ("GET", "/ping", [], ""),
        ("HEAD", "/ping", [], ""),
        ("POST", "/query?q=CREATE+DATABASE+db0&p=secret&u=bob", [], ""),
        ("POST", "/query", [["Content-Type", "application/x-www-form-urlencoded"], ["Referer", "http://x/y"], ["User-Agent", "agent/1.0"]],
         "q=CREATE+USER+joe+WITH+PASSWORD+%27pw%27"),
        ("GET", "/query?q=SHOW+DATABASES&db=db0&z=1&a=2", [basic("alice", "pw"), ["X-Forwarded-For", "10.0.0.1"], ["X-Forwarded-For", "10.0.0.2"]], ""),
        ("POST", "/write?db=db0", [["Request-Id", "my-rid"]], "cpu v=1 1"),
        ("POST", "/write?db=nodb", [], "cpu v=1 1"),
        ("GET", "/nothere", [], ""),
        ("DELETE", "/ping", [], ""),
        ("OPTIONS", "/query", [], ""),
        ("GET", "/query?q=select+*+from+cpu&db=db0&chunked=true", [], ""),
        ("GET", "/query?q=SELECT%20*%20FROM%20cpu&db=db0&u=u%20x&p=", [], ""),
        ("GET", "/status", [], ""),
        ("GET", "/debug/requests?seconds=0", [], ""),
        ("GET", "/query?db=db0&b=1", [], ""),
        ("POST", "/query?q=SET+PASSWORD+FOR+joe+%3D+%27x%27&b=2", [], ""),
        ("POST", "/write?db=db0&precision=s&u=carl&p=pw", [], "cpu v=2 2"),
        ("GET", "/query?q=SELECT+nope+FROM", [["X-Request-Id", "xrid"]], ""),
    ]

    /// The access log lines one server writes to stderr for ``requests`` (and one HTTP/1.0 ping).
    static func accessLog(_ binary: URL) async throws -> [AccessLogFields] {
        let daemon = try await Daemon.start(binary, http: ["log-enabled = true"])
        defer { daemon.remove() }
        for r in requests { _ = try await daemon.send(r.method, r.target, headers: r.headers, body: r.body) }
        _ = try await RawHTTPClient.send(Array("GET /ping HTTP/1.0\r\n\r\n".utf8), port: daemon.port, isHead: false)
        let stderr = try await daemon.stop()
        // Lines after the startup ping (which influxd also logs).
        let lines = stderr.split(separator: "\n").filter { $0.hasPrefix("[httpd] ") }.map { String($0.dropFirst(8)) }
        return Array(lines.compactMap(AccessLogFields.init).dropFirst())
    }

    /// Both servers log the same requests with the same fields: client, user, target as
    /// rewritten (sorted, escaped, passwords redacted), protocol, status, size, referer, agent
    /// and the client's request IDs.
    @Test(.enabled(if: influxdAvailable))
    func accessLogMatchesInfluxdLineForLine() async throws {
        let expected = try await Self.accessLog(InfluxdCrossCheckTests.influxd)
        let actual = try await Self.accessLog(DaemonProcessTests.binary)
        #expect(expected.count == 16)
        #expect(actual.count == expected.count)
        for (sundial, influxd) in zip(actual, expected) {
            #expect(sundial.comparable == influxd.comparable)
            #expect(sundial.timeIsCommonLogFormat && influxd.timeIsCommonLogFormat)
            #expect(sundial.time.suffix(5) == influxd.time.suffix(5), "same zone")
            if ["my-rid", "xrid"].contains(influxd.requestID) {
                #expect(sundial.requestID == influxd.requestID)
            } else {
                #expect(sundial.requestIDIsTimeUUID && influxd.requestIDIsTimeUUID, "\(sundial.requestID) \(influxd.requestID)")
            }
        }
    }

    /// What the query and write logs say for the same requests: `Executing query` with the
    /// password redacted, `Detected slow query` with 1.x's text, `Write body received by
    /// handler` with the body — in both servers' logs.
    @Test(.enabled(if: sundialAvailable), arguments: [false, true])
    func queryAndWriteLogsSayWhatInfluxdSays(influxd: Bool) async throws {
        guard !influxd || Self.influxdAvailable else { return }
        let binary = influxd ? InfluxdCrossCheckTests.influxd : DaemonProcessTests.binary
        let daemon = try await Daemon.start(binary, http: ["log-enabled = false", "write-tracing = true"], data: ["query-log-enabled = true"],
                                            coordinator: ["log-queries-after = \"1ms\""])
        defer { daemon.remove() }
        _ = try await daemon.send("POST", "/query", headers: [["Content-Type", "application/x-www-form-urlencoded"]],
                                  body: "q=CREATE+USER+joe+WITH+PASSWORD+%27secret%27")
        _ = try await daemon.send("POST", "/query?q=CREATE+DATABASE+db0")
        #expect(try await daemon.send("POST", "/write?db=db0", body: "cpu v=1 1").status == 204)
        try await Task.sleep(for: .milliseconds(100))
        let log = try await daemon.stop()
        #expect(!log.contains("secret"))
        #expect(log.contains("Executing query"))
        #expect(log.contains("CREATE USER joe WITH PASSWORD [REDACTED]"))
        #expect(log.contains("CREATE DATABASE db0"))
        #expect(log.contains("Detected slow query: CREATE USER joe WITH PASSWORD [REDACTED] (qid: 1, database: , threshold: 1ms)"), "\(log)")
        #expect(log.contains("Write body received by handler"))
        #expect(log.contains("cpu v=1 1"))
    }

    /// The daemon's pprof: the command line it was started with and jemalloc's statistics; the
    /// access log in a file, without the stderr prefix.
    @Test(.enabled(if: sundialAvailable))
    func daemonAnswersPprofAndLogsToAFile() async throws {
        let daemon = try await Daemon.start(DaemonProcessTests.binary, http: ["access-log-path = \"access.log\""])
        defer { daemon.remove() }
        let heap = try await daemon.send("GET", "/debug/pprof/heap")
        #expect(heap.status == 200)
        #expect(String(decoding: heap.body, as: UTF8.self).hasPrefix("___ Begin jemalloc statistics ___\n"))
        let cmdline = try await daemon.send("GET", "/debug/pprof/cmdline")
        #expect(cmdline.body == Array([DaemonProcessTests.binary.path, "run", "-config", daemon.config.path].joined(separator: "\0").utf8))
        _ = try await daemon.send("GET", "/query?q=SHOW+DATABASES&u=me")
        let stderr = try await daemon.stop()
        #expect(!stderr.contains("[httpd] "))
        let lines = try String(contentsOf: daemon.dir.appendingPathComponent("access.log"), encoding: .utf8).split(separator: "\n")
        let fields = lines.compactMap { AccessLogFields(String($0)) }
        #expect(fields.count == lines.count)
        #expect(fields.last?.comparable == #"127.0.0.1 - me "GET /query?q=SHOW+DATABASES&u=me HTTP/1.1" 200 84 "-" "-""#)
    }

    /// `unix-socket-enabled`: a stale file at `bind-socket` is replaced by the socket, which gets
    /// `unix-socket-permissions` and `unix-socket-group`; the real `influx` CLI creates,
    /// writes and reads over it; the access log names the client `@`; the socket goes when
    /// the daemon stops.
    @Test(.enabled(if: sundialAvailable && FileManager.default.isExecutableFile(atPath: influxCLI)))
    func unixSocketServesTheInfluxCLI() async throws {
        let runDir = URL(fileURLWithPath: "/tmp").appendingPathComponent("sundial-sock-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: runDir) }
        let socket = runDir.appendingPathComponent("influxdb.sock").path
        try "stale".write(toFile: socket, atomically: false, encoding: .utf8)
        let group = getgid()
        let daemon = try await Daemon.start(DaemonProcessTests.binary, http: [
            "unix-socket-enabled = true", "bind-socket = \"\(socket)\"", "unix-socket-permissions = \"0770\"", "unix-socket-group = \(group)",
        ])
        defer { daemon.remove() }
        let info = try FileManager.default.attributesOfItem(atPath: socket)
        #expect(info[.type] as? FileAttributeType == .typeSocket)
        #expect((info[.posixPermissions] as? NSNumber)?.intValue == 0o770)
        #expect((info[.groupOwnerAccountID] as? NSNumber)?.uint32Value == group)

        func influx(_ arguments: [String]) async throws -> (Int32, String) {
            try await offPool {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Self.influxCLI)
                process.arguments = ["-socket", socket] + arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                try process.run()
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return (process.terminationStatus, String(decoding: output, as: UTF8.self))
            }
        }
        #expect(try await influx(["-execute", "CREATE DATABASE db0"]).0 == 0)
        #expect(try await influx(["-database", "db0", "-execute", "INSERT cpu,host=a v=5 5"]).0 == 0)
        let (status, output) = try await influx(["-database", "db0", "-format", "csv", "-execute", "SELECT * FROM cpu"])
        #expect(status == 0)
        #expect(output == "name,time,host,v\ncpu,5,a,5\n")
        let (_, databases) = try await influx(["-format", "csv", "-execute", "SHOW DATABASES"])
        #expect(databases == "name,name\ndatabases,db0\n")
        #expect(try await RawHTTPClient.send(Array("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), unixSocket: socket).status == 204)

        let stderr = try await daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: socket), "removed when the service stops")
        let lines = stderr.split(separator: "\n").filter { $0.hasPrefix("[httpd] @ ") }.compactMap { AccessLogFields(String($0.dropFirst(8))) }
        #expect(lines.contains { $0.request == "POST /write?consistency=all&db=db0&precision=ns&rp= HTTP/1.1" && $0.status == 204 && $0.agent.hasPrefix("InfluxDBShell/") })
        #expect(lines.contains { $0.request == "GET /ping HTTP/1.1" && $0.agent == "-" })
    }
}
