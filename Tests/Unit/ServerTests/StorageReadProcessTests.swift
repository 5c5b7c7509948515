import Foundation
import Storage
import SundialTestSupport
import SwiftProtobuf
import Testing

/// 1.6's storage read service (`[ifql]`) side by side: the real influxd 1.6.7 and Sundial get
/// the same writes, then the same Read requests over yarpc; every response message must be
/// byte for byte the same (frames, their order, and where 1.6 splits them into messages).
@Suite(.serialized) struct StorageReadProcessTests {
    typealias Server = InfluxdCrossCheckTests.Server
    typealias Node = StoragePredicateNode

    /// Two shard groups (a week apart), series with 1 to 2,600 points, float, integer and
    /// string fields, a measurement without the `region` tag, one of 90 series. Half an hour of 1 s points on
    /// host 0 makes messages pass 64 KiB and frames pass 1,000 points in both shards.
    static let lines: [String] = {
        var out: [String] = []
        let week0: Int64 = 1_600_000_000_000_000_000, week1 = week0 + 7 * 86_400 * 1_000_000_000
        for i in 0..<1300 {
            for (w, base) in [week0, week1].enumerated() {
                let t = base + Int64(i) * 1_000_000_000
                out.append("cpu,host=h0,region=eu usage=\(Double(i % 100) + 0.5),n=\(i * (w + 1))i \(t)")
                if i % 50 == 0 {
                    for h in 1..<6 {
                        out.append("cpu,host=h\(h),region=\(h % 2 == 0 ? "eu" : "us") usage=\(Double((i + h * 7) % 100)),n=\(h)i,note=\"n\(h)\" \(t)")
                    }
                    out.append("disk,host=h\(i % 3),path=/d\(i % 2) free=\(Double(i) * 1.5) \(t)")
                }
                if i % 100 == 0 {
                    // Enough rows for Go's sort to pick ninther pivots and partition equal keys.
                    for k in 0..<90 { out.append("mem,g=\(k % 4),k=\(k) used=\(k)i \(t)") }
                }
            }
        }
        return out
    }()

