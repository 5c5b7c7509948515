import AsyncAlgorithms
import Foundation
import HTTPTypes
import Hummingbird
import InfluxQL
import Meta
import Query

extension Handler {
    /// `GET|POST /query`: parse `q` (with `params`), authorize it, run it, and answer the
    /// buffered results in the client's format — 1.x's `serveQuery`.
    func serveQuery(_ call: RouteRequest) async -> Reply {
        statistics.queryRequests.increment()
        requestTracker.add(.query, user: call.user?.name)
        let began = ContinuousClock.now
        var sanitized = false
        var reply = await queryReply(call, sanitized: &sanitized)
        reply.sanitizesLoggedQuery = sanitized
        if let stream = reply.stream {
            // Chunked results are produced as they are written: the query's time ends there.
            let statistics = self.statistics
            reply.stream = { write in
                await stream(write)
                statistics.queryRequestDuration.add(ContinuousClock.now - began)
            }
        } else {
            statistics.queryRequestDuration.add(ContinuousClock.now - began)
        }
        return reply
    }

    /// `serveQuery` past its counters; `sanitized` is set once a `q` is found.
    private func queryReply(_ call: RouteRequest, sanitized: inout Bool) async -> Reply {
        var form = call.params
        if call.request.method == .post,
           call.request.headers.first(.contentType)?.hasPrefix("application/x-www-form-urlencoded") == true {
            let body = (try? await call.request.body.collect(upTo: config.maxBodySize > 0 ? config.maxBodySize : .max)) ?? ByteBuffer()
            // Go's Request.Form puts body values before URL values.
            form = QueryString(String(buffer: body)).merged(with: form)
        }
        var queryFile: String?
        if call.request.method == .post, let contentType = call.request.headers.first(.contentType),
           let boundary = MultipartForm.boundary(ofContentType: contentType) {
            let body = (try? await call.request.body.collect(upTo: config.maxBodySize > 0 ? config.maxBodySize : .max)) ?? ByteBuffer()
            if let multipart = MultipartForm(body: Array(buffer: body), boundary: boundary) {
                // Go appends multipart fields after the URL's values, so the URL's win; a file
                // part named q is read only when no q value is given.
                form = form.merged(with: QueryString(pairs: multipart.parts.filter { $0.filename == nil }
                    .map { ($0.name, String(decoding: $0.data, as: UTF8.self)) }))
                queryFile = multipart.parts.first { $0.name == "q" && $0.filename != nil }.map { String(decoding: $0.data, as: UTF8.self) }
            }
        }
        var q = Self.trimmed(form["q"], .whitespacesAndNewlines)
        if q.isEmpty, let queryFile { q = Self.trimmed(queryFile, .whitespacesAndNewlines) }
        guard !q.isEmpty else {
            return httpError("missing required parameter \"q\"", .badRequest, call)
        }
        sanitized = true
        let epoch = Self.trimmed(form["epoch"], .whitespaces)
        let database = form["db"]

        var params: [String: BoundValue] = [:]
        let rawParams = form["params"]
        if !rawParams.isEmpty {
            do throws(BoundParameters.Failure) {
                params = try BoundParameters.parse(rawParams)
            } catch {
                switch error {
                case .syntax(let m): return httpError("error parsing query parameters: " + m, .badRequest, call)
                case .number(let m): return httpError("error parsing json value: " + m, .badRequest, call)
                }
            }
        }

        let query: InfluxQL.Query
        do throws(ParseError) {
            query = params.isEmpty ? try parsedQueries.query(q) : try Parser.parseQuery(q, params: params)
        } catch {
            return httpError("error parsing query: " + error.description, .badRequest, call)
        }

        if config.authEnabled, let users {
            if let refusal = await QueryAuthorizer.authorize(user: call.user, query: query, database: database, users: users) {
                return httpError("error authorizing query: " + refusal, .forbidden, call)
            }
        }
        guard let queryExecutor else {
            return httpError("query execution is not available", .notImplemented, call)
        }

        var settings = ExecutionOptions(database: database, retentionPolicy: form["rp"], readOnly: call.request.method == .get)
        if form["chunked"] == "true" {
            settings.chunkSize = Int(form["chunk_size"]).flatMap { $0 > 0 ? $0 : nil } ?? 10_000
        }
        if config.authEnabled, let user = call.user, !user.admin { settings.user = user }
        let connection = ConnectionState.current
        if let connection { settings.clientGone = { connection.isClosed } }
        let options = settings
        if form["async"] == "true" {
            Task { _ = await queryExecutor.execute(query, options: options) }
            return Reply(status: .noContent)
        }
        if form["chunked"] == "true", call.format != .csv {
            // Each result is its own document, written as the query produces it.
            let format = call.format
            var reply = Reply(status: .ok)
            reply.chunked = true
            let statistics = self.statistics
            reply.stream = { write in
                await Self.streamResults(query, options: options, executor: queryExecutor) { result in
                    QueryResponse(results: [result]).encoded(format, epoch: epoch)
                } write: { bytes in
                    statistics.queryResponseBytes.increment(by: Int64(bytes.count))
                    try await write(bytes)
                }
            }
            return reply
        }
        let raw = await queryExecutor.execute(query, options: options)
        var body: [UInt8]
        if form["chunked"] == "true" {
            body = QueryResponse(results: raw).encoded(call.format, epoch: epoch)
        } else {
            body = QueryResponse.buffered(raw, maxRowLimit: config.maxRowLimit).encoded(call.format, epoch: epoch)
        }
        statistics.queryResponseBytes.increment(by: Int64(body.count))
        var reply = Reply(status: .ok, body: body)
        reply.chunked = true
        return reply
    }

