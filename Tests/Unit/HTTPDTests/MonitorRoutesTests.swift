import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LineProtocol
import Meta
import Monitor
import NIOCore
import Query
import Testing
import TSDB
@testable import HTTPD

/// `/debug/vars` and `/metrics` over a monitor whose statistics are known.
@Suite struct MonitorRoutesTests {
    /// Statistics shaped like 1.x's: a shard (path and id), an input (proto and bind), a
    /// subscription destination (database, policy, name, destination), an untagged one.
    struct Fixed: StatisticsReporter {
        func statistics(tags: [String: String]) -> [Statistic] {
            [
                Statistic(name: "queryExecutor", values: ["queriesActive": 1, "queryDurationNs": 25]),
                Statistic(name: "shard", tags: ["path": "/d/db/rp/3", "id": "3", "database": "db"], values: ["writeReq": 7]),
                Statistic(name: "graphite", tags: ["proto": "tcp", "bind": ":2003"], values: ["pointsRx": 2]),
                Statistic(name: "subscriber", tags: ["database": "db", "retention_policy": "rp", "name": "s", "mode": "ANY",
                                                     "destination": "udp://h:1"], values: ["pointsWritten": 4]),
                Statistic(name: "database", tags: ["database": "a\"b<"], values: ["numSeries": .float(1.5)]),
            ].map { $0.adding(tags: tags) }
        }
    }

    static func handler() -> Handler {
        let monitor = Monitor(build: BuildInfo(version: "test"))
        monitor.register(Fixed())
        return Handler(config: HTTPDConfig(), version: "test", catalog: FixedCatalog(names: []), pointsWriter: RecordingWriter(),
                       monitor: monitor)
    }

