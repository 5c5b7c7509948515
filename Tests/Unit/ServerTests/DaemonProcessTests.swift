import Foundation
import Testing

/// Runs the real `sundiald` binary (built next to the test bundle) as a user would.
@Suite(.serialized) struct DaemonProcessTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("sundiald")

    static func freePort() -> Int { Int.random(in: 20_000...40_000) }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
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
        process.environment = ProcessInfo.processInfo.environment.merging(["INFLUXDB_HTTP_BIND_ADDRESS": "127.0.0.1:\(port)"]) { $1 }
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var status: Int?
        for _ in 0..<100 where status == nil {
            try await Task.sleep(for: .milliseconds(100))
            status = try? await Self.pingStatus(port: port)
        }
        #expect(status == 204)

        kill(process.processIdentifier, signal)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    static func pingStatus(port: Int) async throws -> Int {
        let request = Array("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        return try await PingClient.status(request, port: port)
    }
}

/// A one-shot HTTP exchange for the daemon test.
enum PingClient {
    static func status(_ request: [UInt8], port: Int) async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try exchange(request, port: port) })
            }
        }
    }

    struct Failure: Error {}

    private static func exchange(_ request: [UInt8], port: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure() }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw Failure() }
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 12, let code = Int(String(decoding: buffer[9..<12], as: UTF8.self)) else { throw Failure() }
        return code
    }
}
