import Foundation
import HTTPTypes
import Logging
import Meta
import SundialTestSupport
import Testing
@testable import HTTPD

/// `/debug/requests` and `/debug/pprof` as 1.x answers them (headers and bodies recorded from
/// influxd 1.6.7 where it has them), over real sockets.
@Suite struct DebugRoutesTests {
    static func withHandler(_ config: HTTPDConfig = HTTPDConfig(), meta: MetaClient? = nil,
                            _ body: (Int) async throws -> Void) async throws {
        try await withServedHandler(config, meta: meta) { port, _ in try await body(port) }
    }

    static func withServedHandler(_ config: HTTPDConfig = HTTPDConfig(), meta: MetaClient? = nil,
                                  _ body: (Int, Handler) async throws -> Void) async throws {
        var config = config
        config.logEnabled = false
        let handler = try await OperationsFixture.handler(config, meta: meta)
        try await HTTPService.withService(handler: handler, logger: Logger(label: "test")) { port, _ in try await body(port, handler) }
    }

    /// Waits (at most 10 s) until a `/debug/requests` is collecting, so that what follows is counted.
    static func untilCollecting(_ handler: Handler) async throws {
        for _ in 0..<1000 where !handler.requestTracker.isCollecting { try await Task.sleep(for: .milliseconds(10)) }
        #expect(handler.requestTracker.isCollecting)
    }

