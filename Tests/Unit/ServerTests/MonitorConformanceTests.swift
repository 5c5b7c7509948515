import Foundation
import SundialTestSupport
import Testing

/// The real daemon's self-monitoring against what influxd 1.6.7 recorded with the same
/// components enabled (`tools/golden/record-monitor.py` → `Tests/Golden/monitor`): the same
/// `_internal` measurements, tag keys and field keys (all integers), the same `monitor`
/// policy, the same SHOW STATS series and columns in 1.x's order, the same SHOW DIAGNOSTICS
/// tables, and `/debug/vars` keyed as 1.x keys it. What Sundial cannot have is listed here
/// and in `Spec/monitor.md`.
@Suite(.serialized) struct MonitorConformanceTests {
    typealias Server = InfluxdCrossCheckTests.Server

    static let typesDB = "/usr/share/collectd/types.db"
    static var available: Bool {
        FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path) && FileManager.default.fileExists(atPath: typesDB)
    }

    /// Go runtime figures with no equivalent in a Swift process without a garbage collector
    /// (`TotalAlloc`: jemalloc keeps no running byte total; `Lookups`: Go's pointer lookups;
    /// `PauseTotalNs`, `NumGC`: collections), and what Sundial adds (`RSS`).
    static let absentFields: [String: Set<String>] = ["runtime": ["TotalAlloc", "Lookups", "PauseTotalNs", "NumGC"]]
    static let addedFields: [String: Set<String>] = ["runtime": ["RSS"]]
    /// SHOW DIAGNOSTICS tables: Debian's 1.6.7 renames `config`'s `reporting-disabled` to
    /// `reporting-enabled` (Sundial shows upstream's); the Graphite TCP connection table
    /// (`graphite:tcp:<bind>`, a row per open connection) is not kept.
    static let diagnosticsNotCompared: Set<String> = ["config"]

    static func golden(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/monitor/\(name)")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The series of a one-statement answer.
    static func series(_ server: Server, _ q: String) async throws -> [[String: Any]] {
        let (status, body) = try await server.post("/query?epoch=ns", q, form: true)
        #expect(status == 200, "\(q): \(String(decoding: body, as: UTF8.self))")
        let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        return ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
    }

    /// The first column of every row of a one-series answer.
    static func firstColumn(_ server: Server, _ q: String) async throws -> [String] {
        try await series(server, q).flatMap { ($0["values"] as? [[Any]] ?? []).compactMap { $0.first as? String } }
    }

    static func inputs(_ ports: [Int]) -> String {
        """
        [[graphite]]
          enabled = true
          bind-address = "127.0.0.1:\(ports[0])"
          batch-timeout = "100ms"
        [[collectd]]
          enabled = true
          bind-address = "127.0.0.1:\(ports[1])"
          typesdb = "\(typesDB)"
          security-level = "none"
          parse-multivalue-plugin = "split"
          batch-timeout = "100ms"
        [[opentsdb]]
          enabled = true
          bind-address = "127.0.0.1:\(ports[2])"
          batch-timeout = "100ms"
        [[udp]]
          enabled = true
          bind-address = "127.0.0.1:\(ports[3])"
          batch-timeout = "100ms"
        """
    }

    @Test(.enabled(if: available))
    func selfMonitoringMatchesInfluxd() async throws {
        let dir = try InfluxdServicesTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ports = (0..<4).map { _ in DaemonProcessTests.freePort() }
        let server = try await Server.start(DaemonProcessTests.binary, dir: dir, continuousQueries: true,
                                            monitor: "store-enabled = true\n  store-interval = \"1s\"", extra: Self.inputs(ports))
        defer { server.crash() }
        for statement in ["CREATE DATABASE db1", "CREATE DATABASE db2",
                          "CREATE SUBSCRIPTION sub0 ON db1.autogen DESTINATIONS ALL 'udp://127.0.0.1:\(DaemonProcessTests.freePort())'",
                          "CREATE CONTINUOUS QUERY cq1 ON db1 BEGIN SELECT count(v) INTO c FROM m GROUP BY time(1s) END"] {
            #expect(try await server.post("/query", statement, form: true).0 == 200)
        }
        let now = Int64(Date().timeIntervalSince1970) * 1_000_000_000
        for db in ["db1", "db2"] {
            #expect(try await server.post("/write?db=\(db)", "m,h=a v=1 \(now)\nm,h=b v=2 \(now)").0 == 204)
        }

        let recordedInternal = try Self.golden("internal-1.6.7.json")
        let measurements = try #require(recordedInternal["measurements"] as? [String: [String: Any]])
        var stored: [String] = []
        for _ in 0..<100 {
            stored = try await Self.firstColumn(server, "SHOW MEASUREMENTS ON _internal")
            if Set(stored) == Set(measurements.keys) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(Set(stored) == Set(measurements.keys))

        // The `monitor` policy as 1.x creates it.
        let policies = try await Self.series(server, "SHOW RETENTION POLICIES ON _internal").first?["values"] as? [[Any]]
        let expectedPolicies = (recordedInternal["retentionPolicies"] as? [String: Any])?["values"] as? [[Any]]
        #expect(policies.map { "\($0)" } == expectedPolicies.map { "\($0)" })

        for (name, recorded) in measurements.sorted(by: { $0.key < $1.key }) {
            let tagKeys = try await Self.firstColumn(server, "SHOW TAG KEYS ON _internal FROM \"\(name)\"")
            #expect(tagKeys == recorded["tagKeys"] as? [String], "tag keys of \(name)")
            let fields = try await Self.series(server, "SHOW FIELD KEYS ON _internal FROM \"\(name)\"").first?["values"] as? [[String]] ?? []
            let recordedFields = recorded["fieldKeys"] as? [[String]] ?? []
            let expected = Set(recordedFields.map { $0[0] }).subtracting(Self.absentFields[name] ?? []).union(Self.addedFields[name] ?? [])
            #expect(Set(fields.map { $0[0] }) == expected, "field keys of \(name)")
            #expect(fields.allSatisfy { $0[1] == "integer" }, "field types of \(name): \(fields)")
        }

        // Stored at the interval's boundaries, one point per statistic per tick.
        let times = try await Self.series(server, "SELECT queriesExecuted FROM _internal.monitor.queryExecutor").first?["values"] as? [[Any]] ?? []
        let stamps = times.compactMap { ($0.first as? NSNumber)?.int64Value }
        #expect(stamps.count >= 2)
        #expect(stamps.allSatisfy { $0 % 1_000_000_000 == 0 }, "\(stamps)")
        #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $1 > $0 }, "\(stamps)")

        try await compareStats(server)
        try await compareDiagnostics(server)
        try await compareDebugVars(server, data: dir.path + "/data")
    }

    /// SHOW STATS: the statistics in 1.x's order, each with 1.x's tag keys and columns.
    func compareStats(_ server: Server) async throws {
        let answers = try #require(try Self.golden("show-stats-1.6.7.json")["answers"] as? [[String: Any]])
        let body = try #require(answers.first { $0["query"] as? String == "SHOW STATS" }?["body"] as? [String: Any])
        let recorded = ((body["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
        let ours = try await Self.series(server, "SHOW STATS")
        // Names by first appearance: runtime, queryExecutor, database, shard, tsm1_*, write, …
        func order(_ series: [[String: Any]]) -> [String] {
            series.compactMap { $0["name"] as? String }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        }
        #expect(order(ours) == order(recorded))
        func shapes(_ series: [[String: Any]]) -> [String: Set<String>] {
            var out: [String: Set<String>] = [:]
            for s in series {
                let name = s["name"] as? String ?? ""
                var columns = Set(s["columns"] as? [String] ?? [])
                columns.subtract(Self.absentFields[name] ?? [])
                columns.formUnion(Self.addedFields[name] ?? [])
                let tags = (s["tags"] as? [String: String] ?? [:]).keys.sorted().joined(separator: ",")
                out[name, default: []].insert(tags + " | " + columns.sorted().joined(separator: ","))
            }
            return out
        }
        #expect(shapes(ours) == shapes(recorded))
        // Columns sorted, as 1.x sorts them.
        for s in ours { #expect((s["columns"] as? [String]) == (s["columns"] as? [String])?.sorted()) }
        #expect(try await Self.series(server, "SHOW STATS FOR 'nosuch'").isEmpty)
        #expect(try await Self.series(server, "SHOW STATS FOR 'httpd'").map { $0["name"] as? String } == ["httpd"])
    }

    /// SHOW DIAGNOSTICS: the same tables, sorted by name, with the same columns.
    func compareDiagnostics(_ server: Server) async throws {
        let answers = try #require(try Self.golden("show-diagnostics-1.6.7.json")["answers"] as? [[String: Any]])
        let body = try #require(answers.first { $0["query"] as? String == "SHOW DIAGNOSTICS" }?["body"] as? [String: Any])
        let recorded = ((body["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
        let ours = try await Self.series(server, "SHOW DIAGNOSTICS")
        func tables(_ series: [[String: Any]]) -> [String: [String]] {
            var out: [String: [String]] = [:]
            for s in series {
                guard let name = s["name"] as? String, !name.hasPrefix("graphite:"), !Self.diagnosticsNotCompared.contains(name) else { continue }
                out[name] = s["columns"] as? [String]
            }
            return out
        }
        #expect(tables(ours) == tables(recorded))
        let names = ours.compactMap { $0["name"] as? String }
        #expect(names == names.sorted())
        let config = ours.first { $0["name"] as? String == "config" }
        #expect(config?["columns"] as? [String] == ["bind-address", "reporting-disabled"])
        // Values as 1.x prints them: durations as Go's text, sizes as numbers.
        let data = ours.first { $0["name"] as? String == "config-data" }
        let row = (data?["values"] as? [[Any]])?.first ?? []
        let columns = data?["columns"] as? [String] ?? []
        let value = { (column: String) -> Any? in columns.firstIndex(of: column).map { row[$0] } }
        #expect(value("cache-snapshot-write-cold-duration") as? String == "10m0s")
        #expect((value("cache-max-memory-size") as? NSNumber)?.int64Value == 1 << 30)
        let system = ours.first { $0["name"] as? String == "system" }
        #expect(system?["columns"] as? [String] == ["PID", "currentTime", "started", "uptime"])
        #expect(try await Self.series(server, "SHOW DIAGNOSTICS FOR 'nosuch'").isEmpty)
    }

    /// `/debug/vars`: system, cmdline and memstats first, then a key per statistic as 1.x
    /// builds it, each `{"name","tags","values"}`.
    func compareDebugVars(_ server: Server, data: String) async throws {
        let recorded = try Self.golden("debug-vars-1.6.7.json")
        let response = try await RawHTTPClient.send(RawHTTPClient.encode(method: "GET", target: "/debug/vars", headers: [], body: [],
                                                                         chunked: false, port: server.port), port: server.port, isHead: false)
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.hasPrefix("{\n\"system\": {\"currentTime\":\""))
        #expect(text.hasSuffix("\n}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        // The keys in the order written (JSONSerialization forgets it): each entry starts a line.
        let keys = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("\""), let end = line.dropFirst().firstIndex(of: "\"") else { return nil }
            return String(line[line.index(after: line.startIndex)..<end])
        }
        func kinds(_ keys: [String]) -> [String] {
            // The key without its path, bind or database: the shape of the page.
            keys.map { String($0.prefix { $0 != ":" }) }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        }
        let recordedKeys = recorded["topLevelKeys"] as? [String] ?? []
        #expect(Array(keys.prefix(3)) == ["system", "cmdline", "memstats"])
        #expect(Set(kinds(keys)) == Set(kinds(recordedKeys)))
        #expect(keys.contains("database:db1"))
        #expect(keys.contains { $0.hasPrefix("shard:\(data)/db1/autogen/") })
        #expect(keys.contains { $0.hasPrefix("subscriber:db1:autogen:sub0:udp://") })
        #expect(keys.contains("httpd:127.0.0.1:\(server.port)"))
        let httpd = object["httpd:127.0.0.1:\(server.port)"] as? [String: Any]
        #expect(httpd?["name"] as? String == "httpd")
        #expect((httpd?["values"] as? [String: Any])?["req"] != nil)
        #expect(object["queryExecutor"].map { ($0 as? [String: Any])?["tags"] is NSNull } == true)
    }
}
