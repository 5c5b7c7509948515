import Coordinator
import Foundation
import HTTPD
import HTTPTypes
import HummingbirdCore
import LineProtocol
import Logging
import Meta
import NIOCore
import NIOPosix
import Server
import ServiceLifecycle
import Synchronization
import TSDB
import Testing
@testable import Subscriber

/// The subscriber service end to end, in process: subscriptions in meta, writes through the
/// points writer, and real HTTP and UDP destinations on loopback that record what reaches them
/// (1.x `services/subscriber`).
@Suite struct SubscriberServiceTests {
    /// A meta, store, running service and points writer wired to it.
    struct Env {
        let meta: MetaClient
        let writer: PointsWriter
        let service: SubscriberService

        /// Writes `lines` (nanosecond timestamps) through the points writer.
        func write(_ lines: String, database: String = "db", retentionPolicy: String = "") async throws {
            let points = LineProtocolParser.parse(Array(lines.utf8), options: ParseOptions(defaultTime: 0)).points
            try await writer.writePoints(database: database, retentionPolicy: retentionPolicy, points: points)
        }

        /// Creates a subscription and waits until the service runs it.
        func subscribe(_ name: String, policy: String = "autogen", mode: String = "ALL", _ destinations: [String]) async throws {
            try await meta.createSubscription(database: "db", policy: policy, name: name, mode: mode, destinations: destinations)
            try await until("subscription \(name) running") { service.statistics.destinations.contains { $0.name == name } }
        }
    }

    /// Runs `body` with database `db` (policies `autogen`, default, and `week`) and the
    /// service running in a service group, then shuts the group down gracefully.
    static func withService(_ settings: SubscriberSettings = SubscriberSettings(), logger: Logger = Logger(label: "test"),
                            _ body: (Env) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-sub-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meta = MetaClient()
        try await meta.createDatabase("db")
        try await meta.createRetentionPolicy(database: "db", name: "week", duration: 7 * 24 * 3_600_000_000_000)
        try await meta.createDatabase("other")
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        let service = SubscriberService(meta: meta, settings: settings, pollInterval: .milliseconds(10), logger: logger)
        let writer = PointsWriter(meta: meta, store: store, now: { 0 }, subscriber: service.writeSubscriber)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(Env(meta: meta, writer: writer, service: service))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await store.close()
    }

