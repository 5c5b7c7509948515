import Foundation
import Gzip
import SundialTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Graphite and OpenTSDB inputs side by side with the real influxd 1.6.7: the same
/// sections, the same bytes sent to both (Graphite over TCP and UDP, OpenTSDB telnet and
/// HTTP, gzip and bad points included); both answer alike and end with the same series.
@Suite(.serialized) struct InfluxdInputsTests {
    typealias Server = InfluxdCrossCheckTests.Server

    struct Ports {
        let graphiteTCP = DaemonProcessTests.freePort()
        let graphiteUDP = DaemonProcessTests.freePort()
        let openTSDB = DaemonProcessTests.freePort()

        var config: String {
            """
            [[graphite]]
              enabled = true
              bind-address = "127.0.0.1:\(graphiteTCP)"
              database = "gtcp"
              batch-size = 3
              batch-timeout = "100ms"
              templates = ["*.app.* measurement.role.host", "sys.* measurement.measurement.field", "measurement.host.field region=eu"]
              tags = ["dc=x"]
            [[graphite]]
              enabled = true
              protocol = "udp"
              bind-address = "127.0.0.1:\(graphiteUDP)"
              database = "gudp"
              retention-policy = "keep"
              separator = "_"
              batch-timeout = "100ms"
              templates = ["measurement.measurement.host"]
            [[opentsdb]]
              enabled = true
              bind-address = "127.0.0.1:\(openTSDB)"
              database = "tsdb"
              batch-size = 2
              batch-timeout = "100ms"
            """
        }
    }

    static let graphiteLines = """
        web.app.n1 1.5 1600000000
        sys.cpu.user 12 1600000000
        sys.cpu.idle 88 1600000001.5
        h1.mem.free 1024 1600000002
        h2.mem.free 0x1p10 1600000003
        bad line here with fields
        h3.mem.free NaN 1600000004
        h3.mem.free abc 1600000004
        h3.mem.free 1 3000000000
        only-name
        plain 5 1600000005

        h4.disk.used 7 1600000006
        lost.without.newline 9 1600000007
        """

    static let udpDatagrams = [
        "net.eth0.h1 10 1600000000\nnet.eth0.h2 20 1600000000\n",
        "net.lo.h1 30 1600000001\nbroken\n\nnet.lo.h2 x 1600000001",
    ]

    static let telnet = """
        put sys.load 1600000000 0.5 host=a dc=west
        put sys.load 1600000001 0.75 host=a dc=west junk
        put sys.load 1600000002123 1.25 host=b
        put sys.load 160000000 1 host=c
        put sys.load 1600000003 abc host=c
        put m
        version
        put sys.load 1600000004 2 host=d\r
        put sys.load 1600000005 3 host=e
        """

    static func sendTCP(_ text: String, port: Int) async throws -> [UInt8] {
        let connection = try RawHTTPConnection(port: port)
        try await connection.send(text)
        try await Task.sleep(for: .milliseconds(100))
        connection.finishSending()
        return try await connection.readToEnd()
    }

