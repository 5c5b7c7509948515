import Gzip
import HTTPTypes
import Hummingbird
import LineProtocol
import Logging
import Meta
import TSDB

extension Handler {
    /// 1.x's first checks of a write, in its order: a database is named, exists, and the user
    /// may write to it.
    func targetRefusal(database: String, _ call: RouteRequest) -> Reply? {
        guard !database.isEmpty else { return httpError("database is required", .badRequest, call) }
        guard catalog.databaseExists(database) else {
            return httpError("database not found: \(GoQuote.quote(database))", .notFound, call)
        }
        return writeRefusal(database: database, call)
    }

    /// 1.x's write authorization when `auth-enabled`: a user with WRITE (or ALL) on the database.
    private func writeRefusal(database: String, _ call: RouteRequest) -> Reply? {
        guard config.authEnabled, users != nil else { return nil }
        guard let user = call.user else {
            return httpError("user is required to write to database \(GoQuote.quote(database))", .forbidden, call)
        }
        guard user.authorizeDatabase(2, database) else {
            return httpError("\(GoQuote.quote(user.name)) user is not authorized to write to database \(GoQuote.quote(database))", .forbidden, call)
        }
        return nil
    }

    /// `POST /write` (1.8's `serveWriteV1`): the `db`, `rp` and `precision` parameters. An
    /// unknown precision is refused; 1.8 answers the same 400 but writes the points anyway
    /// (its handler does not return there), which Sundial does not copy.
    func serveWrite(_ call: RouteRequest) async -> Reply {
        requestTracker.add(.write, user: call.user?.name)
        let precision = call.params["precision"]
        guard ["", "n", "ns", "u", "ms", "s", "m", "h"].contains(precision) else {
            return httpError("invalid precision \(GoQuote.quote(precision)) (use n, u, ms, s, m or h)", .badRequest, call)
        }
        return await serveWrite(database: call.params["db"], retentionPolicy: call.params["rp"], precision: precision, call)
    }

    /// `POST /api/v2/write` (1.8): the `bucket` is `db` or `db/rp`, `org` is ignored, the
    /// precision is spelled as in 2.x (`ns`, `us`, `ms`, `s`).
    func serveWriteV2(_ call: RouteRequest) async -> Reply {
        var precision = call.params["precision"]
        switch precision {
        case "ns": precision = "n"
        case "us": precision = "u"
        case "ms", "s", "": break
        default:
            return httpError("invalid precision \(GoQuote.quote(precision)) (use ns, us, ms or s)", .badRequest, call)
        }
        let bucket = call.params["bucket"]
        guard let slash = bucket.firstIndex(of: "/") else {
            guard !bucket.isEmpty else {
                return httpError("bucket name \(GoQuote.quote(bucket)) is missing a slash; not in \"database/retention-policy\" format", .notFound, call)
            }
            return await serveWrite(database: bucket, retentionPolicy: "", precision: precision, call)
        }
        let database = String(bucket[..<slash])
        guard !database.isEmpty else {
            return httpError("bucket name \(GoQuote.quote(bucket)) is in db/rp form but has an empty database", .notFound, call)
        }
        return await serveWrite(database: database, retentionPolicy: String(bucket[bucket.index(after: slash)...]), precision: precision, call)
    }

    /// Line protocol into a database, with 1.x's checks in 1.x's order — database, body size,
    /// gzip, parse, consistency, write — and its status codes. `max-body-size` bounds the body
    /// as sent and, unlike 1.x, as inflated from gzip.
    func serveWrite(database: String, retentionPolicy: String, precision: String, _ call: RouteRequest) async -> Reply {
        statistics.writeRequests.increment()
        statistics.activeWriteRequests.increment()
        let began = ContinuousClock.now
        defer {
            statistics.activeWriteRequests.decrement()
            statistics.writeRequestDuration.add(ContinuousClock.now - began)
        }
        if let refusal = targetRefusal(database: database, call) { return refusal }

        let gzipped = call.request.headers.first(.contentEncoding) == "gzip"
        let limit = bodyLimit
        // 1.x refuses a body announced past the limit before reading it; for gzip, after the
        // header that gzip.NewReader reads first.
        let announcedTooLarge = limit.map { (Self.declaredLength(call.request) ?? -1) > $0 } ?? false
        if announcedTooLarge && !gzipped { return refuseAnnounced(call) }
        let body: ByteBuffer
        switch await readBody(call.request, limit: limit, enough: { announcedTooLarge && GzipStream.headerIsDecided($0) }) {
        case .whole(let buffer):
            body = buffer
        case .tooLarge(let start), .enough(let start):
            if gzipped {
                do { try GzipStream.checkHeader(start) } catch where !error.isEndOfInput { return httpError(error.description, .badRequest, call) } catch {}
            }
            return tooLarge(call)
        case .failed(let text):
            return httpError(text, .badRequest, call)
        }
        if gzipped {
            do { try GzipStream.checkHeader(body) } catch { return httpError(error.description, .badRequest, call) }
        }

        var lines = body
        if gzipped {
            // The limit holds for the inflated body too: a small body may inflate a thousandfold.
            do {
                guard let inflated = try GzipStream.decode(body, limit: limit) else { return tooLarge(call) }
                lines = inflated
            } catch {
                return httpError(error.description, .badRequest, call)
            }
        }
        statistics.writeRequestBytes.increment(by: Int64(lines.readableBytes))
        if config.writeTracing {
            logger.info("Write body received by handler", metadata: ["body": "\(String(buffer: lines))"])
        }

        let options = ParseOptions(precision: Precision(queryValue: precision), defaultTime: now())
        let parsed = lines.withUnsafeReadableBytes { LineProtocolParser.parse($0, options: options) }
        if let parseError = parsed.errorBytes, parsed.points.isEmpty {
            return httpError(parseError, .badRequest, call)
        }

        if let refusal = consistencyRefusal(call) { return refusal }
        if let failure = await write(parsed.points, database: database, retentionPolicy: retentionPolicy, call) { return failure }
        if let parseError = parsed.errorBytes {
            // Good lines were written; the bad ones are reported as a partial write.
            return httpError(Array("partial write: ".utf8) + parseError + Array(" dropped=0".utf8), .badRequest, call)
        }
        return Reply(status: .noContent)
    }

    /// 1.x's check of the `consistency` parameter (a single node accepts every level).
    func consistencyRefusal(_ call: RouteRequest) -> Reply? {
        let level = call.params["consistency"]
        if !level.isEmpty && !["any", "one", "quorum", "all"].contains(level.lowercased()) {
            return httpError("invalid consistency level", .badRequest, call)
        }
        return nil
    }

    /// Writes the points and counts them; the failure reply with 1.x's status for each kind
    /// of write error, or nil when all were written.
    func write(_ points: [Point], database: String, retentionPolicy: String, _ call: RouteRequest) async -> Reply? {
        do {
            try await pointsWriter.writePoints(database: database, retentionPolicy: retentionPolicy, points: points)
        } catch {
            switch error {
            case .client(let message):
                statistics.pointsWrittenFail.increment(by: Int64(points.count))
                return httpError(message, .badRequest, call)
            case .partial(_, let dropped):
                statistics.pointsWrittenOK.increment(by: Int64(max(0, points.count - dropped)))
                statistics.pointsWrittenDropped.increment(by: Int64(dropped))
                return httpError(error.description, .badRequest, call)
            case .server(let message):
                statistics.pointsWrittenFail.increment(by: Int64(points.count))
                return httpError(message, .internalServerError, call)
            }
        }
        statistics.pointsWrittenOK.increment(by: Int64(points.count))
        return nil
    }
}
