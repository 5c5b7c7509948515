import Foundation
import SundialTestSupport
import Synchronization

/// The pids of the servers this process started, killed at exit (normal, `exit()`, SIGINT,
/// SIGTERM, SIGHUP) by pid — never by name; then the temporary directory is removed.
enum Children {
    static let pids = Mutex<[pid_t]>([])
    /// Removed at exit, after the servers are gone (nil with `--keep`).
    static let directory = Mutex<String?>(nil)
    /// Keeps the signal sources alive.
    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []

    static func add(_ pid: pid_t) { pids.withLock { $0.append(pid) } }
    static func remove(_ pid: pid_t) { pids.withLock { $0.removeAll { $0 == pid } } }
    static func removeAtExit(_ path: String) { directory.withLock { $0 = path } }

    /// SIGKILLs every child still registered (they have no data to keep).
    static func killAll() {
        for pid in pids.withLock({ p in defer { p.removeAll() }; return p }) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        if let path = directory.withLock({ d in defer { d = nil }; return d }) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Kills the children at `exit()` and on the usual terminating signals.
    static func installCleanup() {
        atexit { Children.killAll() }
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("storage-read-bench: signal \(sig), stopping the servers\n".utf8))
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// One server (influxd or sundiald) on loopback with its own data directory and config.
final class ServerProcess: @unchecked Sendable {
    let name: String
    let dir: URL
    let httpPort: Int
    let ifqlPort: Int
    let process = Process()

    /// Writes the config (inmem index, `[ifql]` on) and starts `binary run -config …`,
    /// its output to `dir/log.txt`.
    init(name: String, binary: String, dir: URL, httpPort: Int, rpcPort: Int, ifqlPort: Int, cold: String) throws {
        self.name = name
        self.dir = dir
        self.httpPort = httpPort
        self.ifqlPort = ifqlPort
        for port in [httpPort, rpcPort, ifqlPort] where HTTP.isListening(port: port) {
            throw BenchError("port \(port) is already in use (a server left from an earlier run?)")
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("influxdb.conf")
        var file = LoopbackServerConfig(dir: dir.path, httpPort: httpPort, rpcPort: rpcPort)
        file.data = ["index-version = \"inmem\"", "cache-snapshot-write-cold-duration = \"\(cold)\""]
        file.sections = LoopbackServerConfig.ifql(port: ifqlPort) + "[logging]\n  level = \"error\"\n  suppress-logo = true\n"
        try file.text.write(to: config, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("log.txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "-config", config.path]
        process.currentDirectoryURL = dir
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        Children.add(process.processIdentifier)
    }

    /// Waits (up to a minute) until `/ping` answers 204 and the `[ifql]` port accepts.
    func waitReady() async throws {
        for _ in 0..<1200 {
            guard process.isRunning else { throw BenchError("\(name) exited at startup:\n\(logTail())") }
            if (try? HTTP.request(port: httpPort, method: "GET", target: "/ping"))?.status == 204, HTTP.isListening(port: ifqlPort) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("\(name) did not answer /ping within 60 s:\n\(logTail())")
    }

    /// SIGTERM, then SIGKILL after 10 s.
    func stop() {
        let pid = process.processIdentifier
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
        Children.remove(pid)
    }

    /// The end of the server's log.
    func logTail() -> String {
        let text = (try? String(contentsOf: dir.appendingPathComponent("log.txt"), encoding: .utf8)) ?? ""
        return String(text.suffix(2000))
    }

    /// Every file under `sub` (relative path → size).
    func files(_ sub: String) -> [String: Int] {
        let root = dir.appendingPathComponent(sub)
        var out: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else { return out }
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]), values.isRegularFile == true else { continue }
            out[String(url.path.dropFirst(root.path.count))] = values.fileSize ?? 0
        }
        return out
    }

    /// Bytes in the WAL directory (0 once the cache was written to TSM).
    var walBytes: Int { files("wal").values.reduce(0, +) }

    /// The `.tsm` files: how many, and their bytes.
    var tsm: (count: Int, bytes: Int) {
        let t = files("data").filter { $0.key.hasSuffix(".tsm") }
        return (t.count, t.values.reduce(0, +))
    }

    /// User + system CPU seconds the process used so far (Linux `/proc/<pid>/stat`; 0 elsewhere).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// A failure with its message for the user.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