    static func get(_ handler: Handler, _ path: String) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        let app = Application(responder: CallbackResponder<BasicRequestContext> { request, _ in await handler.respond(to: request) })
        return try await app.test(.router) { client in
            return try await client.execute(uri: path, method: .get) { response in
                (response.status, response.headers, String(buffer: response.body))
            }
        }
    }

    /// 1.x's key for each statistic (handler.go's "very hackily create a unique key").
    @Test(arguments: [
        (Statistic(name: "shard", tags: ["path": "/p", "id": "9", "bind": "x"]), "shard:/p:9"),
        (Statistic(name: "tsm1_wal", tags: ["path": "/p"]), "tsm1_wal:/p"),
        (Statistic(name: "graphite", tags: ["proto": "udp", "bind": ":2003"]), "graphite:udp::2003"),
        (Statistic(name: "httpd", tags: ["bind": ":8086"]), "httpd::8086"),
        (Statistic(name: "database", tags: ["database": "db"]), "database:db"),
        (Statistic(name: "subscriber", tags: ["database": "db", "retention_policy": "rp", "name": "s", "destination": "http://h"]),
         "subscriber:db:rp:s:http://h"),
        (Statistic(name: "subscriber", tags: ["database": "db", "name": "s"]), "subscriber:db"),
        (Statistic(name: "write"), "write"),
    ])
    func expvarKeys(statistic: Statistic, key: String) {
        #expect(Handler.expvarKey(statistic) == key)
    }

    @Test func debugVarsIsOneEntryPerLineAs1x() async throws {
        let (status, headers, body) = try await Self.get(Self.handler(), "/debug/vars")
        #expect(status == .ok)
        #expect(headers[.contentType] == "application/json; charset=utf-8")
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "{")
        #expect(Array(lines.suffix(2)) == ["}", ""])
        #expect(lines[1].hasPrefix("\"system\": {\"currentTime\":\"") && lines[1].hasSuffix(","))
        #expect(lines[2].hasPrefix("\"cmdline\": [") && lines[2].hasSuffix("],"))
        // The entries after memstats (absent: no jemalloc in the test process, so it is
        // written only when runtime has heap figures) — runtime first, then the reporter's.
        let entries = lines.dropFirst(3).dropLast(2).filter { !$0.hasPrefix("\"memstats\"") }
        #expect(entries.first?.hasPrefix("\"runtime\": {\"name\":\"runtime\",\"tags\":{},\"values\":{") == true)
        #expect(Array(entries.dropFirst()) == [
            "\"queryExecutor\": {\"name\":\"queryExecutor\",\"tags\":null,\"values\":{\"queriesActive\":1,\"queryDurationNs\":25}},",
            "\"shard:/d/db/rp/3:3\": {\"name\":\"shard\",\"tags\":{\"database\":\"db\",\"id\":\"3\",\"path\":\"/d/db/rp/3\"},\"values\":{\"writeReq\":7}},",
            "\"graphite:tcp::2003\": {\"name\":\"graphite\",\"tags\":{\"bind\":\":2003\",\"proto\":\"tcp\"},\"values\":{\"pointsRx\":2}},",
            "\"subscriber:db:rp:s:udp://h:1\": {\"name\":\"subscriber\",\"tags\":{\"database\":\"db\",\"destination\":\"udp://h:1\",\"mode\":\"ANY\",\"name\":\"s\",\"retention_policy\":\"rp\"},\"values\":{\"pointsWritten\":4}},",
            // Go's %q for the key, Go's JSON (HTML characters escaped) for the value.
            "\"database:a\\\"b<\": {\"name\":\"database\",\"tags\":{\"database\":\"a\\\"b\\u003c\"},\"values\":{\"numSeries\":1.5}}",
        ])
        // The whole page is JSON.
        #expect(try JSONSerialization.jsonObject(with: Data(body.utf8)) is [String: Any])
    }

    @Test func metricsExportEveryStatistic() async throws {
        let (status, headers, body) = try await Self.get(Self.handler(), "/metrics")
        #expect(status == .ok)
        #expect(headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        let lines = Set(body.split(separator: "\n").map(String.init))
        for line in [
            "# TYPE influxdb_shard_writeReq untyped",
            "influxdb_shard_writeReq{database=\"db\",id=\"3\",path=\"/d/db/rp/3\"} 7",
            "influxdb_graphite_pointsRx{bind=\":2003\",proto=\"tcp\"} 2",
            "influxdb_queryExecutor_queriesActive 1",
            "influxdb_database_numSeries{database=\"a\\\"b<\"} 1.5",
        ] {
            #expect(lines.contains(line), "\(line) in \(body)")
        }
        // One TYPE line per family, before its samples.
        let types = body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(types.count == Set(types).count)
    }

    /// A chunked query is still active while its results stream: SHOW STATS run that way sees
    /// itself in `reqActive`, as in 1.x; its time counts once it is written.
    @Test func streamedQueryIsActiveWhileItStreams() async throws {
        let meta = MetaClient()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-monitor-routes-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = Store(dataDir: dir + "/data", walDir: dir + "/wal")
        let monitor = Monitor(build: BuildInfo(version: "test"))
        let executor = QueryExecutor(meta: meta, store: store, monitor: monitor)
        let handler = Handler(config: HTTPDConfig(), version: "test", catalog: FixedCatalog(names: []), pointsWriter: RecordingWriter(),
                              queryExecutor: executor, monitor: monitor)
        monitor.register(handler)
        let (status, _, body) = try await Self.get(handler, "/query?chunked=true&q=SHOW+STATS+FOR+%27httpd%27")
        #expect(status == .ok)
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let series = ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]])?.first
        let columns = series?["columns"] as? [String] ?? []
        let row = (series?["values"] as? [[Any]])?.first ?? []
        let active = columns.firstIndex(of: "reqActive").flatMap { (row[$0] as? NSNumber)?.intValue }
        #expect(active == 1)
        let values = try #require(handler.statistics(tags: [:]).first).values
        #expect(values["reqActive"] == 0)
        #expect(values["queryReqDurationNs"] != 0)
    }

    /// The handler's own `httpd` statistic counts what it served.
    @Test func httpdStatisticCounts() async throws {
        let handler = Self.handler()
        _ = try await Self.get(handler, "/ping")
        _ = try await Self.get(handler, "/nowhere")
        let values = try #require(handler.statistics(tags: [:]).first).values
        #expect(values["req"] == 2)
        #expect(values["pingReq"] == 1)
        #expect(values["clientError"] == 1)
        #expect(values["reqActive"] == 0)
        #expect(Set(values.keys) == [
            "req", "queryReq", "writeReq", "pingReq", "statusReq", "writeReqBytes", "queryRespBytes", "pointsWrittenOK",
            "pointsWrittenDropped", "pointsWrittenFail", "authFail", "reqDurationNs", "queryReqDurationNs", "writeReqDurationNs",
            "reqActive", "writeReqActive", "clientError", "serverError", "recoveredPanics", "promWriteReq", "promReadReq",
        ])
    }
}
