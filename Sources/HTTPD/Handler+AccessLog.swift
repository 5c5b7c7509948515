import HTTPTypes
import Hummingbird
import Logging

/// What the access log needs to know from when a request arrived (1.x's `logging` filter
/// takes its start time before the other filters run).
struct AccessLogStart: Sendable {
    let unixNanoseconds: Int64
    let began: ContinuousClock.Instant
    /// The client's address (`ConnectionState` is bound only while the handler runs; a
    /// streamed answer's line is written after).
    let host: String
    let proto: String
}

extension Handler {
    /// The start of a logged request, or nil when `route` writes no access log line: the log
    /// is off (or not open), or the route is a write and `suppress-write-log` is set (both
    /// `/write` and 1.8's `/api/v2/write`; Prometheus remote write is still logged, as in 1.x).
    func accessLogStart(_ route: Route) -> AccessLogStart? {
        guard accessLog?.isOpen == true, !(config.suppressWriteLog && route.name == "write") else { return nil }
        return AccessLogStart(unixNanoseconds: now(), began: .now, host: ConnectionState.current?.remoteHost ?? "",
                              proto: ConnectionState.requestProtocol)
    }

    /// 1.x's `logging` filter after the handler: the line when the status passes the filters,
    /// and a 5xx answer's `X-Influxdb-Error` at error level.
    func writeAccessLog(_ start: AccessLogStart, _ request: Request, _ reply: Reply, size: Int) {
        guard let accessLog else { return }
        let status = Int(reply.status.code)
        if accessLog.accepts(status: status) {
            var host = start.host
            if request.headers.contains(.xForwardedFor) {
                host = (request.headers[values: .xForwardedFor] + [host]).joined(separator: ",")
            }
            let target = request.head.path ?? "/"
            let query: Substring? = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[target.utf8.index(after: $0)...] }
            let elapsed = ContinuousClock.now - start.began
            let line = AccessLogLine(
                host: host,
                user: AccessLogLine.username(query: query, authorization: request.headers.first(.authorization)),
                start: start.unixNanoseconds,
                method: request.method.rawValue,
                uri: AccessLogLine.loggedURI(target, sanitizeQuery: reply.sanitizesLoggedQuery),
                proto: start.proto,
                status: status,
                size: size,
                referer: request.headers.first(.referer) ?? "",
                userAgent: request.headers.first(.userAgent) ?? "",
                requestID: reply.headers.first(.requestID) ?? "",
                microseconds: elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            )
            accessLog.write(line.bytes)
        }
        if status / 100 == 5, let error = reply.headers.first(.xInfluxdbError), !error.isEmpty {
            logger.error("[\(status)] - \(GoQuote.quote(error))")
        }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