    /// Waits until `condition` holds, checking every 5 ms for at most 30 s; fails with `what`.
    static func until(_ what: String, _ condition: () -> Bool) async throws {
        // Generous: only a failure waits it out, and a loaded 2-core machine is slow.
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                throw TimedOut()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    struct TimedOut: Error {}

    final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    // MARK: Forwarding

    /// Every accepted write reaches each destination of the subscriptions on the policy it was
    /// written to (the default policy's name when the request named none): HTTP as 1.x's
    /// client posts it, UDP one datagram per point; other policies and databases are not sent.
    @Test(arguments: [("", "autogen"), ("autogen", "autogen"), ("week", "week")])
    func forwardsToHTTPAndUDP(writtenTo: String, policy: String) async throws {
        let http = RecordingEndpoint()
        let udp = try await DatagramSink.open()
        defer { udp.close() }
        try await http.serve { port in
            try await Self.withService(SubscriberSettings(writeConcurrency: 1)) { env in
                try await env.subscribe("s", policy: policy, ["http://127.0.0.1:\(port)/sub", "udp://127.0.0.1:\(udp.port)"])
                // Sent first and, with one write in flight at a time, delivered first if at all.
                try await env.write("ignored v=1 1", retentionPolicy: policy == "week" ? "autogen" : "week")
                try await env.write("ignored v=2 2", database: "other")
                try await env.write("cpu,region=x,host=a value=1.5,n=3i 1000000000\nmem,host=b used=\"x y\",ok=true 2000000000",
                                    retentionPolicy: writtenTo)
                try await Self.until("both destinations") { http.received.count == 1 && udp.received.count == 2 }
                let request = http.received[0]
                #expect(request.method == "POST")
                #expect(request.path == "/sub/write")
                #expect(request.query == "consistency=&db=db&precision=ns&rp=\(policy)")
                #expect(request.userAgent == "InfluxDBClient")
                #expect(request.body == "cpu,host=a,region=x value=1.5,n=3i 1000000000\nmem,host=b used=\"x y\",ok=true 2000000000\n")
                #expect(udp.received.sorted() == ["cpu,host=a,region=x value=1.5,n=3i 1000000000", "mem,host=b used=\"x y\",ok=true 2000000000"])
                try await Self.until("counters") { env.service.statistics.pointsWritten == 2 }
                let statistics = env.service.statistics
                #expect(statistics.writeFailures == 0 && statistics.createFailures == 0)
                #expect(statistics.destinations.map { [$0.destination, $0.mode, $0.retentionPolicy, "\($0.pointsWritten)", "\($0.writeFailures)"] } == [
                    ["http://127.0.0.1:\(port)/sub", "ALL", policy, "2", "0"], ["udp://127.0.0.1:\(udp.port)", "ALL", policy, "2", "0"],
                ])
                #expect(statistics.destinations[0].tags == ["database": "db", "retention_policy": policy, "name": "s", "mode": "ALL",
                                                            "destination": "http://127.0.0.1:\(port)/sub"])
            }
        }
    }

    /// ALL sends every write to every destination; ANY sends each to one, round robin.
    @Test(arguments: [("ALL", [[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]]), ("ANY", [[0, 3], [1, 4], [2, 5]])])
    func balancesByMode(mode: String, expected: [[Int]]) async throws {
        let http = RecordingEndpoint()
        try await http.serve { port in
            try await Self.withService(SubscriberSettings(writeConcurrency: 1)) { env in
                try await env.subscribe("s", mode: mode, (0..<3).map { "http://127.0.0.1:\(port)/d\($0)" })
                for n in 0..<6 { try await env.write("m v=\(n) \(n)") }
                let total = expected.map(\.count).reduce(0, +)
                try await Self.until("\(total) requests") { http.received.count == total }
                for (d, writes) in expected.enumerated() {
                    #expect(http.received.filter { $0.path == "/d\(d)/write" }.map(\.body) == writes.map { "m v=\($0) \($0)\n" })
                }
                try await Self.until("counters") { env.service.statistics.pointsWritten == 6 }
                #expect(env.service.statistics.destinations.map(\.pointsWritten) == expected.map { Int64($0.count) })
            }
        }
    }

    /// A destination that answers with an error: ALL still sends to the others and the write
    /// counts as failed; ANY passes the write on to the next destination (and, as in 1.x, the
    /// subscription still counts it failed). Either way the refusing destination has one
    /// failure, the other both points. The response body is what is logged.
    @Test(arguments: ["ALL", "ANY"])
    func failingDestination(mode: String) async throws {
        let http = RecordingEndpoint()
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        try await http.serve { port in
            try await Self.withService(SubscriberSettings(writeConcurrency: 1), logger: logger) { env in
                try await env.subscribe("s", mode: mode, ["http://127.0.0.1:\(port)/refuse", "http://127.0.0.1:\(port)/ok"])
                try await env.write("m v=1 1\nm v=2 2")
                try await Self.until("the failure counted") { env.service.statistics.writeFailures == 1 }
                let statistics = env.service.statistics
                // Sorted by URL: /ok, then /refuse.
                #expect(statistics.destinations.map(\.destination) == ["http://127.0.0.1:\(port)/ok", "http://127.0.0.1:\(port)/refuse"])
                #expect(statistics.destinations.map(\.pointsWritten) == [2, 0])
                #expect(statistics.destinations.map(\.writeFailures) == [0, 1])
                #expect(statistics.pointsWritten == 0)
                #expect(http.received.map(\.path) == ["/refuse/write", "/ok/write"])
                #expect(records.all.contains { $0.message == "{\"error\":\"refused\"}" && $0.metadata["service"] == "subscriber" })
            }
        }
    }

    /// A destination nothing listens on fails the write at once; the counters say which, and
    /// the log names the request.
    @Test func unreachableDestinationFails() async throws {
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        // A refused connection fails at once (Go's dial does not retry): the failure is counted
        // within `until`'s 10 s, far inside the 60 s http-timeout.
        try await Self.withService(SubscriberSettings(httpTimeout: .seconds(60), writeConcurrency: 1), logger: logger) { env in
            try await env.subscribe("s", ["http://127.0.0.1:1"])
            try await env.write("m v=1 1")
            try await Self.until("the failure counted") { env.service.statistics.writeFailures == 1 }
            #expect(env.service.statistics.destinations.map(\.writeFailures) == [1])
            #expect(env.service.statistics.destinations.map(\.pointsWritten) == [0])
        }
        let prefix = "Post http://127.0.0.1:1/write?consistency=&db=db&precision=ns&rp=autogen: "
        #expect(records.messages.contains { $0.hasPrefix(prefix) })
    }

    // MARK: Buffering

    /// With the one write in flight held by its destination and the buffer full, further writes
    /// return at once and are dropped and counted; once the destination answers, the held
    /// and the buffered writes are delivered and nothing else.
    @Test func fullBufferDropsWithoutBlockingTheWrite() async throws {
        let http = RecordingEndpoint(holding: true)
        try await http.serve { port in
            try await Self.withService(SubscriberSettings(writeConcurrency: 1, writeBufferSize: 1)) { env in
                try await env.subscribe("s", ["http://127.0.0.1:\(port)"])
                try await env.write("m v=1 1")
                try await Self.until("the first write in flight") { http.received.count == 1 }
                // In flight: 1; buffered: 2; dropped: 3 and 4. Each write returns while the
                // destination still holds the first.
                let returned = Count()
                let writes = Task {
                    for n in 2...4 {
                        try await env.write("m v=\(n) \(n)")
                        returned.value.add(1, ordering: .relaxed)
                    }
                }
                try await Self.until("the writes to return") { returned.value.load(ordering: .relaxed) == 3 }
                try await writes.value
                #expect(env.service.statistics.writeFailures == 2)
                #expect(http.received.count == 1)
                http.release()
                try await Self.until("the buffered write") { http.received.count == 2 }
                try await Self.until("counters") { env.service.statistics.pointsWritten == 2 }
                #expect(http.received.map(\.body) == ["m v=1 1\n", "m v=2 2\n"])
                #expect(env.service.statistics.writeFailures == 2)
            }
        }
    }

    // MARK: Following meta

    /// A dropped subscription stops receiving at once; the others go on; the log says so.
    @Test func droppedSubscriptionStopsReceiving() async throws {
        let http = RecordingEndpoint()
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        try await http.serve { port in
            try await Self.withService(logger: logger) { env in
                try await env.subscribe("a", ["http://127.0.0.1:\(port)/a"])
                try await env.subscribe("b", ["http://127.0.0.1:\(port)/b"])
                try await env.write("m v=1 1")
                try await Self.until("both") { http.received.count == 2 }
                try await env.meta.dropSubscription(database: "db", policy: "autogen", name: "a")
                try await Self.until("a stopped") { env.service.statistics.destinations.map(\.name) == ["b"] }
                try await env.write("m v=2 2")
                try await Self.until("b's second write") { http.received.filter { $0.path == "/b/write" }.count == 2 }
                #expect(http.received.filter { $0.path == "/a/write" }.map(\.body) == ["m v=1 1\n"])
            }
        }
        let subscriptionLog = records.all.filter { $0.message.hasSuffix("subscription") }
        #expect(subscriptionLog.map(\.message) == ["Added new subscription", "Added new subscription", "Deleted old subscription"])
        #expect(subscriptionLog.allSatisfy { $0.metadata["db_instance"] == "db" && $0.metadata["db_rp"] == "autogen" && $0.metadata["service"] == "subscriber" })
        let own = records.all.filter { $0.metadata["service"] == "subscriber" }.map(\.message)
        #expect(own.first == "Opened service")
        #expect(own.last == "Closed service")
    }

    /// A subscription that cannot start is counted and logged with 1.x's text, and tried
    /// again at the next change of meta.
    @Test(arguments: [
        ("SOME", "http://127.0.0.1:1", "", "unknown balance mode \"SOME\""),
        ("ALL", "https://127.0.0.1:1", "/nonexistent/ca.pem", "failed to create writer for destination: https://127.0.0.1:1"),
    ])
    func creationFailures(mode: String, destination: String, caCerts: String, error: String) async throws {
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        try await Self.withService(SubscriberSettings(caCerts: caCerts), logger: logger) { env in
            try await env.meta.createSubscription(database: "db", policy: "autogen", name: "bad", mode: mode, destinations: [destination])
            try await Self.until("the failure") { env.service.statistics.createFailures == 1 }
            try await env.meta.createDatabase("another")
            try await Self.until("the retry") { env.service.statistics.createFailures == 2 }
            #expect(env.service.statistics.destinations.isEmpty)
            try await env.write("m v=1 1")
            #expect(env.service.statistics.writeFailures == 0)
        }
        let failure = try #require(records.all.first { $0.message == "Subscription creation failed" })
        #expect(failure.metadata["name"] == "bad")
        #expect(failure.metadata["error"] == error)
    }

    // MARK: Configuration and URLs

    /// 1.x's `[subscriber]` checks, made even when the section is disabled.
    @Test(arguments: [
        ("http-timeout", "http-timeout must be greater than 0"),
        ("write-buffer-size", "write-buffer-size must be greater than 0"),
        ("write-concurrency", "write-concurrency must be greater than 0"),
        ("ca-certs", "ca-certs file /nonexistent/ca.pem does not exist"),
    ])
    func validatesConfig(key: String, message: String) throws {
        var config = Config()
        config.subscriber.enabled = false
        switch key {
        case "http-timeout": config.subscriber.httpTimeout = .zero
        case "write-buffer-size": config.subscriber.writeBufferSize = 0
        case "write-concurrency": config.subscriber.writeConcurrency = -1
        default: config.subscriber.caCerts = "/nonexistent/../nonexistent/./ca.pem"
        }
        #expect(throws: ConfigError(message)) { try config.validate() }
    }

    /// The write URL 1.x's client builds from a destination.
    @Test(arguments: [
        ("http://127.0.0.1:9", "http://127.0.0.1:9/write?consistency=&db=d&precision=ns&rp=r+p%2F1", nil),
        ("http://h:9/a/./b/", "http://h:9/a/b/write?consistency=&db=d&precision=ns&rp=r+p%2F1", nil),
        ("http://u:p%40ss@h:9/x?db=other&u=me&z=1+2", "http://h:9/x/write?consistency=&db=d&precision=ns&rp=r+p%2F1&u=me&z=1+2", "Basic dTpwQHNz"),
        ("https://[::1]:9", "https://[::1]:9/write?consistency=&db=d&precision=ns&rp=r+p%2F1", nil),
    ] as [(String, String, String?)])
    func buildsWriteURL(destination: String, url: String, authorization: String?) throws {
        let components = try #require(URLComponents(string: destination))
        let endpoint = try #require(HTTPEndpoint(components))
        #expect(endpoint.url(database: "d", retentionPolicy: "r p/1") == url)
        #expect(endpoint.authorization == authorization)
    }
}

