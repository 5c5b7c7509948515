import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Meta
import Monitor
import Query

/// Serves InfluxDB 1.x's HTTP API.
///
/// Routing and the filters around each route mirror 1.x's handler: every response carries the
/// version headers; a routed request also gets request IDs, CORS headers and the `Content-Type`
/// of the format the client accepts, exactly as clients of 1.x see them.
public struct Handler: Sendable {
    public let config: HTTPDConfig
    /// Sent as `X-Influxdb-Version`.
    public let version: String
    let catalog: any DatabaseCatalog
    let pointsWriter: any PointsWriting
    /// Users for authentication (nil: no user store, so nothing is authenticated).
    let users: MetaClient?
    /// Runs `/query` statements (nil: `/query` answers 501).
    let queryExecutor: QueryExecutor?
    /// The current time in Unix nanoseconds (for points without a timestamp and request IDs).
    let now: @Sendable () -> Int64
    let statistics: Statistics
    /// Every component's statistics and diagnostics: `/debug/vars`, `/metrics` (nil: only
    /// the handler's own).
    let monitor: Monitor?
    let writeThrottler: Throttler
    let logger: Logger
    private let requestIDs = TimeUUIDGenerator()
    /// Recently parsed query texts.
    let parsedQueries = ParsedQueryCache(capacity: 256)
    /// The access log (`log-enabled`), written once its ``AccessLog/open(logger:)`` has run.
    public let accessLog: AccessLog?
    /// What `/debug/requests` counts while it waits.
    let requestTracker = RequestTracker()
    /// The route table (1.x's, plus the debug routes of `pprof-auth-enabled`).
    private let routes: [Route]
    /// `[http] headers`, in the order they are set on every response (sorted once here).
    private let configuredHeaders: [(HTTPField.Name, String)]
    /// Bodies up to this size are sent in one write with their head; larger ones a piece of
    /// this size at a time, so that no second copy of a whole large answer is made.
    static let singleWriteLimit = 1 << 20

    public init(
        config: HTTPDConfig,
        version: String,
        catalog: any DatabaseCatalog,
        pointsWriter: any PointsWriting,
        users: MetaClient? = nil,
        queryExecutor: QueryExecutor? = nil,
        monitor: Monitor? = nil,
        logger: Logger = Logger(label: "httpd"),
        now: @escaping @Sendable () -> Int64 = { Clock.unixNanoseconds() }
    ) {
        self.config = config
        self.version = version
        self.catalog = catalog
        self.pointsWriter = pointsWriter
        self.users = users
        self.queryExecutor = queryExecutor
        self.monitor = monitor
        self.logger = logger
        self.now = now
        self.statistics = Statistics(bind: config.bindAddress)
        self.configuredHeaders = config.headers.sorted(by: { $0.key < $1.key }).compactMap { name, value in
            HTTPField.Name(name).map { ($0, value) }
        }
        self.writeThrottler = Throttler(concurrent: config.maxConcurrentWriteLimit, enqueued: config.maxEnqueuedWriteLimit,
                                        timeoutNanoseconds: config.enqueuedWriteTimeoutNanoseconds)
        // The filters were checked with the rest of the configuration; one that does not parse
        // here is left out.
        self.accessLog = config.logEnabled
            ? AccessLog(path: config.accessLogPath, filters: config.accessLogStatusFilters.compactMap { try? StatusFilter(parsing: $0) })
            : nil
        self.routes = Route.table(config)
    }

    /// Answers one request.
    public func respond(to request: Request) async -> Response {
        statistics.requests.increment()
        statistics.activeRequests.increment()
        // Ended in `finish`: when the answer is handed over, or once a streamed one is written.
        let accounting = RequestAccounting(statistics: statistics)
        let path = request.uri.path
        // 1.x answers the /debug prefixes ahead of its route table, without the route filters.
        if path.utf8.count >= 6 && path.hasPrefix("/debug"), let reply = await serveDebug(request, path: path) {
            return finish(reply, request, routed: false, log: nil, accounting: accounting)
        }
        var reply: Reply
        var log: AccessLogStart?
        if let route = routes.first(where: { $0.method == request.method && $0.path == path }) {
            log = accessLogStart(route)
            reply = await serve(route, request)
        } else {
            let allowed = routes.filter { $0.path == path }.map(\.method.rawValue)
            if allowed.isEmpty {
                reply = .plainText("404 page not found", status: .notFound)
            } else {
                reply = .plainText("Method Not Allowed", status: .methodNotAllowed)
                reply.headers[.allow] = allowed.joined(separator: ", ")
            }
        }
        return finish(reply, request, routed: true, log: log, accounting: accounting)
    }