    static func basic(_ user: String, _ password: String) -> [String] {
        ["Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    /// Runs `requests` while a `/debug/requests?seconds=N` collects and returns its answer. A
    /// loaded machine (the whole suite runs process tests beside this on two cores) can take
    /// longer than the window for the requests; then the attempt says nothing and is made
    /// again with a window twice as long (6, 12, 24, 48 s), so the counts checked are always
    /// of requests that all fell inside the window.
    static func profiled(_ port: Int, _ handler: Handler,
                         _ requests: () async throws -> Void) async throws -> RawHTTPClient.Response? {
        for window in [6, 12, 24, 48] {
            let began = ContinuousClock.now
            async let profile = OperationsFixture.send(port, "GET", "/debug/requests?seconds=\(window)")
            try await untilCollecting(handler)
            try await requests()
            let inside = ContinuousClock.now - began < .seconds(window - 1)
            let response = try await profile
            if inside { return response }
        }
        Issue.record("four attempts each took longer than their window (up to 48 s)")
        return nil
    }

    /// While a /debug/requests waits, /query and /write requests are counted per client; other
    /// routes and requests that fail authentication are not.
    @Test func debugRequestsCountsQueriesAndWritesPerClient() async throws {
        try await Self.withServedHandler { port, handler in
            let answer = try await Self.profiled(port, handler) {
                _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES")
                _ = try await OperationsFixture.send(port, "POST", "/query", headers: [["X-Forwarded-For", "1.2.3.4"]])
                _ = try await OperationsFixture.send(port, "POST", "/write?db=db0", body: "cpu v=1")
                _ = try await OperationsFixture.send(port, "POST", "/write", body: "cpu v=1")
                _ = try await OperationsFixture.send(port, "POST", "/api/v2/write?bucket=db0", body: "cpu v=1")
                _ = try await OperationsFixture.send(port, "GET", "/ping")
            }
            guard let response = answer else { return }
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "{\n\"127.0.0.1\": {\"writes\":2,\"queries\":2}\n}\n")
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            #expect(response.header("Connection") == "close")
            #expect(response.header("X-Request-Id") == nil, "answered outside the route filters")
            // Nobody waiting: nothing is kept for the next one.
            let empty = try await OperationsFixture.send(port, "GET", "/debug/requests?seconds=0")
            #expect(String(decoding: empty.body, as: UTF8.self) == "{\n\n}\n")
        }
    }

    /// With authentication, the key is `user:ip` (1.x's `RequestInfo.String`).
    @Test func debugRequestsNamesAuthenticatedUsers() async throws {
        let meta = MetaClient()
        try await meta.createUser("root", password: "pw", admin: true)
        try await meta.createUser("bob", password: "bb", admin: false)
        var config = HTTPDConfig()
        config.authEnabled = true
        try await Self.withServedHandler(config, meta: meta) { port, handler in
            // Once first, so that bcrypt (slow in a debug build on a busy machine) is behind us:
            // nothing is counted while no profile waits.
            _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES", headers: [Self.basic("root", "pw")])
            _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES&u=bob&p=bb")
            _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES&u=bob&p=wrong")
            let answer = try await Self.profiled(port, handler) {
                _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES", headers: [Self.basic("root", "pw")])
                _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES&u=bob&p=bb")
                _ = try await OperationsFixture.send(port, "POST", "/write?db=db0&u=bob&p=bb", body: "cpu v=1")
                _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES&u=bob&p=wrong")
            }
            guard let response = answer else { return }
            #expect(String(decoding: response.body, as: UTF8.self) == "{\n\"bob:127.0.0.1\": {\"writes\":1,\"queries\":1},\n\"root:127.0.0.1\": {\"writes\":0,\"queries\":1}\n}\n")
        }
    }

    /// 1.x's answers to a `seconds` it cannot use (its texts, `application/json`, no newline).
    @Test(arguments: [
        ("abc", #"{"error":"strconv.ParseInt: parsing \"abc\": invalid syntax"}"#),
        ("99999999", #"{"error":"exceeded maximum interval time: 99999999s \u003e 6h"}"#),
        ("21601", #"{"error":"exceeded maximum interval time: 21601s \u003e 6h"}"#),
        ("99999999999999999999", #"{"error":"strconv.ParseInt: parsing \"99999999999999999999\": value out of range"}"#),
        ("1.5", #"{"error":"strconv.ParseInt: parsing \"1.5\": invalid syntax"}"#),
    ])
    func debugRequestsRefusesBadSeconds(seconds: String, body: String) async throws {
        try await Self.withHandler { port in
            let response = try await OperationsFixture.send(port, "GET", "/debug/requests?seconds=\(seconds)")
            #expect(response.status == 400)
            #expect(String(decoding: response.body, as: UTF8.self) == body)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("X-Influxdb-Error") != nil)
        }
    }

    /// A zero or negative interval, or a path under the prefix, answers at once (Go's timer fires).
    @Test(arguments: ["/debug/requests?seconds=0", "/debug/requests?seconds=-5", "/debug/requests/x?seconds=0"])
    func debugRequestsEndsAtOnceWithoutTime(target: String) async throws {
        try await Self.withHandler { port in
            let began = ContinuousClock.now
            let response = try await OperationsFixture.send(port, "GET", target)
            #expect(ContinuousClock.now - began < .seconds(5), "the default wait is 10 s")
            #expect(response.status == 200 && String(decoding: response.body, as: UTF8.self) == "{\n\n}\n")
        }
    }

    @Test(arguments: [
        ("/debug/pprof/", 200, "text/html; charset=utf-8", "<title>/debug/pprof/</title>"),
        ("/debug/pprof", 200, "text/html; charset=utf-8", "Types of profiles available:"),
        ("/debug/pprofx", 200, "text/html; charset=utf-8", "<a href='heap?debug=1'>heap</a>"),
        ("/debug/pprof/goroutine?debug=2", 501, "text/plain; charset=utf-8", "Sundial cannot produce Go profiles: /debug/pprof/goroutine is a profile of the Go runtime"),
        ("/debug/pprof/profile?seconds=5", 501, "text/plain; charset=utf-8", "Sundial cannot produce Go profiles: /debug/pprof/profile"),
        ("/debug/pprof/all", 501, "text/plain; charset=utf-8", "Sundial cannot produce Go profiles: /debug/pprof/all"),
        ("/debug/pprof/trace", 404, "text/plain; charset=utf-8", "Unknown profile\n"),
        ("/debug/pprof/nosuch", 404, "text/plain; charset=utf-8", "Unknown profile\n"),
        // The test process allocates through the toolchain's malloc, not jemalloc.
        ("/debug/pprof/heap", 501, "text/plain; charset=utf-8", "Sundial cannot produce a heap profile: this process does not allocate through jemalloc"),
    ])
    func pprofAnswersWhatSundialHas(target: String, status: Int, contentType: String, text: String) async throws {
        try await Self.withHandler { port in
            let response = try await OperationsFixture.send(port, "GET", target)
            #expect(response.status == status)
            #expect(response.header("Content-Type") == contentType)
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(String(decoding: response.body, as: UTF8.self).contains(text))
            #expect(response.header("X-Go-Pprof") == (status == 404 ? "1" : nil))
        }
    }

    /// Go's `pprof.Cmdline`: the arguments joined by NUL.
    @Test func pprofCmdlineIsTheNULSeparatedCommandLine() async throws {
        try await Self.withHandler { port in
            let response = try await OperationsFixture.send(port, "GET", "/debug/pprof/cmdline")
            #expect(response.status == 200)
            #expect(response.body == Array(CommandLine.arguments.joined(separator: "\0").utf8))
        }
    }

    /// `pprof-enabled = false`: the route table answers, as influxd 1.6.7 does (404).
    @Test(arguments: ["/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap"])
    func pprofDisabledIsNotFound(target: String) async throws {
        var config = HTTPDConfig()
        config.pprofEnabled = false
        try await Self.withHandler(config) { port in
            let response = try await OperationsFixture.send(port, "GET", target)
            #expect(response.status == 404)
            #expect(String(decoding: response.body, as: UTF8.self) == "404 page not found\n")
        }
    }

    /// 1.8's `pprof-auth-enabled` (with authentication): the debug endpoints are routes for
    /// admin users only; the rest of the prefixes is not found.
    @Test(arguments: [
        ("/debug/pprof/cmdline", "root", 200),
        ("/debug/pprof/cmdline", "bob", 403),
        ("/debug/pprof/cmdline", nil, 401),
        ("/debug/pprof/profile", "root", 501),
        ("/debug/requests?seconds=0", "root", 200),
        ("/debug/requests?seconds=0", "bob", 403),
        ("/debug/pprof/heap", "root", 404),
        ("/debug/pprof/", "root", 404),
    ] as [(String, String?, Int)])
    func pprofAuthMakesDebugRoutesAdminOnly(target: String, user: String?, status: Int) async throws {
        let meta = MetaClient()
        try await meta.createUser("root", password: "pw", admin: true)
        try await meta.createUser("bob", password: "bb", admin: false)
        var config = HTTPDConfig()
        config.authEnabled = true
        config.pprofAuthEnabled = true
        try await Self.withHandler(config, meta: meta) { port in
            let headers = user.map { [Self.basic($0, $0 == "root" ? "pw" : "bb")] } ?? []
            let response = try await OperationsFixture.send(port, "GET", target, headers: headers)
            #expect(response.status == status)
            if status == 403 {
                #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"error authorizing admin access"}"# + "\n")
            }
            if status == 200 { #expect(response.header("X-Request-Id") != nil, "routed: the route filters apply") }
        }
    }
}
