#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HTTPTypes
import Hummingbird
import InfluxQL
import Meta

extension HTTPDConfig {
    /// 1.8's `pprof-auth-enabled` (with `auth-enabled` and `pprof-enabled`): the debug
    /// endpoints become routes that need an admin user, and only the routed ones exist.
    var debugRoutesAuthenticated: Bool { authEnabled && pprofEnabled && pprofAuthEnabled }
}

extension Handler {
    /// 1.x's `ServeHTTP` dispatch ahead of the route table: paths under these prefixes are
    /// answered without the route filters (no request ID, CORS or access log line) and without
    /// authentication. nil: not a debug path, the route table answers (a 404 for
    /// `/debug/pprof…` when `pprof-enabled` is false).
    func serveDebug(_ request: Request, path: String) async -> Reply? {
        guard !config.debugRoutesAuthenticated else { return nil }
        if config.pprofEnabled && path.hasPrefix("/debug/pprof") {
            return servePprof(path: path)
        }
        if path.hasPrefix("/debug/vars") {
            return serveDebugVars()
        }
        if path.hasPrefix("/debug/requests") {
            return await serveDebugRequests(params: QueryString(request.uri.query ?? ""), routed: nil)
        }
        return nil
    }

    // MARK: /debug/requests

    /// 1.x's default and longest `/debug/requests` collection.
    static let debugRequestsDefault: Int64 = 10_000_000_000
    static let debugRequestsMaximum: Int64 = 6 * 3_600_000_000_000

    /// `/debug/requests?seconds=N`: counts the `/query` and `/write` requests of each client
    /// (`user:ip`, or `ip` when no user authenticated) for N seconds (10 by default, at most
    /// 6 hours), then answers them as one JSON object. A client that goes away before that
    /// gets nothing. `routed`: the request's route filters when `pprof-auth-enabled` made it
    /// a route (errors then take the client's format).
    func serveDebugRequests(params: QueryString, routed call: RouteRequest?) async -> Reply {
        var wait = Self.debugRequestsDefault
        let seconds = params["seconds"]
        if !seconds.isEmpty {
            switch GoParseInt.parse(seconds) {
            case .failure(let error): return debugError(error.description, call)
            case .success(let n):
                // Go's `time.Duration(seconds) * time.Second` wraps.
                wait = n &* 1_000_000_000
                if wait > Self.debugRequestsMaximum {
                    return debugError("exceeded maximum interval time: \(InfluxQL.Duration.format(wait)) > \(InfluxQL.Duration.format(Self.debugRequestsMaximum))", call)
                }
            }
        }
        let profile = requestTracker.start()
        let connection = ConnectionState.current
        let deadline = ContinuousClock.now + .nanoseconds(wait)
        var gone = false
        while ContinuousClock.now < deadline {
            if connection?.isClosed == true { gone = true; break }
            // A server shutting down answers with what it has rather than hold the shutdown.
            if connection?.isQuiescing == true { break }
            try? await Task.sleep(for: min(deadline - ContinuousClock.now, .milliseconds(100)))
        }
        requestTracker.stop(profile)
        if gone { return Reply(status: .ok) }

        var body = Array("{\n".utf8)
        var first = true
        // Go ranges over a map (in no order); Sundial sorts the clients.
        for (key, counts) in profile.snapshot.sorted(by: { $0.key < $1.key }) {
            if !first { body += Array(",\n".utf8) }
            first = false
            body += Array(GoQuote.quote(key).utf8)
            body += Array(": {\"writes\":\(counts.writes),\"queries\":\(counts.queries)}".utf8)
        }
        body += Array("\n}\n".utf8)
        var reply = Reply(status: .ok, body: body)
        reply.headers[.contentType] = "application/json; charset=utf-8"
        reply.headers[.connection] = "close"
        return reply
    }

    /// 1.x's `httpError` for a handler outside the route table: `application/json` and
    /// `json.Marshal`'s body, with no newline. Routed, the usual error in the client's format.
    private func debugError(_ message: String, _ call: RouteRequest?) -> Reply {
        if let call { return httpError(message, .badRequest, call) }
        var body = Array("{\"error\":".utf8)
        GoJSON.appendString(message, to: &body)
        body.append(UInt8(ascii: "}"))
        var reply = Reply(status: .badRequest, body: body)
        reply.headers[.contentType] = "application/json"
        reply.headers.append(HTTPField(name: .xInfluxdbError, value: Array(message.utf8).prefix(1024)))
        return reply
    }

    // MARK: /debug/pprof

    /// The Go runtime profiles 1.x serves. Sundial is not a Go program: these answer 501.
    static let goProfiles: Set<String> = ["allocs", "block", "goroutine", "mutex", "threadcreate", "profile", "symbol", "all"]

    /// `/debug/pprof…` with `pprof-enabled`: 1.x's `handleProfiles` paths, answered with what
    /// Sundial has — the command line, jemalloc's heap statistics, an index naming them —
    /// and a 501 explaining why for the Go runtime's profiles.
    func servePprof(path: String) -> Reply {
        switch path {
        case "/debug/pprof/cmdline": return Self.pprofCmdline()
        case "/debug/pprof/profile": return Self.goProfileUnavailable("profile")
        case "/debug/pprof/symbol": return Self.goProfileUnavailable("symbol")
        case "/debug/pprof/all": return Self.goProfileUnavailable("all")
        default: break
        }
        // Go's `pprof.Index`: a name after `/debug/pprof/` is a profile; anything else the index.
        if path.hasPrefix("/debug/pprof/") {
            let name = String(path.dropFirst("/debug/pprof/".count))
            if !name.isEmpty {
                if name == "heap" { return Self.pprofHeap() }
                if Self.goProfiles.contains(name) { return Self.goProfileUnavailable(name) }
                var reply = Reply(status: .notFound, body: Array("Unknown profile\n".utf8))
                reply.headers[.contentType] = "text/plain; charset=utf-8"
                reply.headers[.xContentTypeOptions] = "nosniff"
                reply.headers[.xGoPprof] = "1"
                return reply
            }
        }
        return Self.pprofIndex()
    }