    /// `text` without surrounding `set` characters (a whitespace set). Text that starts and
    /// ends with a visible ASCII character (nearly every query) is returned without making
    /// the set: Foundation's sets cost more to reach on Linux than the rest of the check.
    static func trimmed(_ text: String, _ set: @autoclosure () -> CharacterSet) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        let visible = UInt8(ascii: "!")...UInt8(ascii: "~")
        if visible.contains(first) && visible.contains(last) { return text }
        let set = set()
        guard let head = text.unicodeScalars.first, let tail = text.unicodeScalars.last else { return text }
        if !set.contains(head) && !set.contains(tail) { return text }
        return text.trimmingCharacters(in: set)
    }

    /// Runs the query in a child task that hands each encoded result over a channel with
    /// backpressure: the query waits while the client is slow to read, and stops (as KILL
    /// QUERY does) once a write fails or the connection closes.
    static func streamResults(_ query: InfluxQL.Query, options: ExecutionOptions, executor: QueryExecutor,
                              encode: @escaping @Sendable (StatementResult) -> [UInt8],
                              write: ([UInt8]) async throws -> Void) async {
        let documents = AsyncChannel<[UInt8]>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await executor.execute(query, options: options) { result in
                    await documents.send(encode(result))
                    return !Task.isCancelled
                }
                documents.finish()
            }
            do {
                for await document in documents { try await write(document) }
            } catch {
                group.cancelAll()
            }
        }
    }
}

/// 1.x's `QueryAuthorizer.AuthorizeQuery` with auth enabled: the refusal text, or nil.
enum QueryAuthorizer {
    static func authorize(user: UserInfo?, query: InfluxQL.Query, database: String, users: MetaClient) async -> String? {
        if users.userCount() == 0 {
            if case .createUser(_, _, true)? = query.statements.first { return nil }
            return "create admin user first or disable authentication"
        }
        guard let user else { return "no user provided" }
        if user.admin { return nil }
        for statement in query.statements {
            for p in statement.requiredPrivileges {
                if p.admin {
                    return "\(user.name) not authorized to execute statement '\(statement)', requires admin privilege"
                }
                let db = p.database.isEmpty ? database : p.database
                if !user.authorizeDatabase(Int32(p.privilege.rawValue), db) {
                    return "\(user.name) not authorized to execute statement '\(statement)', requires \(p.privilege.name) on \(db)"
                }
            }
        }
        return nil
    }
}