    static func write(_ server: Server) async throws {
        #expect(try await server.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        for batch in stride(from: 0, to: lines.count, by: 1000) {
            let end = min(batch + 1000, lines.count)
            let (status, body) = try await server.post("/write?db=db0", lines[batch..<end].joined(separator: "\n"))
            #expect(status == 204, "\(String(decoding: body, as: UTF8.self))")
        }
    }

    // MARK: Requests

    static func tag(_ name: String) -> Node { var n = Node(); n.nodeType = .tagRef; n.tagRefValue = name; return n }
    static func string(_ s: String) -> Node { var n = Node(); n.nodeType = .literal; n.stringValue = s; return n }
    static func regex(_ s: String) -> Node { var n = Node(); n.nodeType = .literal; n.regexValue = s; return n }
    static func number(_ v: Double) -> Node { var n = Node(); n.nodeType = .literal; n.floatValue = v; return n }
    static func integer(_ v: Int64) -> Node { var n = Node(); n.nodeType = .literal; n.intValue = v; return n }
    static var field: Node { var n = Node(); n.nodeType = .fieldRef; n.fieldRefValue = "$"; return n }
    static func compare(_ l: Node, _ op: Node.Comparison, _ r: Node) -> Node {
        var n = Node(); n.nodeType = .comparisonExpression; n.comparison = op; n.children = [l, r]; return n
    }
    static func and(_ c: Node...) -> Node { var n = Node(); n.nodeType = .logicalExpression; n.logical = .and; n.children = c; return n }
    static func or(_ c: Node...) -> Node { var n = Node(); n.nodeType = .logicalExpression; n.logical = .or; n.children = c; return n }
    static func paren(_ c: Node) -> Node { var n = Node(); n.nodeType = .parenExpression; n.children = [c]; return n }

    static func request(_ db: String = "db0", start: Int64 = 0, end: Int64 = 0, desc: Bool = false,
                        group: StorageReadRequest.Group = .all, keys: [String] = [], predicate: Node? = nil,
                        seriesLimit: Int64 = 0, seriesOffset: Int64 = 0, pointsLimit: Int64 = 0,
                        aggregate: StorageAggregate.AggregateType? = nil, hints: UInt32 = 0) -> StorageReadRequest {
        var r = StorageReadRequest()
        r.database = db
        r.timestampRange.start = start
        r.timestampRange.end = end
        r.descending = desc
        r.group = group
        r.groupKeys = keys
        if let predicate { r.predicate.root = predicate }
        r.seriesLimit = seriesLimit
        r.seriesOffset = seriesOffset
        r.pointsLimit = pointsLimit
        if let aggregate { r.aggregate.type = aggregate }
        r.hints = hints
        return r
    }

    static let cpu = compare(tag("_measurement"), .equal, string("cpu"))
    static let mid: Int64 = 1_600_000_000_000_000_000 + 600_000_000_000

    /// Every predicate form, grouping, hint, limit and aggregate 1.6 serves, and requests it
    /// refuses (those end with no message).
    static let requests: [(String, StorageReadRequest)] = [
        ("all", request()),
        ("db/rp", request("db0/autogen")),
        ("measurement", request(predicate: cpu)),
        ("tag equal", request(predicate: compare(tag("host"), .equal, string("h1")))),
        ("tag not equal", request(predicate: and(cpu, compare(tag("host"), .notEqual, string("h0"))))),
        ("tag regex", request(predicate: compare(tag("host"), .regex, regex("h[12]")))),
        ("tag not regex", request(predicate: and(cpu, compare(tag("host"), .notRegex, regex("^h0$"))))),
        ("missing tag", request(predicate: and(compare(tag("_measurement"), .equal, string("disk")), compare(tag("region"), .equal, string(""))))),
        ("or measurements", request(predicate: or(cpu, compare(tag("_measurement"), .equal, string("disk"))))),
        ("paren or", request(predicate: and(paren(or(compare(tag("host"), .equal, string("h1")), compare(tag("host"), .equal, string("h2")))), cpu))),
        ("field key", request(predicate: compare(tag("_field"), .equal, string("usage")))),
        ("field key not", request(predicate: and(cpu, compare(tag("_field"), .notEqual, string("usage"))))),
        ("value", request(predicate: compare(field, .gt, number(90)))),
        ("value integer", request(predicate: and(compare(tag("_field"), .equal, string("n")), compare(field, .lte, integer(3))))),
        ("value and tag", request(predicate: and(compare(field, .gt, number(50)), compare(tag("host"), .equal, string("h1"))))),
        ("value or", request(predicate: and(cpu, paren(or(compare(field, .lt, number(5)), compare(field, .gt, number(95))))))),
        ("value string", request(predicate: compare(field, .equal, string("n3")))),
        ("descending", request(desc: true)),
        ("range", request(start: mid, end: mid + 200_000_000_000)),
        ("range descending", request(start: mid, end: mid + 8 * 86_400_000_000_000, desc: true)),
        ("points limit", request(pointsLimit: 10)),
        ("series limit", request(seriesLimit: 3, seriesOffset: 2)),
        ("series offset only", request(seriesOffset: 2)),
        ("count", request(aggregate: .count)),
        ("sum", request(aggregate: .sum)),
        ("sum descending", request(desc: true, aggregate: .sum)),
        ("no points", request(hints: 1)),
        ("no series", request(hints: 2)),
        ("group none", request(group: .none)),
        ("group none predicate", request(group: .none, predicate: compare(tag("_measurement"), .equal, string("disk")))),
        ("group none no points", request(group: .none, hints: 1)),
        ("group none schema", request(group: .none, hints: 4)),
        ("group none no series", request(group: .none, hints: 2)),
        ("group by no series", request(group: .by, keys: ["host"], hints: 2)),
        ("group by no points", request(group: .by, keys: ["host"], hints: 1)),
        ("group by host", request(group: .by, keys: ["host"])),
        ("group by region host", request(group: .by, keys: ["region", "host"])),
        ("group by field", request(group: .by, keys: ["_field"])),
        ("group by measurement count", request(group: .by, keys: ["_measurement"], aggregate: .count)),
        ("group by schema", request(group: .by, keys: ["path"], hints: 4)),
        ("group by many rows", request(group: .by, keys: ["g"])),
        ("group by many rows, one measurement", request(group: .by, keys: ["g"], predicate: compare(tag("_measurement"), .equal, string("mem")))),
        ("group by two keys, many rows", request(group: .by, keys: ["g", "host"], hints: 1)),
        ("group by range", request(start: mid, end: mid + 60_000_000_000, group: .by, keys: ["host"])),
        ("error: group by without keys", request(group: .by)),
        ("error: keys without group by", request(keys: ["host"])),
        ("error: no database", request("nodb")),
        ("error: no policy", request("db0/nope")),
        ("error: group with limit", request(group: .none, seriesLimit: 2)),
        ("error: no shard in range", request(start: 1, end: 2)),
        ("error: group none, no shard in range", request(start: 1, end: 2, group: .none)),
        ("error: bad regex", request(predicate: compare(tag("host"), .regex, regex("(")))),
        ("error: starts with", request(predicate: compare(tag("host"), .startsWith, string("h")))),
    ]

    /// Requests 1.6.7 crashes on (a Go panic ends influxd): sent to Sundial alone, which
    /// answers as 1.6's code would have without the crash. The index names no measurement
    /// for `host !~ /^h0$/` (every one has a series with host h0), so no field is
    /// found and the series cursor indexes an empty field list; a tag compared with `>` makes
    /// the series cursor fail, and closing the nil cursor panics.
    static let crashingInfluxd: [(String, StorageReadRequest, messages: Int)] = [
        ("tag not regex, all measurements", request(predicate: compare(tag("host"), .notRegex, regex("^h0$"))), 0),
        ("missing tag, all measurements", request(predicate: compare(tag("region"), .equal, string(""))), 0),
        ("tag operator", request(predicate: compare(tag("host"), .gt, string("h"))), 0),
    ]

    static func read(_ client: YARPCClient, _ request: StorageReadRequest) async throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for try await message in try await client.stream(service: 0, method: 0, request: try request.serializedBytes()) {
            out.append(message)
        }
        return out
    }

    /// The end of the servers' logs, for failure messages.
    static func stderr(_ dir: URL) -> String {
        let files = FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []
        return files.filter { $0.contains("stderr") }.map { (try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) ?? "" }
            .map { String($0.suffix(1500)) }.joined(separator: "\n---\n")
    }

    /// A message's frames in text, for failure messages.
    static func describe(_ messages: [[UInt8]]) -> String {
        messages.enumerated().map { i, m in
            let frames = (try? StorageReadResponse(serializedBytes: m).frames) ?? []
            return "message \(i) (\(m.count) bytes): " + frames.map { f -> String in
                switch f.data {
                case .group(let g)?: "group(\(g.tagKeys.map { String(decoding: $0, as: UTF8.self) }) \(g.partitionKeyVals.map { String(decoding: $0, as: UTF8.self) }))"
                case .series(let s)?: "series(\(s.tags.map { String(decoding: $0.key, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self) }) \(s.dataType))"
                case .floatPoints(let p)?: "float(\(p.timestamps.count))"
                case .integerPoints(let p)?: "integer(\(p.timestamps.count))"
                case .stringPoints(let p)?: "string(\(p.timestamps.count))"
                default: "other"
                }
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    @Test(.enabled(if: InfluxdCrossCheckTests.available), arguments: ["inmem", "tsi1"])
    func readsAsInfluxd(index: String) async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var servers: [(Server, Int)] = []
        defer { for (s, _) in servers where s.process.isRunning { s.crash() } }
        for binary in [InfluxdCrossCheckTests.influxd, DaemonProcessTests.binary] {
            let sub = dir.appendingPathComponent(binary.lastPathComponent)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            let ifqlPort = DaemonProcessTests.freePort()
            let server = try await Server.start(binary, dir: sub, data: ["index-version = \"\(index)\""], extra: "[ifql]\n  enabled = true\n  log-enabled = false\n  bind-address = \"127.0.0.1:\(ifqlPort)\"")
            servers.append((server, ifqlPort))
            try await Self.write(server)
        }
        var clients: [YARPCClient] = []
        for (_, port) in servers { clients.append(try await YARPCClient.connect(host: "127.0.0.1", port: port)) }
        defer { for c in clients { c.close() } }

        for (name, request) in Self.requests {
            let expected = try await Self.read(clients[0], request)
            let got = try await Self.read(clients[1], request)
            if name.hasPrefix("error") || name == "series offset only" || name == "no series" {
                #expect(expected.isEmpty, "\(name): influxd sent \(expected.count) messages")
            } else {
                #expect(!expected.isEmpty, "\(name): influxd sent nothing")
            }
            #expect(got == expected, "\(name)\ninfluxd:\n\(Self.describe(expected))\nsundial:\n\(Self.describe(got))")
            // A panic may end influxd just after the stream closed.
            try await Task.sleep(for: .milliseconds(20))
            #expect(servers[0].0.process.isRunning, "influxd stopped at \(name)")
        }
        for (name, request, count) in Self.crashingInfluxd {
            #expect(try await Self.read(clients[1], request).count == count, "\(name)")
        }
        // Both still serve: no request crashed either.
        for (server, _) in servers {
            #expect(server.process.isRunning, "\(server.process.executableURL?.lastPathComponent ?? ""): \(Self.stderr(dir))")
        }
    }

    // MARK: Goldens recorded from influxd

    /// `Tests/Golden/storage/reads.json`: every request of ``requests`` with the messages
    /// influxd 1.6.7 answered, base64 (recorded by `SUNDIAL_RECORD_STORAGE_GOLDENS=1 swift test
    /// --filter StorageReadProcessTests/recordGoldens`). Replayed against Sundial alone, so the
    /// check runs where influxd is not installed.
    static let goldenFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Golden/storage/reads.json")

    struct Golden: Codable {
        var name: String
        var request: String
        var messages: [String]
    }

    static func start(_ binary: URL, in dir: URL) async throws -> (Server, YARPCClient) {
        let sub = dir.appendingPathComponent(binary.lastPathComponent)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let ifqlPort = DaemonProcessTests.freePort()
        let server = try await Server.start(binary, dir: sub, data: ["index-version = \"inmem\""],
                                            extra: "[ifql]\n  enabled = true\n  log-enabled = false\n  bind-address = \"127.0.0.1:\(ifqlPort)\"")
        try await write(server)
        return (server, try await YARPCClient.connect(host: "127.0.0.1", port: ifqlPort))
    }

    @Test(.enabled(if: InfluxdCrossCheckTests.available && ProcessInfo.processInfo.environment["SUNDIAL_RECORD_STORAGE_GOLDENS"] == "1"))
    func recordGoldens() async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, client) = try await Self.start(InfluxdCrossCheckTests.influxd, in: dir)
        defer { client.close(); server.crash() }
        var goldens: [Golden] = []
        for (name, request) in Self.requests {
            let messages = try await Self.read(client, request)
            goldens.append(Golden(name: name, request: try request.serializedData().base64EncodedString(),
                                  messages: messages.map { Data($0).base64EncodedString() }))
        }
        try FileManager.default.createDirectory(at: Self.goldenFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(goldens).write(to: Self.goldenFile)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)))
    func replaysGoldens() async throws {
        let goldens = try JSONDecoder().decode([Golden].self, from: Data(contentsOf: Self.goldenFile))
        #expect(goldens.count == Self.requests.count)
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, client) = try await Self.start(DaemonProcessTests.binary, in: dir)
        defer { client.close(); server.crash() }
        for golden in goldens {
            let request = try StorageReadRequest(serializedBytes: [UInt8](try #require(Data(base64Encoded: golden.request))))
            let expected = golden.messages.compactMap { Data(base64Encoded: $0).map { [UInt8]($0) } }
            let got = try await Self.read(client, request)
            #expect(got == expected, "\(golden.name)\ninfluxd:\n\(Self.describe(expected))\nsundial:\n\(Self.describe(got))")
        }
        #expect(server.process.isRunning)
    }
}