    /// Go's `pprof.Cmdline`: the arguments joined by NUL bytes.
    static func pprofCmdline() -> Reply {
        var body: [UInt8] = []
        for (i, argument) in CommandLine.arguments.enumerated() {
            if i > 0 { body.append(0) }
            body += Array(argument.utf8)
        }
        var reply = Reply(status: .ok, body: body)
        reply.headers[.contentType] = "text/plain; charset=utf-8"
        reply.headers[.xContentTypeOptions] = "nosniff"
        return reply
    }

    /// `/debug/pprof/heap`: jemalloc's `malloc_stats_print` text (the daemon allocates through
    /// jemalloc); 501 in a process that does not (the tests, a build without it).
    static func pprofHeap() -> Reply {
        guard let text = JemallocStats.text() else {
            return .plainText("Sundial cannot produce a heap profile: this process does not allocate through jemalloc, whose statistics /debug/pprof/heap shows", status: .notImplemented)
        }
        var reply = Reply(status: .ok, body: text)
        reply.headers[.contentType] = "text/plain; charset=utf-8"
        reply.headers[.xContentTypeOptions] = "nosniff"
        return reply
    }

    static func goProfileUnavailable(_ name: String) -> Reply {
        .plainText("Sundial cannot produce Go profiles: /debug/pprof/\(name) is a profile of the Go runtime, which Sundial (a Swift program) does not have. "
                   + "Available: /debug/pprof/cmdline (the command line) and /debug/pprof/heap (jemalloc's allocator statistics).", status: .notImplemented)
    }

    /// Go's profile index page, listing what Sundial can answer.
    static func pprofIndex() -> Reply {
        let page = """
        <html>
        <head>
        <title>/debug/pprof/</title>
        <style>
        .profile-name{
        \tdisplay:inline-block;
        \twidth:6rem;
        }
        </style>
        </head>
        <body>
        /debug/pprof/<br>
        <br>
        Types of profiles available:
        <table>
        <thead><td>Count</td><td>Profile</td></thead>
        <tr><td>0</td><td><a href='cmdline?debug=1'>cmdline</a></td></tr>
        <tr><td>0</td><td><a href='heap?debug=1'>heap</a></td></tr>
        </table>
        <br>
        <p>
        Profile Descriptions:
        <ul>
        <li><div class=profile-name>cmdline: </div> The command line invocation of the current program</li>
        <li><div class=profile-name>heap: </div> The allocator's statistics as text (jemalloc's malloc_stats_print), not a Go heap profile</li>
        </ul>
        </p>
        <p>
        Sundial is a Swift program: the Go runtime's profiles (allocs, block, goroutine, mutex, profile, symbol, threadcreate, all) answer 501 Not Implemented.
        </p>
        </body>
        </html>

        """
        var reply = Reply(status: .ok, body: Array(page.utf8))
        reply.headers[.contentType] = "text/html; charset=utf-8"
        reply.headers[.xContentTypeOptions] = "nosniff"
        return reply
    }

    // MARK: Routed debug endpoints (pprof-auth-enabled)

    /// The debug routes of 1.8's `pprof-auth-enabled`: an admin user only, 403 otherwise.
    func serveAdminDebug(_ call: RouteRequest, _ serve: () async -> Reply) async -> Reply {
        guard let user = call.user, user.admin else { return httpError("error authorizing admin access", .forbidden, call) }
        return await serve()
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`, with its error texts.
enum GoParseInt {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ s: String) -> Result<Int64, Failure> {
        var digits = Substring(s)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .failure(Failure(description: "strconv.ParseInt: parsing \(GoQuote.quote(s)): invalid syntax"))
        }
        var magnitude: UInt64 = 0
        for d in digits.utf8 {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(d - UInt8(ascii: "0")))
            if o1 || o2 { return .failure(Failure(description: "strconv.ParseInt: parsing \(GoQuote.quote(s)): value out of range")) }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else {
                return .failure(Failure(description: "strconv.ParseInt: parsing \(GoQuote.quote(s)): value out of range"))
            }
            return .success(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else {
            return .failure(Failure(description: "strconv.ParseInt: parsing \(GoQuote.quote(s)): value out of range"))
        }
        return .success(Int64(magnitude))
    }
}

/// jemalloc's statistics, when the process allocates through it (looked up at run time: the
/// HTTP module does not link jemalloc, only the daemon does).
enum JemallocStats {
    private typealias WriteCallback = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void
    private typealias StatsPrint = @convention(c) (WriteCallback?, UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void

    /// `malloc_stats_print`'s text, or nil without jemalloc.
    static func text() -> [UInt8]? {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_stats_print") else { return nil }
        let print = unsafeBitCast(symbol, to: StatsPrint.self)
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        print({ opaque, text in
            guard let opaque, let text else { return }
            let sink = Unmanaged<Sink>.fromOpaque(opaque).takeUnretainedValue()
            sink.bytes += Array(UnsafeBufferPointer(start: UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), count: strlen(text)))
        }, unmanaged.toOpaque(), nil)
        return sink.bytes
    }
}

extension HTTPField.Name {
    static let xGoPprof = Self("X-Go-Pprof")!
}
