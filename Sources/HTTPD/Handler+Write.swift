import Gzip
import Prometheus
import HTTPTypes
import Hummingbird
import LineProtocol
import Meta
import TSDB

extension Handler {
    /// 1.x's write authorization when `auth-enabled`: a user with WRITE (or ALL) on the database.
    func writeRefusal(database: String, _ call: RouteRequest) -> Reply? {
        guard config.authEnabled, users != nil else { return nil }
        guard let user = call.user else {
            return httpError("user is required to write to database \(GoQuote.quote(database))", .forbidden, call)
        }
        guard user.authorizeDatabase(2, database) else {
            return httpError("\(GoQuote.quote(user.name)) user is not authorized to write to database \(GoQuote.quote(database))", .forbidden, call)
        }
        return nil
    }

    /// `POST /write`: line protocol into a database, with 1.x's checks in 1.x's order —
    /// database, body size, gzip, parse, consistency, write — and its status codes.
    func serveWrite(_ call: RouteRequest) async -> Reply {
        statistics.writeRequests.increment()
        let database = call.params["db"]
        guard !database.isEmpty else { return httpError("database is required", .badRequest, call) }
        guard catalog.databaseExists(database) else {
            return httpError("database not found: \(GoQuote.quote(database))", .notFound, call)
        }
        if let refusal = writeRefusal(database: database, call) { return refusal }

        let gzipped = call.request.headers.first(.contentEncoding) == "gzip"
        let limit = config.maxBodySize
        let declaredLength = call.request.headers.first(.contentLength).flatMap { Int($0) } ?? -1
        // 1.x limits the raw stream only for plain bodies; a gzip body is bounded by
        // Content-Length alone, and its decompressed size not at all.
        let body: ByteBuffer
        switch await readBody(call.request, limit: gzipped || limit <= 0 ? nil : limit) {
        case .some(let buffer): body = buffer
        case .none: return tooLarge(call)
        }
        if gzipped {
            do { try GzipStream.checkHeader(body) } catch { return httpError(error.description, .badRequest, call) }
        }
        if declaredLength > 0 && limit > 0 && declaredLength > limit { return tooLarge(call) }

        var lines = body
        if gzipped {
            do { lines = try GzipStream.decode(body) } catch { return httpError(error.description, .badRequest, call) }
        }
        statistics.writeRequestBytes.increment(by: Int64(lines.readableBytes))

        let options = ParseOptions(precision: Precision(queryValue: call.params["precision"]), defaultTime: now())
        let parsed = lines.withUnsafeReadableBytes { LineProtocolParser.parse($0, options: options) }
        if let parseError = parsed.errorBytes, parsed.points.isEmpty {
            return httpError(parseError, .badRequest, call)
        }

        let level = call.params["consistency"]
        if !level.isEmpty && !["any", "one", "quorum", "all"].contains(level.lowercased()) {
            return httpError("invalid consistency level", .badRequest, call)
        }

        do {
            try await pointsWriter.writePoints(database: database, retentionPolicy: call.params["rp"], points: parsed.points)
        } catch {
            switch error {
            case .client(let message):
                statistics.pointsWrittenFail.increment(by: Int64(parsed.points.count))
                return httpError(message, .badRequest, call)
            case .partial(_, let dropped):
                statistics.pointsWrittenOK.increment(by: Int64(max(0, parsed.points.count - dropped)))
                statistics.pointsWrittenDropped.increment(by: Int64(dropped))
                return httpError(error.description, .badRequest, call)
            case .server(let message):
                statistics.pointsWrittenFail.increment(by: Int64(parsed.points.count))
                return httpError(message, .internalServerError, call)
            }
        }
        statistics.pointsWrittenOK.increment(by: Int64(parsed.points.count))
        if let parseError = parsed.errorBytes {
            // Good lines were written; the bad ones are reported as a partial write.
            return httpError(Array("partial write: ".utf8) + parseError + Array(" dropped=0".utf8), .badRequest, call)
        }
        return Reply(status: .noContent)
    }

    private func tooLarge(_ call: RouteRequest) -> Reply {
        httpError("Request Entity Too Large", .contentTooLarge, call)
    }

    /// The whole body, or nil once it exceeds `limit` bytes.
    private func readBody(_ request: Request, limit: Int?) async -> ByteBuffer? {
        var collected = ByteBuffer()
        do {
            for try await var chunk in request.body {
                if let limit, collected.readableBytes + chunk.readableBytes > limit { return nil }
                collected.writeBuffer(&chunk)
            }
        } catch {
            return collected
        }
        return collected
    }
}
