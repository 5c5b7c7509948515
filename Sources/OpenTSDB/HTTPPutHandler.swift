#if canImport(Glibc)
import TSDB
import Synchronization
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Coordinator
import Logging
import Meta
import NIOCore
import NIOHTTP1

/// The HTTP side of the OpenTSDB port (1.x's `Handler`): `POST /api/put` writes at once (not
/// through the batcher) and answers 204, or 400/500 with 1.x's text; `/api/metadata/put`
/// answers 204; any other path 404. Requests of a connection are answered in order.
final class HTTPPutHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Context: Sendable {
        let database: String
        let retentionPolicy: String
        let meta: MetaClient
        let pointsWriter: PointsWriter
        let statistics: OpenTSDBStatistics
        let logger: Logger
    }

    /// One answer: status and plain-text body (none for 204).
    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var text: String?
    }

    let shared: Context
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var queue: [(HTTPRequestHead, ByteBuffer)] = []
    private var busy = false

    init(_ shared: Context) { self.shared = shared }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = context.channel.allocator.buffer(capacity: 0)
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let h = head else { return }
            head = nil
            queue.append((h, body))
            body = ByteBuffer()
            next(context: context)
        }
    }

    /// Answers the oldest waiting request unless one is being answered.
    private func next(context: ChannelHandlerContext) {
        guard !busy, !queue.isEmpty else { return }
        busy = true
        let (head, body) = queue.removeFirst()
        let shared = self.shared
        let promise = context.eventLoop.makePromise(of: Answer.self)
        promise.completeWithTask { await Self.answer(head: head, body: body, shared: shared) }
        promise.futureResult.assumeIsolated().whenSuccess { answer in
            self.send(answer, keepAlive: head.isKeepAlive, version: head.version, context: context)
        }
    }

    private func send(_ answer: Answer, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        var payload: ByteBuffer?
        if let text = answer.text {
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "X-Content-Type-Options", value: "nosniff")
            headers.add(name: "Date", value: Self.httpDate())
            let buffer = ByteBuffer(string: text + "\n")
            headers.add(name: "Content-Length", value: "\(buffer.readableBytes)")
            payload = buffer
        } else {
            headers.add(name: "Date", value: Self.httpDate())
        }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: answer.status, headers: headers))), promise: nil)
        if let payload { context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        busy = false
        if !keepAlive {
            done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
            return
        }
        next(context: context)
    }

    /// 1.x's `ServeHTTP`.
    static func answer(head: HTTPRequestHead, body: ByteBuffer, shared: Context) async -> Answer {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        switch path {
        case "/api/metadata/put":
            return Answer(status: .noContent)
        case "/api/put":
            guard head.method == .POST else { return Answer(status: .methodNotAllowed, text: "Method Not Allowed") }
            let gzip = head.headers.first(name: "Content-Encoding") == "gzip"
            let decoded: HTTPPut.Decoded
            switch HTTPPut.decode(body: body, gzip: gzip) {
            case .success(let d): decoded = d
            case .failure(let error): return Answer(status: .badRequest, text: error.description)
            }
            for (metric, error) in decoded.dropped {
                shared.logger.info("Dropping point", metadata: ["name": "\(metric)", "error": "\(error)"])
            }
            shared.statistics.droppedPointsInvalid.add(Int64(decoded.dropped.count), ordering: .relaxed)
            let failure: String
            if shared.meta.database(shared.database) == nil {
                failure = "database not found: \(shared.database)"
            } else {
                do throws(WriteError) {
                    try await shared.pointsWriter.writePoints(database: shared.database, retentionPolicy: shared.retentionPolicy, points: decoded.points)
                    return Answer(status: .noContent)
                } catch {
                    failure = error.description
                }
            }
            shared.logger.info("Write series error", metadata: ["error": "\(failure)"])
            let client = failure.hasPrefix("field type conflict")
            return Answer(status: client ? .badRequest : .internalServerError, text: "write series error: " + failure)
        default:
            return Answer(status: .notFound, text: "404 page not found")
        }
    }

    /// `Sat, 05 Dec 2026 21:20:07 GMT`.
    static func httpDate() -> String {
        var now = time(nil)
        var t = tm()
        gmtime_r(&now, &t)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) \(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }
}