/// An HTTP destination on loopback that records each request and answers 204 — or, for a
/// path starting `/refuse`, 500 with an error body; holding, it answers nothing until
/// released.
final class RecordingEndpoint: Sendable {
    struct Received: Sendable, Hashable {
        var method: String
        var path: String
        var query: String
        var userAgent: String
        var body: String
    }

    private let requests = Mutex<[Received]>([])
    private let gate: Mutex<(held: Bool, waiting: [CheckedContinuation<Void, Never>])>

    init(holding: Bool = false) {
        gate = Mutex((holding, []))
    }

    var received: [Received] { requests.withLock { $0 } }

    /// Lets the held requests (and every later one) be answered.
    func release() {
        let waiting = gate.withLock { gate in
            gate.held = false
            defer { gate.waiting = [] }
            return gate.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Runs the endpoint on an ephemeral loopback port while `body` runs.
    func serve(_ body: (Int) async throws -> Void) async throws {
        let channel = HTTP1ServerChannel { request in await self.respond(request) }
        try await channel.withServer(logger: Logger(label: "endpoint")) { port, _ in try await body(port) }
    }

    private func respond(_ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        requests.withLock {
            $0.append(Received(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                               userAgent: request.headers[.userAgent] ?? "", body: body))
        }
        await withCheckedContinuation { continuation in
            let held = gate.withLock { gate in
                if gate.held { gate.waiting.append(continuation) }
                return gate.held
            }
            if !held { continuation.resume() }
        }
        if request.uri.path.hasPrefix("/refuse") {
            return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"refused\"}\n")))
        }
        return Response(status: .noContent)
    }
}

/// A UDP socket on loopback that keeps every datagram it receives.
final class DatagramSink: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let datagrams = Mutex<[String]>([])
    private let channel = Mutex<(any Channel)?>(nil)

    var received: [String] { datagrams.withLock { $0 } }
    var port: Int { channel.withLock { $0?.localAddress?.port ?? 0 } }

    static func open() async throws -> DatagramSink {
        let sink = DatagramSink()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(sink) } }
            .bind(host: "127.0.0.1", port: 0).get()
        sink.channel.withLock { $0 = channel }
        return sink
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let datagram = unwrapInboundIn(data).data
        datagrams.withLock { $0.append(String(buffer: datagram)) }
    }

    func close() {
        channel.withLock { $0?.close(promise: nil) }
    }
}
