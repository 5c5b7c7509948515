import Foundation
import SundialTestSupport
import Testing

/// Restarts of the real `sundiald` — clean (SIGTERM) and crashed (`kill -9`) — keep every
/// database, retention policy, user, grant, continuous query, subscription, series and field.
@Suite(.serialized) struct RestartTests {
    static let inspections = [
        "SHOW DATABASES", "SHOW RETENTION POLICIES ON db0", "SHOW RETENTION POLICIES ON db1", "SHOW USERS",
        "SHOW GRANTS FOR reader", "SHOW CONTINUOUS QUERIES", "SHOW SUBSCRIPTIONS", "SHOW SHARDS",
        "SHOW MEASUREMENTS ON db0", "SHOW SERIES ON db0", "SHOW FIELD KEYS ON db0", "SHOW TAG VALUES ON db0 WITH KEY = host",
        "SHOW SERIES ON db1",
    ]

    struct Daemon {
        let process: Process
        let port: Int

        /// A daemon that exits at start most likely lost its port, picked at random, to a
        /// test running beside it (whose server may even have answered the ping): it is
        /// started again on another port (twice at most).
        static func start(in dir: URL) async throws -> Daemon {
            var attempt = 0
            while true {
                attempt += 1
                let port = DaemonProcessTests.freePort()
                let process = Process()
                process.executableURL = DaemonProcessTests.binary
                process.arguments = ["run"]
                process.currentDirectoryURL = dir
                process.environment = DaemonProcessTests.environment.merging(["INFLUXDB_HTTP_BIND_ADDRESS": "127.0.0.1:\(port)",
                                                                                     "INFLUXDB_MONITOR_STORE_ENABLED": "false"]) { $1 }
                process.standardError = FileHandle.nullDevice
                try process.run()
                var status: Int?
                for _ in 0..<100 where status == nil && process.isRunning {
                    try await Task.sleep(for: .milliseconds(100))
                    status = try? await DaemonProcessTests.pingStatus(port: port)
                }
                // Still running a moment after answering: the answer was its own.
                try await Task.sleep(for: .milliseconds(50))
                if !process.isRunning && attempt < 3 { continue }
                #expect(status == 204)
                return Daemon(process: process, port: port)
            }
        }

        /// A daemon on a new, empty temporary directory (named for `label`) with database `db0`.
        static func startFresh(_ label: String) async throws -> Daemon {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-\(label)-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let daemon = try await start(in: dir)
            _ = try await daemon.query("CREATE DATABASE db0")
            return daemon
        }

        /// The bytes of `GET /query` on `db0` for `q`, after any other `parameters` (`name=value`).
        func rawQueryRequest(_ q: String, parameters: [String] = []) -> [UInt8] {
            let text = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let target = "/query?" + (["db=db0"] + parameters + ["q=\(text)"]).joined(separator: "&")
            return RawHTTPClient.encode(method: "GET", target: target, headers: [], body: [], chunked: false, port: port)
        }

        func post(_ target: String, _ body: String, form: Bool) async throws -> (Int, String) {
            let headers = form ? [["Content-Type", "application/x-www-form-urlencoded"]] : []
            let bytes = Array((form ? "q=" + (body.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") : body).utf8)
            let request = RawHTTPClient.encode(method: "POST", target: target, headers: headers, body: bytes, chunked: false, port: port)
            let response = try await RawHTTPClient.send(request, port: port, isHead: false)
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }

        func query(_ q: String) async throws -> String { try await post("/query", q, form: true).1 }

        func snapshot() async throws -> [String] {
            var out: [String] = []
            for q in RestartTests.inspections { out.append(try await query(q)) }
            return out
        }

        func stop(_ signal: Int32) {
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)), arguments: [SIGTERM, SIGKILL])
    func everythingSurvivesARestart(signal: Int32) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-restart-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let first = try await Daemon.start(in: dir)
        defer { if first.process.isRunning { first.stop(SIGKILL) } }
        let setup = [
            "CREATE DATABASE db0", "CREATE DATABASE db1 WITH DURATION 30d NAME month",
            "CREATE RETENTION POLICY short ON db0 DURATION 2h REPLICATION 1 SHARD DURATION 1h",
            "CREATE USER root WITH PASSWORD 'pw' WITH ALL PRIVILEGES", "CREATE USER reader WITH PASSWORD 'r'",
            "GRANT READ ON db0 TO reader",
            "CREATE CONTINUOUS QUERY cq ON db0 BEGIN SELECT mean(v) INTO m_1h FROM m GROUP BY time(1h) END",
            "CREATE SUBSCRIPTION s ON db0.autogen DESTINATIONS ALL 'udp://h:9'",
        ]
        for q in setup { #expect(try await first.query(q) == "{\"results\":[{\"statement_id\":0}]}\n", "\(q)") }
        let lines = [
            "cpu,host=a,region=east usage=1,idle=2i 1000000000000000000",
            "cpu,host=b usage=3 1000000000000000000",
            "mem,host=a free=5i,note=\"x\" 1600000000000000000",
            "disk,host=c ok=true 1600000000000000000",
        ].joined(separator: "\n")
        #expect(try await first.post("/write?db=db0", lines, form: false).0 == 204)
        let now = Int64(Date().timeIntervalSince1970) * 1_000_000_000
        #expect(try await first.post("/write?db=db1", "recent v=1 \(now)", form: false).0 == 204)
        let before = try await first.snapshot()
        #expect(before[9].contains("cpu,host=a,region=east"))
        #expect(before[12].contains("recent"))
        first.stop(signal)

        let second = try await Daemon.start(in: dir)
        defer { if second.process.isRunning { second.stop(SIGKILL) } }
        let after = try await second.snapshot()
        for (i, q) in Self.inspections.enumerated() { #expect(after[i] == before[i], "\(q)") }
        // The users and their passwords came back too.
        let (status, _) = try await second.post("/query?u=reader&p=r", "SHOW DATABASES", form: true)
        #expect(status == 200)
        second.stop(SIGTERM)
    }
}
