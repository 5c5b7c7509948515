import Foundation
import SundialTestSupport
import Testing

/// The real influxd 1.6.7 and Sundial open each other's data directory after a `kill -9` —
/// TSM files plus a WAL that was never snapshotted — and both find every acknowledged point.
/// Runs where Debian's `influxdb` package is installed (`./dev test` installs it).
@Suite(.serialized) struct InfluxdCrossCheckTests {
    static let influxd = URL(fileURLWithPath: "/usr/bin/influxd")
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: influxd.path) && FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)
    }

    /// One server process on a data directory, configured through an influxdb.conf both read.
    struct Server {
        let process: Process
        let port: Int
        /// The TCP `bind-address` port (the snapshotter's).
        let rpcPort: Int

        /// `extra` is appended to the config (sections it does not already have); `monitor`
        /// and `http` are the keys of those sections, `data` lines added to `[data]`.
        static func start(_ binary: URL, dir: URL, continuousQueries: Bool = false, monitor: String = "store-enabled = false",
                          http: String = "log-enabled = false", data: [String] = [], extra: String = "",
                          snapshotSize: Int = 16384) async throws -> Server {
            // A daemon that exits before answering most likely lost a port picked at random to a
            // test running beside it: it is started again on other ports (twice at most).
            var log = ""
            for _ in 0..<3 {
                let port = DaemonProcessTests.freePort()
                var rpcPort = DaemonProcessTests.freePort()
                while rpcPort == port { rpcPort = DaemonProcessTests.freePort() }
                let config = dir.appendingPathComponent("influxdb-\(port).conf")
                var file = LoopbackServerConfig(dir: dir.path, httpPort: port, rpcPort: rpcPort)
                file.data = ["cache-snapshot-memory-size = \(snapshotSize)"] + data
                file.monitor = [monitor]
                file.http = [http]
                file.sections = """
                [continuous_queries]
                  enabled = \(continuousQueries)
                  query-stats-enabled = \(continuousQueries)
                  run-interval = "1s"
                [logging]
                  level = "error"
                \(extra)
                """
                try file.text.write(to: config, atomically: true, encoding: .utf8)
                let stderr = dir.appendingPathComponent("stderr-\(port).log")
                _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
                let process = Process()
                process.executableURL = binary
                process.arguments = ["run", "-config", config.path]
                process.currentDirectoryURL = dir
                process.standardOutput = FileHandle.nullDevice
                process.standardError = try FileHandle(forWritingTo: stderr)
                try process.run()
                for _ in 0..<600 where process.isRunning {
                    if (try? await DaemonProcessTests.pingStatus(port: port)) == 204 { return Server(process: process, port: port, rpcPort: rpcPort) }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let exited = !process.isRunning
                kill(process.processIdentifier, SIGKILL)
                log = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
                if !exited { break }
            }
            throw RawHTTPClient.Failure(description: "\(binary.lastPathComponent) did not answer /ping: \(log.suffix(2000))")
        }

        func post(_ target: String, _ body: String, form: Bool = false) async throws -> (Int, [UInt8]) {
            try await CrashLoopTests.post(port, target, body, form: form)
        }

        func crash() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// Every stored value, as `measurement|tags|time|field=value` lines.
        /// `polling`: an answer other than 200 (the database is not there yet) is no contents
        /// rather than a failure.
        func contents(of database: String = "db0", polling: Bool = false) async throws -> Set<String> {
            let (status, body) = try await post("/query?db=\(database)&epoch=ns", "SELECT * FROM /.*/ GROUP BY *", form: true)
            if polling && status != 200 { return [] }
            #expect(status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            let series = ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
            var out = Set<String>()
            for s in series {
                let name = s["name"] as? String ?? ""
                let tags = (s["tags"] as? [String: String] ?? [:]).filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                let columns = s["columns"] as? [String] ?? []
                for row in s["values"] as? [[Any]] ?? [] {
                    let time = (row[0] as? NSNumber)?.int64Value ?? 0
                    for (column, value) in zip(columns, row).dropFirst() where !(value is NSNull) {
                        out.insert("\(name)|\(tags)|\(time)|\(column)=\(Self.render(value))")
                    }
                }
            }
            return out
        }

        /// A JSON value as text; a boolean reads as a number (1 or 0): its column holds only
        /// booleans, so nothing is lost.
        static func render(_ value: Any) -> String {
            if let s = value as? String { return "s:" + s }
            if let n = value as? NSNumber { return "n:\(n.doubleValue)" }
            return "?"
        }
    }

    /// Points of every field type, tags needing escapes, three shards (weeks apart); enough of
    /// them that 16 KiB cache snapshots leave several TSM files and a WAL tail.
    static func points() -> (lines: [String], expected: Set<String>) {
        var random = SeededRandom(seed: 1606)
        var lines: [String] = [], expected = Set<String>()
        let weeks: [Int64] = [1_600_000_000, 1_600_700_000, 1_601_400_000]
        for i in 0..<6000 {
            let t = (weeks[i % 3] + Int64(i)) * 1_000_000_000
            switch i % 4 {
            case 0, 1:
                let host = ["a", "b c", "d,e", "f=g"][i % 4 + Int(random.next() % 2) * 2]
                let usage = Double(Int(random.next() % 1_000_000)) / 1000
                let count = Int64(bitPattern: random.next() >> 20) - (1 << 42)
                let escaped = host.replacingOccurrences(of: " ", with: "\\ ").replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "=", with: "\\=")
                lines.append("cpu,host=\(escaped),region=eu usage=\(usage),count=\(count)i \(t)")
                expected.insert("cpu|host=\(host),region=eu|\(t)|usage=n:\(usage)")
                expected.insert("cpu|host=\(host),region=eu|\(t)|count=n:\(Double(count))")
            case 2:
                let on = random.next() % 2 == 0
                lines.append("flags,dev=x on=\(on) \(t)")
                expected.insert("flags|dev=x|\(t)|on=n:\(on ? 1.0 : 0.0)")
            default:
                let text = "request \(i) took \(random.next() % 999) ms \"ok\""
                lines.append("logs,app=web msg=\"\(text.replacingOccurrences(of: "\"", with: "\\\""))\" \(t)")
                expected.insert("logs|app=web|\(t)|msg=s:\(text)")
            }
        }
        return (lines, expected)
    }

    /// Writes every point in batches through `writer`, crashes it, opens the directory with
    /// `reader`, and compares what it finds with what was acknowledged.
    static func crossCheck(writer: URL, reader: URL) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-cross-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (lines, expected) = points()
        let first = try await Server.start(writer, dir: dir)
        defer { if first.process.isRunning { first.crash() } }
        #expect(try await first.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        func files(_ sub: String, _ suffix: String) throws -> [String] {
            try FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent(sub).path).filter { $0.hasSuffix(suffix) }
        }
        // Most of the points, then a wait for cache snapshots (16 KiB each; influxd looks once a second),
        // then the rest, which stay in the WAL only.
        let tail = lines.count - 500
        for batch in stride(from: 0, to: tail, by: 500) {
            #expect(try await first.post("/write?db=db0", lines[batch..<(batch + 500)].joined(separator: "\n")).0 == 204)
        }
        for _ in 0..<100 where try files("data", ".tsm").count < 3 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await first.post("/write?db=db0", lines[tail...].joined(separator: "\n")).0 == 204)
        #expect(try await first.contents() == expected)
        first.crash()
        #expect(try files("data", ".tsm").count >= 3)
        #expect(!(try files("wal", ".wal")).isEmpty)

        let second = try await Server.start(reader, dir: dir)
        defer { second.crash() }
        let found = try await second.contents()
        #expect(found.count == expected.count)
        #expect(found.subtracting(expected).isEmpty)
        #expect(expected.subtracting(found).isEmpty)
    }

    @Test(.enabled(if: available))
    func influxdOpensSundialsDirectoryAfterACrash() async throws {
        try await Self.crossCheck(writer: DaemonProcessTests.binary, reader: Self.influxd)
    }

    @Test(.enabled(if: available))
    func sundialOpensInfluxdsDirectoryAfterACrash() async throws {
        try await Self.crossCheck(writer: Self.influxd, reader: DaemonProcessTests.binary)
    }
}