    static func sendUDP(_ datagram: String, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        let bytes = Array(datagram.utf8)
        _ = DaemonProcessTests.withLoopback(port) { address, length in
            Int32(bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) })
        }
    }

    static func put(_ body: [UInt8], port: Int, method: String = "POST", path: String = "/api/put",
                    headers: [[String]] = []) async throws -> String {
        let request = RawHTTPClient.encode(method: method, target: path, headers: headers, body: body, chunked: false, port: port)
        let response = try await RawHTTPClient.send(request, port: port, isHead: false)
        return "\(response.status) \(String(decoding: response.body, as: UTF8.self))"
    }

    @Test(.enabled(if: InfluxdCrossCheckTests.available))
    func graphiteAndOpenTSDBEndWithTheSameSeries() async throws {
        let dirs = (try InfluxdServicesTests.directory(), try InfluxdServicesTests.directory())
        defer { for d in [dirs.0, dirs.1] { try? FileManager.default.removeItem(at: d) } }
        let ports = (Ports(), Ports())
        let influxd = try await Server.start(InfluxdCrossCheckTests.influxd, dir: dirs.0, extra: ports.0.config)
        defer { influxd.crash() }
        let sundial = try await Server.start(DaemonProcessTests.binary, dir: dirs.1, extra: ports.1.config)
        defer { sundial.crash() }

        var answers: [[String]] = [[], []]
        for (n, (server, p)) in [(influxd, ports.0), (sundial, ports.1)].enumerated() {
            _ = server
            _ = try await Self.sendTCP(Self.graphiteLines, port: p.graphiteTCP)
            for d in Self.udpDatagrams { Self.sendUDP(d, port: p.graphiteUDP) }
            // Telnet first: its first batch creates the database the HTTP writes need.
            answers[n].append(String(decoding: try await Self.sendTCP(Self.telnet, port: p.openTSDB), as: UTF8.self))
            var created = false
            for _ in 0..<100 where !created {
                try await Task.sleep(for: .milliseconds(50))
                created = !(try await server.contents(of: "tsdb", polling: true)).isEmpty
            }
            let array = #"[{"metric":"http.m","timestamp":1600000010,"value":1.5,"tags":{"host":"a"}},"#
                + #"{"Metric":"http.m","timestamp":1600000011000,"value":2,"tags":{"host":"b","empty":""}}]"#
            answers[n].append(try await Self.put(Array(array.utf8), port: p.openTSDB))
            let object = #"{"metric":"http.gz","timestamp":1600000012,"value":-3,"tags":{"k":"v"}}"#
            answers[n].append(try await Self.put(GzipStream.encode(Array(object.utf8)), port: p.openTSDB,
                                                 headers: [["Content-Encoding", "gzip"]]))
            let withBadPoint = #"[{"metric":"http.bad","timestamp":-99999999999,"value":1},{"metric":"http.ok","timestamp":1600000013,"value":4}]"#
            answers[n].append(try await Self.put(Array(withBadPoint.utf8), port: p.openTSDB))
            answers[n].append(try await Self.put(Array("nope".utf8), port: p.openTSDB))
            answers[n].append(try await Self.put(Array(#"[{"metric":"x","timestamp":"1"}]"#.utf8), port: p.openTSDB))
            answers[n].append(try await Self.put(Array("x".utf8), port: p.openTSDB, headers: [["Content-Encoding", "gzip"]]))
            answers[n].append(try await Self.put([], port: p.openTSDB, method: "GET"))
            answers[n].append(try await Self.put([], port: p.openTSDB, path: "/api/metadata/put"))
            answers[n].append(try await Self.put([], port: p.openTSDB, path: "/elsewhere"))
        }
        #expect(answers[0] == answers[1])
        #expect(answers[1].first == "InfluxDB TSDB proxy")

        // Values that reach storage: 7 Graphite TCP lines, 3 UDP ones, 5 telnet puts and 4 JSON points.
        for (db, values) in [("gtcp", 7), ("gudp", 3), ("tsdb", 9)] {
            var expected = Set<String>(), got = Set<String>()
            for _ in 0..<60 {
                expected = try await influxd.contents(of: db, polling: true)
                got = try await sundial.contents(of: db, polling: true)
                if !expected.isEmpty && expected == got { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(expected.count == values, "influxd has \(expected.sorted()) in \(db)")
            #expect(got == expected, "\(db): only influxd \(expected.subtracting(got).sorted()), only sundial \(got.subtracting(expected).sorted())")
        }
        // The UDP section's retention policy was made the database's default, as 1.x does.
        let (_, policies) = try await sundial.post("/query", "SHOW RETENTION POLICIES ON gudp", form: true)
        let (_, expectedPolicies) = try await influxd.post("/query", "SHOW RETENTION POLICIES ON gudp", form: true)
        #expect(String(decoding: policies, as: UTF8.self) == String(decoding: expectedPolicies, as: UTF8.self))
    }
}
