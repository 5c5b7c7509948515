import HTTPTypes
import Hummingbird
import PromRemote
import Logging
import Query
import TSDB

extension Handler {
    /// `POST /api/v1/prom/write`: a snappy-compressed protobuf `WriteRequest`, stored as 1.8
    /// stores it (``RemoteWrite``), with `/write`'s checks in 1.x's order: database, user,
    /// body size, then decoding. NaN and ±Inf samples are dropped, not refused (1.8).
    func servePromWrite(_ call: RouteRequest) async -> Reply {
        statistics.writeRequests.increment()
        statistics.activeWriteRequests.increment()
        let began = ContinuousClock.now
        defer {
            statistics.activeWriteRequests.decrement()
            statistics.writeRequestDuration.add(ContinuousClock.now - began)
        }
        statistics.promWriteRequests.increment()
        let database = call.params["db"]
        if let refusal = targetRefusal(database: database, call) { return refusal }
        let body: ByteBuffer
        switch await boundedBody(call, failure: .badRequest) {
        case .body(let whole): body = whole
        case .refused(let reply): return reply
        }
        statistics.writeRequestBytes.increment(by: Int64(body.readableBytes))
        if config.writeTracing {
            // The body as received: snappy-compressed protobuf, as 1.x logs it.
            logger.info("Prom write body received by handler", metadata: ["body": "\(String(buffer: body))"])
        }

        let decoded: RemoteWrite.Decoded
        do throws(PromError) { decoded = try RemoteWrite.decode(snappy: Array(buffer: body), limit: bodyLimit) } catch {
            return error == .bodyTooLarge ? tooLarge(call) : httpError(error.description, .badRequest, call)
        }
        if config.writeTracing, let dropped = decoded.droppedDescription {
            logger.info("Prom write handler", metadata: ["error": "\(dropped)"])
        }
        if let refusal = consistencyRefusal(call) { return refusal }
        if let failure = await write(decoded.points, database: database, retentionPolicy: call.params["rp"], call) { return failure }
        return Reply(status: .noContent)
    }

    /// `POST /api/v1/prom/read`: one query of label matchers over a time range, answered with
    /// the float `value` fields of the matching series as a snappy-compressed `ReadResponse`
    /// (1.x's storage read: the `db` and `rp` parameters choose where).
    func servePromRead(_ call: RouteRequest) async -> Reply {
        statistics.promReadRequests.increment()
        // 1.x reads the body without a limit; Sundial holds it to max-body-size like a write.
        // A body cut short is 1.8's 500 (its ReadAll error).
        let body: ByteBuffer
        switch await boundedBody(call, failure: .internalServerError) {
        case .body(let whole): body = whole
        case .refused(let reply): return reply
        }
        let query: RemoteReadQuery
        do throws(PromError) { query = try RemoteRead.decode(snappy: Array(buffer: body), limit: bodyLimit) } catch {
            return error == .bodyTooLarge ? tooLarge(call) : httpError(error.description, .badRequest, call)
        }
        guard let queryExecutor else { return httpError("no database", .badRequest, call) }
        let matchers = query.matchers.map { m in
            TagMatcher(m.name, { switch m.kind {
            case .equal: .equal
            case .notEqual: .notEqual
            case .regexMatch: .regex
            case .regexNoMatch: .notRegex
            } }(), m.value)
        }
        let result: StorageReadResult
        do throws(StatementError) {
            // Go's `ms * int64(time.Millisecond)` wraps; a bound that lands at or below 0 is open.
            result = try await queryExecutor.readFloatSeries(
                database: call.params["db"], retentionPolicy: call.params["rp"],
                start: query.startMs &* 1_000_000, end: query.endMs &* 1_000_000,
                matchers: matchers, field: RemoteWrite.field)
        } catch {
            return httpError(error.description, .badRequest, call)
        }
        for s in result.skipped {
            logger.info("Prometheus can't read cursor", metadata: ["cursor_type": "\(s.type.promCursorName)", "series": "\(s.seriesKey)"])
        }
        let series = result.series.map { s in
            RemoteSeries(labels: s.tags.filter { !$0.value.isEmpty }.map { ($0.key, $0.value) },
                         timestampsMs: s.times.map { $0 / 1_000_000 }, values: s.values)
        }
        var reply = Reply(status: .ok, body: RemoteRead.encode(series))
        reply.headers[.contentType] = "application/x-protobuf"
        reply.headers[.contentEncoding] = "snappy"
        return reply
    }

    /// A snappy body, or the answer to give instead.
    enum BoundedBody {
        case body(ByteBuffer)
        case refused(Reply)
    }

    /// The request body, or instead 413 past `max-body-size` (announced or sent) and `failure`
    /// with Go's error text when it ends early (the client went or stalled).
    func boundedBody(_ call: RouteRequest, failure: HTTPResponse.Status) async -> BoundedBody {
        if let limit = bodyLimit, (Self.declaredLength(call.request) ?? -1) > limit { return .refused(refuseAnnounced(call)) }
        switch await readBody(call.request, limit: bodyLimit) {
        case .whole(let body), .enough(let body): return .body(body)
        case .tooLarge: return .refused(tooLarge(call))
        case .failed(let text): return .refused(httpError(text, failure, call))
        }
    }
}

private extension FieldType {
    /// The cursor names 1.x logs for a field Prometheus cannot read.
    var promCursorName: String {
        switch self {
        case .integer: "int64"
        case .unsigned: "uint"
        case .boolean: "bool"
        case .string: "string"
        default: "float"
        }
    }
}
