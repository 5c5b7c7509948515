import Foundation
import Synchronization
import SundialTestSupport
import Testing

/// Runs the real `sundiald` binary (built next to the test bundle) as a user would.
@Suite(.serialized) struct DaemonProcessTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("sundiald")

    /// This process's environment for a daemon: its snapshotter on an ephemeral loopback port
    /// (the default, 127.0.0.1:8088, would make daemons started side by side collide).
    static var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["INFLUXDB_BIND_ADDRESS": "127.0.0.1:0"]) { $1 }
    }

    /// A loopback port nothing listens on now, below Linux's ephemeral range (32768+) so the
    /// suite's own client sockets cannot be holding it when the daemon binds. Never the same
    /// port twice in one run: two tests starting servers side by side could otherwise both
    /// pick it, and the one whose server lost the bind would take the other's /ping for its own.
    static func freePort() -> Int {
        while true {
            let port = Int.random(in: 20_000...32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return port }
            defer { close(fd) }
            if withLoopback(port, { bind(fd, $0, $1) }) == 0 { return port }
        }
    }

    /// The ports ``freePort()`` has given out in this run.
    private static let handedOut = Mutex<Set<Int>>([])

    /// Calls `body` (bind, connect) with 127.0.0.1:`port` as a socket address and its length.
    static func withLoopback(_ port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Start-up is logged as 1.x logs it: each service's start line with its settings, then
    /// where HTTP listens.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func logsItsStartUpAs1x() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Self.freePort()
        let (status, log) = try await Self.runUntilReady(in: dir, port: port, ["INFLUXDB_BIND_ADDRESS": "127.0.0.1:\(Self.freePort())"])
        #expect(status == 204)
        let expected: [(message: String, fields: [String])] = [
            ("Starting monitor service", ["service=monitor"]),
            ("Storing statistics", ["db_instance=_internal", "db_rp=monitor", "interval=10s"]),
            ("Starting precreation service", ["check_interval=10m", "advance_period=30m"]),
            ("Starting continuous query service", ["service=continuous_querier"]),
            ("Starting HTTP service", ["authentication=false", "service=httpd"]),
            ("Listening on HTTP", ["addr=127.0.0.1:\(port)", "https=false"]),
            ("Starting retention policy enforcement service", ["check_interval=30m"]),
        ]
        let lines = log.split(separator: "\n")
        var positions: [String: Int] = [:]
        for (message, fields) in expected {
            let at = lines.firstIndex { $0.hasSuffix(" " + message) }
            #expect(at != nil, "\(message) in \(log)")
            guard let at else { continue }
            positions[message] = at
            for field in fields { #expect(lines[at].contains(field), "\(field) in \(lines[at])") }
        }
        if let start = positions["Starting HTTP service"], let listening = positions["Listening on HTTP"] { #expect(start < listening) }
    }

    /// `[logging] level` filters what the daemon logs; a level influxd would refuse stops it at start.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func honoursLoggingLevel() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for level in ["info", "error"] {
            let (status, log) = try await Self.runUntilReady(in: dir, port: Self.freePort(), ["INFLUXDB_LOGGING_LEVEL": level])
            #expect(status == 204)
            #expect(log.contains(" info ") == (level == "info"), "\(level): \(log)")
        }
        let (process, pipe) = try Self.launch(in: dir, ["INFLUXDB_HTTP_BIND_ADDRESS": "127.0.0.1:\(Self.freePort())",
                                                        "INFLUXDB_LOGGING_LEVEL": "chatty"])
        let log = try await Self.logAtExit(process, pipe)
        #expect(process.terminationStatus != 0)
        #expect(log.contains("unrecognized level: \"chatty\""), "\(log)")
    }

    /// Starts `sundiald run` in `dir` (embedded default config) with `environment` added to
    /// this process's; its stderr is piped.
    static func launch(in dir: URL, _ environment: [String: String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["run"]
        process.currentDirectoryURL = dir
        process.environment = DaemonProcessTests.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, pipe)
    }

    /// Everything the process logs until it exits (read off the cooperative pool).
    static func logAtExit(_ process: Process, _ pipe: Pipe) async throws -> String {
        try await offPool {
            let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return log
        }
    }

    /// Runs the daemon with HTTP on `port` until it answers /ping (at most 30 s), then stops it
    /// with SIGTERM: the ping's status (nil: never answered) and everything it logged.
    static func runUntilReady(in dir: URL, port: Int, _ environment: [String: String]) async throws -> (status: Int?, log: String) {
        let (process, pipe) = try launch(in: dir, environment.merging(["INFLUXDB_HTTP_BIND_ADDRESS": "127.0.0.1:\(port)"]) { $1 })
        var status: Int?
        for _ in 0..<300 where status == nil && process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
            status = try? await pingStatus(port: port)
        }
        process.terminate()
        let log = try await logAtExit(process, pipe)
        return (status, log)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = DaemonProcessTests.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func printsVersionAndConfig() throws {
        let (status, version) = try Self.run(["version"])
        #expect(status == 0 && version.hasPrefix("Sundial v"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-\(UUID()).conf")
        try "[http]\n  bind-address = \":1234\"\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (configStatus, text) = try Self.run(["config", "-config", file.path], environment: ["INFLUXDB_DATA_DIR": "/env/data"])
        #expect(configStatus == 0)
        #expect(text.contains("[http]\n  enabled = true\n  bind-address = \":1234\"\n"))
        #expect(text.contains("[data]\n  dir = \"/env/data\"\n"))
    }

    /// `sundiald run` answers /ping, then exits 0 on SIGTERM and on SIGINT.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)), arguments: [SIGTERM, SIGINT])
    func stopsCleanlyOnSignal(signal: Int32) async throws {
        let port = Self.freePort()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["run"]
        process.currentDirectoryURL = dir
        process.environment = DaemonProcessTests.environment.merging(["INFLUXDB_HTTP_BIND_ADDRESS": "127.0.0.1:\(port)"]) { $1 }
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var status: Int?
        for _ in 0..<100 where status == nil {
            try await Task.sleep(for: .milliseconds(100))
            status = try? await Self.pingStatus(port: port)
        }
        #expect(status == 204)
        // The daemon allocates through jemalloc (Allocator.swift), not glibc's malloc.
        // (/proc files report no size: read to the end, not by the announced length.)
        let maps = FileHandle(forReadingAtPath: "/proc/\(process.processIdentifier)/maps")?.readDataToEndOfFile() ?? Data()
        #expect(String(decoding: maps, as: UTF8.self).contains("libjemalloc"))
        // A brand-new daemon writes its meta.db at once, as 1.x does.
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sundial-data/meta/meta.db").path))

        kill(process.processIdentifier, signal)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    static func pingStatus(port: Int) async throws -> Int {
        let request = RawHTTPClient.encode(method: "GET", target: "/ping", headers: [], body: [], chunked: false, port: port)
        return try await RawHTTPClient.send(request, port: port, isHead: false).status
    }
}