    /// The headers every answer gets, the error counters, HEAD's empty body, and the access log
    /// line of a logged route (written once the body is, for a streamed answer).
    private func finish(_ reply: Reply, _ request: Request, routed: Bool, log: AccessLogStart?, accounting: RequestAccounting) -> Response {
        var reply = reply
        // No route sets these two: appended rather than searched for.
        reply.headers.append(HTTPField(name: .xInfluxdbVersion, value: version))
        reply.headers.append(HTTPField(name: .xInfluxdbBuild, value: "OSS"))
        if routed {
            for (name, value) in configuredHeaders { reply.headers[name] = value }
        }
        switch reply.status.code / 100 {
        case 4: statistics.clientErrors.increment()
        case 5: statistics.serverErrors.increment()
        default: break
        }
        // Go counts what a HEAD handler writes though it sends none of it.
        let bodySize = reply.body.count
        if request.method == .head {
            // Go still announces the length of the body it does not send.
            if !reply.body.isEmpty { reply.headers[.contentLength] = String(reply.body.count) }
            reply.body = []
        }
        if let stream = reply.stream, request.method != .head {
            let logged = reply
            return Response(status: reply.status, headers: reply.headers, body: ResponseBody { writer in
                defer { accounting.end() }
                var written = 0
                await stream { bytes in
                    written += bytes.count
                    try await writer.write(ByteBuffer(bytes: bytes))
                }
                if let log { writeAccessLog(log, request, logged, size: written) }
                try await writer.finish(nil)
            })
        }
        if let log { writeAccessLog(log, request, reply, size: bodySize) }
        accounting.end()
        if reply.chunked && request.method != .head {
            if reply.body.count <= Self.singleWriteLimit {
                // One buffer goes out with the head and the terminating chunk in one write.
                // Without a Content-Length the encoder frames it as a chunk, as 1.x's answer is framed.
                var response = Response(status: reply.status, headers: reply.headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
                response.headers[.contentLength] = nil
                return response
            }
            let bytes = reply.body
            return Response(status: reply.status, headers: reply.headers, body: ResponseBody { writer in
                // A large body goes out a megabyte at a time: buffers are reused as they are
                // written rather than one copy of the whole answer being made first.
                var start = 0
                while start < bytes.count {
                    let end = min(start + Self.singleWriteLimit, bytes.count)
                    try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
                    start = end
                }
                try await writer.finish(nil)
            })
        }
        return Response(status: reply.status, headers: reply.headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    /// The filters 1.x wraps around every route, outermost first: request ID, CORS, content type.
    private func serve(_ route: Route, _ request: Request) async -> Reply {
        var headers = HTTPFields()
        headers.reserveCapacity(10)
        // X-Request-Id wins over Request-Id; without either, a new time-based UUID.
        let rid: String
        if let sent = request.headers.first(.xRequestID), !sent.isEmpty {
            rid = sent
        } else if let sent = request.headers.first(.requestID), !sent.isEmpty {
            rid = sent
        } else {
            rid = requestIDs.next(unixNanoseconds: now())
        }
        // Each name is new here: appended, not searched for and replaced.
        headers.append(HTTPField(name: .xRequestID, value: rid))
        headers.append(HTTPField(name: .requestID, value: rid))
        if let origin = request.headers.first(.origin), !origin.isEmpty {
            headers.append(HTTPField(name: .accessControlAllowOrigin, value: origin))
            headers.append(HTTPField(name: .accessControlAllowMethods, value: "DELETE, GET, OPTIONS, POST, PUT"))
            headers.append(HTTPField(name: .accessControlAllowHeaders, value:
                "Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token, X-HTTP-Method-Override"))
            headers.append(HTTPField(name: .accessControlExposeHeaders, value: "Date, X-InfluxDB-Version, X-InfluxDB-Build"))
        }
        // 1.x's CORS filter answers every OPTIONS itself, before the route runs: 200, no body.
        if request.method == .options {
            return Reply(status: .ok, headers: headers)
        }
        let params = QueryString(request.uri.query ?? "")
        let format = ResponseFormat(accept: request.headers.first(.accept), pretty: params["pretty"] == "true")
        headers.append(HTTPField(name: .contentType, value: format.contentType))
        if request.method == .post && (route.name == "write" || route.name == "prometheus-write") {
            // 1.x's throttler wraps the write handlers outside authentication.
            switch await writeThrottler.run({ await self.authenticatedServe(route, request, params: params, format: format, headers: headers) }) {
            case .success(let reply): return reply
            case .failure(let refused):
                var reply = Reply.plainText(refused.refusal.text, status: .serviceUnavailable)
                Self.replace(in: &headers, with: reply.headers)
                reply.headers = headers
                return reply
            }
        }
        return await authenticatedServe(route, request, params: params, format: format, headers: headers)
    }

    /// The `authenticate` filter (where the route needs it), then the route.
    private func authenticatedServe(_ route: Route, _ request: Request, params: QueryString, format: ResponseFormat, headers: HTTPFields) async -> Reply {
        var headers = headers
        var reply: Reply
        var user: UserInfo?
        if route.requiresAuthentication(config) {
            switch await authenticate(request, params: params, format: format) {
            case .success(let u): user = u
            case .failure(let refusal):
                Self.replace(in: &headers, with: refusal.headers)
                return Reply(status: refusal.status, headers: headers, body: refusal.body)
            }
        }
        let call = RouteRequest(request, params: params, format: format, user: user)
        reply = await route.serve(self, call)
        // A route's own header replaces the filters' one of the same name (Go's Header.Set).
        Self.replace(in: &headers, with: reply.headers)
        reply.headers = headers
        return reply
    }

    /// Sets every header `fields` has in `headers`, replacing all of that name (Go's
    /// `Header.Set` per name).
    static func replace(in headers: inout HTTPFields, with fields: HTTPFields) {
        var done: [HTTPField.Name] = []
        for field in fields where !done.contains(field.name) {
            done.append(field.name)
            headers[fields: field.name] = fields[fields: field.name]
        }
    }

    /// 1.x's `httpError`: the error in the client's format, `X-Influxdb-Error` on failures and
    /// a Basic challenge on 401.
    func httpError(_ message: String, _ status: HTTPResponse.Status, _ call: RouteRequest) -> Reply {
        httpError(Array(message.utf8), status, call)
    }

    /// `httpError` for a message that may hold client bytes that are not UTF-8 (1.x echoes
    /// rejected lines verbatim): the header gets the first 1024 bytes as they are.
    func httpError(_ message: [UInt8], _ status: HTTPResponse.Status, _ call: RouteRequest) -> Reply {
        var reply = Reply(status: status, body: call.format.errorBody(message))
        if status == .unauthorized {
            reply.headers[.wwwAuthenticate] = "Basic realm=\"\(config.realm)\""
        } else if status.code / 100 != 2 {
            reply.headers.append(HTTPField(name: .xInfluxdbError, value: message.prefix(1024)))
        }
        return reply
    }
}

/// A routed request with its decoded URL parameters.
struct RouteRequest: Sendable {
    let request: Request
    let params: QueryString
    let format: ResponseFormat
    /// The authenticated user (nil when authentication is off or not yet bootstrapped).
    let user: UserInfo?

    init(_ request: Request, params: QueryString, format: ResponseFormat, user: UserInfo? = nil) {
        self.request = request
        self.params = params
        self.format = format
        self.user = user
    }
}

/// Wall-clock helpers.
public enum Clock {
    /// Nanoseconds since the Unix epoch.
    public static func unixNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
