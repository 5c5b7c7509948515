import HTTPTypes
import CompressNIO
import Hummingbird
import HummingbirdTesting
import LineProtocol
import NIOCore
import Synchronization
import Testing
import TSDB
@testable import HTTPD

/// A catalog with fixed databases.
struct FixedCatalog: DatabaseCatalog {
    var names: Set<String>
    func databaseExists(_ name: String) -> Bool { names.contains(name) }
}

/// Records what reaches the writer, optionally failing.
final class RecordingWriter: PointsWriting, Sendable {
    let written = Mutex<[(db: String, rp: String, points: [Point])]>([])
    let failure: WriteError?

    init(failure: WriteError? = nil) { self.failure = failure }

    func writePoints(database: String, retentionPolicy: String, points: [Point]) async throws(WriteError) {
        written.withLock { $0.append((database, retentionPolicy, points)) }
        if let failure { throw failure }
    }
}

@Suite struct WriteRouteTests {
    static let now: Int64 = 1_600_000_000_123_456_789

    static func app(writer: RecordingWriter, config: HTTPDConfig = HTTPDConfig()) -> some ApplicationProtocol {
        let handler = Handler(
            config: config, version: "test", catalog: FixedCatalog(names: ["db0"]), pointsWriter: writer,
            now: { now }
        )
        return Application(responder: CallbackResponder<BasicRequestContext> { request, _ in await handler.respond(to: request) })
    }

    @Test(arguments: [
        ("", Int64(1)), ("ns", 1), ("n", 1), ("u", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ])
    func scalesTimestampsByPrecision(precision: String, factor: Int64) async throws {
        let writer = RecordingWriter()
        try await Self.app(writer: writer).test(.router) { client in
            let response = try await client.execute(
                uri: "/write?db=db0&precision=\(precision)", method: .post, body: ByteBuffer(string: "cpu v=1 3\n")
            )
            #expect(response.status == .noContent)
        }
        let points = writer.written.withLock { $0.first?.points } ?? []
        #expect(points.count == 1 && points.first?.time == 3 * factor)
    }

    @Test func stampsPointsWithoutTimeWithServerTime() async throws {
        let writer = RecordingWriter()
        try await Self.app(writer: writer).test(.router) { client in
            _ = try await client.execute(uri: "/write?db=db0&rp=weekly", method: .post, body: ByteBuffer(string: "cpu v=1"))
        }
        let (rp, points) = writer.written.withLock { ($0.first?.rp, $0.first?.points) }
        #expect(rp == "weekly")
        #expect(points?.first?.time == Self.now)
    }

    @Test func decodesGzipBodies() async throws {
        let writer = RecordingWriter()
        var plain = ByteBuffer(string: "cpu,host=a v=1 1\ncpu,host=b v=2 2\n")
        let body = try plain.compress(with: .gzip())
        try await Self.app(writer: writer).test(.router) { client in
            let response = try await client.execute(
                uri: "/write?db=db0", method: .post, headers: [.contentEncoding: "gzip"], body: body
            )
            #expect(response.status == .noContent)
        }
        #expect(writer.written.withLock { $0.first?.points.map(\.time) } == [1, 2])
    }

    @Test func goodLinesAreWrittenAndBadOnesReported() async throws {
        let writer = RecordingWriter()
        try await Self.app(writer: writer).test(.router) { client in
            let response = try await client.execute(
                uri: "/write?db=db0", method: .post, body: ByteBuffer(string: "cpu v=1 1\nbad line\ncpu v=2 2\n")
            )
            #expect(response.status == .badRequest)
            let body = String(buffer: response.body)
            #expect(body.hasPrefix("{\"error\":\"partial write: unable to parse 'bad line': "))
            #expect(body.hasSuffix(" dropped=0\"}\n"))
        }
        #expect(writer.written.withLock { $0.first?.points.count } == 2)
    }

    @Test(arguments: [
        (WriteError.partial(reason: "r", dropped: 2), HTTPResponse.Status.badRequest, "partial write: r dropped=2"),
        (.client("field type conflict"), .badRequest, "field type conflict"),
        (.server("engine: cache-max-memory-size exceeded: (2/1)"), .internalServerError, "engine: cache-max-memory-size exceeded: (2/1)"),
    ])
    func mapsWriterErrorsToStatus(error: WriteError, status: HTTPResponse.Status, message: String) async throws {
        try await Self.app(writer: RecordingWriter(failure: error)).test(.router) { client in
            let response = try await client.execute(uri: "/write?db=db0", method: .post, body: ByteBuffer(string: "cpu v=1"))
            #expect(response.status == status)
            #expect(response.headers[HTTPField.Name("X-Influxdb-Error")!] == message)
        }
    }

    @Test func errorFormatFollowsAccept() async throws {
        try await Self.app(writer: RecordingWriter()).test(.router) { client in
            let csv = try await client.execute(uri: "/write", method: .post, headers: [.accept: "text/csv"])
            #expect(csv.headers[.contentType] == "text/csv")
            #expect(String(buffer: csv.body) == "error\ndatabase is required\n")
            let msgpack = try await client.execute(uri: "/write", method: .post, headers: [.accept: "application/x-msgpack"])
            #expect(Array(msgpack.body.readableBytesView) == [0x81, 0xA5] + Array("error".utf8) + [0xB4] + Array("database is required".utf8))
        }
    }

    @Test func limitsPlainBodies() async throws {
        var config = HTTPDConfig()
        config.maxBodySize = 10
        try await Self.app(writer: RecordingWriter(), config: config).test(.router) { client in
            let ok = try await client.execute(uri: "/write?db=db0", method: .post, body: ByteBuffer(string: "cpu v=1 12"))
            #expect(ok.status == .noContent, "exactly the limit is accepted")
            let big = try await client.execute(uri: "/write?db=db0", method: .post, body: ByteBuffer(string: "cpu v=1 123"))
            #expect(big.status == .contentTooLarge)
        }
    }
}
