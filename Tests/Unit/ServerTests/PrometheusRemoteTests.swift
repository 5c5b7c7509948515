import Foundation
import SundialTestSupport
import Testing

/// The real Prometheus 2.42 against Sundial and the real influxd 1.6.7 side by side: one
/// Prometheus scrapes itself for a minute and remote-writes every sample to both servers;
/// then two Prometheus servers with nothing but `remote_read` (one per server) answer the same
/// PromQL queries, and the answers must be the same.
@Suite(.serialized) struct PrometheusRemoteTests {
    static let prometheus = URL(fileURLWithPath: "/usr/bin/prometheus")
    static var available: Bool {
        InfluxdCrossCheckTests.available && FileManager.default.isExecutableFile(atPath: prometheus.path)
    }

    /// A running Prometheus with a generated configuration.
    struct Prometheus {
        let process: Process
        let port: Int

        static func start(dir: URL, config: (Int) -> String) async throws -> Prometheus {
            let port = DaemonProcessTests.freePort()
            let home = dir.appendingPathComponent("prometheus-\(port)")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            try ("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n" + config(port))
                .write(to: home.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = PrometheusRemoteTests.prometheus
            process.arguments = ["--config.file=\(home.path)/prometheus.yml", "--storage.tsdb.path=\(home.path)/data",
                                 "--web.listen-address=127.0.0.1:\(port)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let server = Prometheus(process: process, port: port)
            for _ in 0..<200 {
                if let (status, _) = try? await server.get("/-/ready"), status == 200 { return server }
                try await Task.sleep(for: .milliseconds(100))
            }
            server.kill()
            throw RawHTTPClient.Failure(description: "prometheus did not become ready")
        }

        func get(_ target: String) async throws -> (Int, [UInt8]) {
            let response = try await RawHTTPClient.send(
                RawHTTPClient.encode(method: "GET", target: target, headers: [], body: [], chunked: false, port: port), port: port, isHead: false)
            return (response.status, response.body)
        }

        /// A PromQL instant query's `data.result`, as JSON text with sorted keys.
        func query(_ promql: String, at time: Double) async throws -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let q = promql.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            let (status, body) = try await get("/api/v1/query?query=\(q)&time=\(String(format: "%.3f", time))")
            let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            #expect(status == 200, "\(promql): \(String(decoding: body, as: UTF8.self))")
            let result = (json?["data"] as? [String: Any])?["result"] ?? []
            return String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self)
        }

        func stop() {
            process.terminate()  // SIGTERM: Prometheus flushes its remote-write queues first
            process.waitUntilExit()
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test(.enabled(if: available), .timeLimit(.minutes(4)))
    func remoteWriteThenRemoteReadAgreeWithInfluxd() async throws {
        let dir = try InfluxdServicesTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["influxd", "sundial"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let influxd = try await InfluxdCrossCheckTests.Server.start(InfluxdCrossCheckTests.influxd, dir: dir.appendingPathComponent("influxd"))
        defer { influxd.crash() }
        let sundial = try await InfluxdCrossCheckTests.Server.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("sundial"))
        defer { sundial.crash() }
        for server in [influxd, sundial] {
            #expect(try await server.post("/query", "CREATE DATABASE prometheus", form: true).0 == 200)
        }

        // One minute of Prometheus' own metrics, every sample sent to both servers.
        let writer = try await Prometheus.start(dir: dir) { port in
            """
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ['127.0.0.1:\(port)']
            remote_write:
              - url: http://127.0.0.1:\(influxd.port)/api/v1/prom/write?db=prometheus
                queue_config: {batch_send_deadline: 1s}
              - url: http://127.0.0.1:\(sundial.port)/api/v1/prom/write?db=prometheus
                queue_config: {batch_send_deadline: 1s}

            """
        }
        try await Task.sleep(for: .seconds(60))
        writer.stop()
        let end = Date().timeIntervalSince1970

        func reader(_ server: InfluxdCrossCheckTests.Server) async throws -> Prometheus {
            try await Prometheus.start(dir: dir) { _ in
                """
                remote_read:
                  - url: http://127.0.0.1:\(server.port)/api/v1/prom/read?db=prometheus
                    read_recent: true

                """
            }
        }
        let fromInfluxd = try await reader(influxd)
        defer { fromInfluxd.kill() }
        let fromSundial = try await reader(sundial)
        defer { fromSundial.kill() }

        let queries = [
            "count_over_time(up[5m])",
            "count({__name__=~\"prometheus_tsdb_head_.+\"})",
            "count({__name__=~\"prometheus_http_.+\"})",
            // The readiness probe's requests: handler="/-/ready".
            "sum by (handler) (count_over_time(prometheus_http_requests_total{handler!=\"/metrics\"}[5m]))",
            "count_over_time(up{job!~\"node.*\", instance=~\"127.0.0.1:.*\"}[2m])",
            "max_over_time(prometheus_tsdb_head_series[5m])",
            "rate(prometheus_http_requests_total{handler=\"/metrics\"}[1m])",
        ]
        for q in queries {
            let (a, b) = (try await fromInfluxd.query(q, at: end), try await fromSundial.query(q, at: end))
            #expect(a == b, "\(q): influxd \(a) vs Sundial \(b)")
            #expect(a != "[]", "\(q): no data")
        }
        // A minute of 1 s scrapes: about 60 samples of `up`.
        let up = try await fromSundial.query("count_over_time(up[5m])", at: end)
        let count = try #require(((try JSONSerialization.jsonObject(with: Data(up.utf8)) as? [[String: Any]])?.first?["value"] as? [Any])?.last as? String)
        #expect((Int(count) ?? 0) >= 50, "up samples: \(count)")
    }
}
