import Foundation
import HTTPTypes
import Logging
import Meta
import Query
import Synchronization
import SundialTestSupport
import Testing
import TSDB
@testable import HTTPD

/// A handler over an in-memory catalog with `db0`, a recording writer and a real query executor.
enum OperationsFixture {
    static func handler(_ config: HTTPDConfig, meta: MetaClient? = nil, writer: RecordingWriter = RecordingWriter(),
                        logger: Logger = Logger(label: "test")) async throws -> Handler {
        let meta = meta ?? MetaClient()
        if meta.database("db0") == nil { try await meta.createDatabase("db0") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-ops-\(UUID())").path
        let store = Store(dataDir: dir + "/data", walDir: dir + "/wal")
        return Handler(config: config, version: "test", catalog: FixedCatalog(names: ["db0"]), pointsWriter: writer,
                       users: meta, queryExecutor: QueryExecutor(meta: meta, store: store), logger: logger)
    }

    /// A request as RawHTTPClient sends it: `Host`, the given headers, `Connection: close`.
    static func send(_ port: Int, _ method: String, _ target: String, headers: [[String]] = [], body: String = "") async throws -> RawHTTPClient.Response {
        try await RawHTTPClient.send(RawHTTPClient.encode(method: method, target: target, headers: headers, body: Array(body.utf8), chunked: false, port: port),
                                     port: port, isHead: method == "HEAD")
    }

    /// A fresh path for an access log file.
    static func logPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sundial-access-\(UUID()).log").path
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// Log records kept for assertions.
final class CapturedLogs: Sendable {
    private let records = Mutex<[(level: Logger.Level, message: String, metadata: [String: String])]>([])
    var all: [(level: Logger.Level, message: String, metadata: [String: String])] { records.withLock { $0 } }
    func append(_ level: Logger.Level, _ message: String, _ metadata: [String: String]) { records.withLock { $0.append((level, message, metadata)) } }

    var logger: Logger { Logger(label: "test") { _ in Capture(logs: self) } }

    struct Capture: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            logs.append(event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 }.mapValues(\.description))
        }
    }
}

/// The access log's pieces: 1.8's status filters, influxql's `Sanitize`, the target as 1.x
/// rewrites it, the user it names.
@Suite struct AccessLogLineTests {
    @Test(arguments: [
        ("200", 200, [200], [204, 404]),
        ("4xx", 4, [400, 404, 499], [399, 500]),
        ("4XX", 4, [404], [500]),
        ("40x", 40, [400, 409], [410, 200]),
        ("5xx", 5, [503], [404]),
    ])
    func statusFiltersMatchAs18(text: String, base: Int, matching: [Int], notMatching: [Int]) throws {
        let filter = try StatusFilter(parsing: text)
        #expect(filter.base == base)
        #expect(filter.description == text.uppercased())
        for status in matching { #expect(filter.matches(status), "\(text) \(status)") }
        for status in notMatching { #expect(!filter.matches(status), "\(text) \(status)") }
        #expect(StatusFilter.match([], 999))
    }

    @Test(arguments: [
        ("6xx", "status filter must be a digit that starts with 1-5 optionally followed by X characters"),
        ("x00", "status filter must be a digit that starts with 1-5 optionally followed by X characters"),
        ("4x5", "status filter must be a digit that starts with 1-5 optionally followed by X characters"),
        ("", "status filter must be a digit that starts with 1-5 optionally followed by X characters"),
        ("4xxx", "status filter must be exactly 3 characters long"),
        ("40", "status filter must be exactly 3 characters long"),
        ("2000", "status filter must be exactly 3 characters long"),
    ])
    func statusFiltersRefusedAs18(text: String, message: String) {
        #expect(throws: StatusFilterError(message)) { try StatusFilter(parsing: text) }
    }

    /// Expected texts from influxql's two regular expressions (checked with an equivalent
    /// backtracking engine).
    @Test(arguments: [
        (#"create user "admin" with password 'admin'"#, #"create user "admin" with password [REDACTED]"#),
        (#"set password for "admin" = 'admin'"#, #"set password for "admin" = [REDACTED]"#),
        (#"create user "admin" with password "admin""#, #"create user "admin" with password [REDACTED]"#),
        (#"set password for "admin" = "admin""#, #"set password for "admin" = [REDACTED]"#),
        ("CREATE USER joe WITH PASSWORD 'pw' WITH ALL PRIVILEGES", "CREATE USER joe WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES"),
        ("CREATE USER a WITH PASSWORD 'x'; CREATE USER b WITH  PASSWORD\t'y'", "CREATE USER a WITH PASSWORD [REDACTED] CREATE USER b WITH  PASSWORD\t[REDACTED]"),
        ("SET PASSWORD FOR \"x\" = 'it''s'; SELECT 1", "SET PASSWORD FOR \"x\" = [REDACTED] SELECT 1"),
        ("with password ' spaced'", "with password [REDACTED] spaced'"),
        ("with password \" spaced\"", "with password \" spaced\""),
        ("with password", "with password"),
        ("SET PASSWORD FOR bob ='nospace'", "SET PASSWORD FOR bob ='nospace'"),
        ("set password for a = 'p\"q'", "set password for a = [REDACTED]q'"),
        ("WITH PAſſWORD 'x'", "WITH PAſſWORD [REDACTED]"),
        ("SELECT * FROM cpu WHERE host = 'password for x = 1'", "SELECT * FROM cpu WHERE host = 'password for x = [REDACTED]"),
        ("create user u with password 'a'b\"c'", "create user u with password [REDACTED]c'"),
        ("SELECT mean(v) FROM cpu", "SELECT mean(v) FROM cpu"),
    ])
    func sanitizeRedactsPasswordsAsInfluxQL(query: String, expected: String) {
        #expect(InfluxQLSanitize.sanitize(query) == expected)
    }

    /// Targets as influxd 1.6.7 logged them for the same requests.
    @Test(arguments: [
        ("/ping", false, "/ping"),
        ("/query?q=CREATE+DATABASE+db0&p=secret&u=bob", true, "/query?p=%5BREDACTED%5D&q=CREATE+DATABASE+db0&u=bob"),
        ("/query?q=SHOW+DATABASES&db=db0&z=1&a=2", true, "/query?a=2&db=db0&q=SHOW+DATABASES&z=1"),
        ("/query?q=select+*+from+cpu&db=db0&chunked=true", true, "/query?chunked=true&db=db0&q=select+%2A+from+cpu"),
        ("/query?q=SELECT%20*%20FROM%20cpu&db=db0&u=u%20x&p=", true, "/query?db=db0&p=&q=SELECT+%2A+FROM+cpu&u=u+x"),
        ("/query?q=SHOW+DATABASES&u=bob&p=bb", true, "/query?p=%5BREDACTED%5D&q=SHOW+DATABASES&u=bob"),
        ("/query?db=x&b=1", false, "/query?db=x&b=1"),
        ("/write?db=db0&p=pw&u=x", false, "/write?db=db0&p=%5BREDACTED%5D&u=x"),
        ("/write?db=db0&rp=", false, "/write?db=db0&rp="),
        ("/query", true, "/query"),
        ("/query?", true, "/query?"),
        ("/query?%zz", true, "/query"),
        ("/query?q=SET+PASSWORD+FOR+joe+%3D+'x'&b=2", true, "/query?b=2&q=SET+PASSWORD+FOR+joe+%3D+%5BREDACTED%5D"),
        ("/query?q=a&q=b&pretty", true, "/query?pretty=&q=a&q=b"),
        ("/query?q=%C3%A9t%C3%A9~-_.", true, "/query?q=%C3%A9t%C3%A9~-_."),
    ])
    func loggedTargetIsRewrittenAs1x(target: String, sanitize: Bool, expected: String) {
        #expect(AccessLogLine.loggedURI(target, sanitizeQuery: sanitize) == expected)
    }

    /// The scan that lets most targets through unparsed agrees with the full rewrite on
    /// random targets made of the pieces that matter (escapes, separators, `p`, `q`, passwords).
    @Test func scanAgreesWithTheFullRewrite() {
        let pieces = ["a", "b", "q", "p", "u", "=", "=", "&", "&", ";", "%2A", "%2a", "%20", "%70", "%41", "+", "*", "~", "-",
                      "password", "PASSWORD", "pAsSwOrD+", "with+", "for+", "+%3D+", "'x'", "%27y%27", "%", "%G1", "db", "z"]
        var random = SeededRandom(seed: 18)
        for _ in 0..<20_000 {
            var raw = ""
            for _ in 0..<Int(random.next() % 12) { raw += pieces[Int(random.next() % UInt64(pieces.count))] }
            let target = "/query?" + raw
            for sanitize in [false, true] {
                #expect(AccessLogLine.loggedURI(target, sanitizeQuery: sanitize) == AccessLogLine.rewrittenURI(target, sanitizeQuery: sanitize),
                        "\(target) sanitize=\(sanitize)")
            }
        }
    }

    @Test(arguments: [
        ("u=bob&p=x", nil, "bob"),
        ("u=u%20x", nil, "u x"),
        ("db=x", "Basic " + Data("alice:pw".utf8).base64EncodedString(), "alice"),
        ("u=bob", "Basic " + Data("alice:pw".utf8).base64EncodedString(), "bob"),
        ("u=", "basic " + Data("carl:pw".utf8).base64EncodedString(), "carl"),
        ("", "Basic " + Data("nocolon".utf8).base64EncodedString(), ""),
        ("", "Token bob:pw", ""),
        ("", "Bearer abc.def.ghi", ""),
    ] as [(String, String?, String)])
    func userIsTheUParameterOrTheBasicUser(query: String, authorization: String?, user: String) {
        #expect(AccessLogLine.username(query: Substring(query), authorization: authorization) == user)
    }

    @Test func lineHasTheCommonLogFormatFields() throws {
        let line = AccessLogLine(host: "10.0.0.1,127.0.0.1", user: "", start: 1_136_214_245_000_000_000, method: "GET", uri: "/ping", proto: "HTTP/1.0",
                                 status: 204, size: 0, referer: "", userAgent: "curl/8", requestID: "rid", microseconds: 42)
        let text = String(decoding: line.bytes, as: UTF8.self)
        let fields = try #require(AccessLogFields(text))
        #expect(fields.comparable == #"10.0.0.1,127.0.0.1 - - "GET /ping HTTP/1.0" 204 0 "-" "curl/8""#)
        #expect(fields.requestID == "rid" && fields.microseconds == 42)
        #expect(fields.timeIsCommonLogFormat)
        // The time is in the local zone, as Go's time.Now() formats it.
        var t = time_t(1_136_214_245)
        var parts = tm()
        localtime_r(&t, &parts)
        #expect(fields.time.hasPrefix(String(format: "%02d/Jan/2006:%02d:%02d:05", parts.tm_mday, parts.tm_hour, parts.tm_min)))
    }
}

/// The access log of a running HTTP service, over real sockets.
@Suite struct AccessLogTests {
    static func config(path: String) -> HTTPDConfig {
        var config = HTTPDConfig()
        config.accessLogPath = path
        return config
    }

    /// Routed requests get a line each — the OPTIONS the CORS filter answers too — and the
    /// rest (404, 405, the /debug prefixes) none, as in 1.x.
    @Test func writesALinePerRoutedRequest() async throws {
        let path = OperationsFixture.logPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handler = try await OperationsFixture.handler(Self.config(path: path))
        try await HTTPService.withService(handler: handler, logger: Logger(label: "test")) { port, _ in
            _ = try await OperationsFixture.send(port, "GET", "/ping", headers: [["User-Agent", "agent/1"], ["Referer", "http://x/y"]])
            _ = try await OperationsFixture.send(port, "HEAD", "/ping")
            _ = try await OperationsFixture.send(port, "POST", "/query?q=SHOW+DATABASES&p=secret&u=bob")
            _ = try await OperationsFixture.send(port, "POST", "/write?db=db0", headers: [["X-Forwarded-For", "10.0.0.1"], ["X-Forwarded-For", "10.0.0.2"], ["Request-Id", "my-rid"]],
                                                 body: "cpu v=1 1")
            _ = try await OperationsFixture.send(port, "POST", "/write?db=nodb", headers: [["Authorization", "Basic " + Data("alice:pw".utf8).base64EncodedString()]], body: "cpu v=1")
            _ = try await OperationsFixture.send(port, "GET", "/nothere")
            _ = try await OperationsFixture.send(port, "DELETE", "/ping")
            _ = try await OperationsFixture.send(port, "GET", "/debug/requests?seconds=0")
            _ = try await OperationsFixture.send(port, "GET", "/debug/pprof/cmdline")
            _ = try await OperationsFixture.send(port, "OPTIONS", "/query")
            _ = try await OperationsFixture.send(port, "GET", "/query?db=db0&q=SHOW+MEASUREMENTS&chunked=true")
            _ = try await OperationsFixture.send(port, "GET", "/query?db=db0")
            _ = try await RawHTTPClient.send(Array("GET /status HTTP/1.0\r\n\r\n".utf8), port: port, isHead: false)
        }
        let lines = try OperationsFixture.lines(path)
        let fields = lines.compactMap(AccessLogFields.init)
        #expect(fields.count == lines.count, "\(lines)")
        #expect(fields.map(\.comparable) == [
            #"127.0.0.1 - - "GET /ping HTTP/1.1" 204 0 "http://x/y" "agent/1""#,
            #"127.0.0.1 - - "HEAD /ping HTTP/1.1" 204 0 "-" "-""#,
            #"127.0.0.1 - bob "POST /query?p=%5BREDACTED%5D&q=SHOW+DATABASES&u=bob HTTP/1.1" 200 103 "-" "-""#,
            #"10.0.0.1,10.0.0.2,127.0.0.1 - - "POST /write?db=db0 HTTP/1.1" 204 0 "-" "-""#,
            #"127.0.0.1 - alice "POST /write?db=nodb HTTP/1.1" 404 41 "-" "-""#,
            #"127.0.0.1 - - "OPTIONS /query HTTP/1.1" 200 0 "-" "-""#,
            #"127.0.0.1 - - "GET /query?chunked=true&db=db0&q=SHOW+MEASUREMENTS HTTP/1.1" 200 33 "-" "-""#,
            #"127.0.0.1 - - "GET /query?db=db0 HTTP/1.1" 400 45 "-" "-""#,
            #"127.0.0.1 - - "GET /status HTTP/1.0" 204 0 "-" "-""#,
        ])
        #expect(fields[3].requestID == "my-rid")
        for (i, f) in fields.enumerated() where i != 3 { #expect(f.requestIDIsTimeUUID, "\(f.requestID)") }
        #expect(fields.allSatisfy { $0.timeIsCommonLogFormat })
    }

    /// 1.8's `access-log-status-filters`: only matching statuses are logged.
    @Test func statusFiltersKeepMatchingLines() async throws {
        let path = OperationsFixture.logPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = Self.config(path: path)
        config.accessLogStatusFilters = ["4xx", "200"]
        let handler = try await OperationsFixture.handler(config)
        try await HTTPService.withService(handler: handler, logger: Logger(label: "test")) { port, _ in
            _ = try await OperationsFixture.send(port, "GET", "/ping")
            _ = try await OperationsFixture.send(port, "POST", "/write?db=nodb", body: "cpu v=1")
            _ = try await OperationsFixture.send(port, "POST", "/write?db=db0", body: "cpu v=1")
            _ = try await OperationsFixture.send(port, "GET", "/query?q=SHOW+DATABASES")
        }
        let statuses = try OperationsFixture.lines(path).compactMap(AccessLogFields.init).map(\.status)
        #expect(statuses == [404, 200])
    }

    /// `suppress-write-log` drops the lines of `/write` and 1.8's `/api/v2/write` (not of
    /// Prometheus remote write, whose route 1.x logs regardless).
    @Test(arguments: [false, true])
    func suppressWriteLogDropsWriteLines(suppress: Bool) async throws {
        let path = OperationsFixture.logPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = Self.config(path: path)
        config.suppressWriteLog = suppress
        let handler = try await OperationsFixture.handler(config)
        try await HTTPService.withService(handler: handler, logger: Logger(label: "test")) { port, _ in
            _ = try await OperationsFixture.send(port, "POST", "/write?db=db0", body: "cpu v=1")
            _ = try await OperationsFixture.send(port, "POST", "/api/v2/write?bucket=db0", body: "cpu v=1")
            _ = try await OperationsFixture.send(port, "POST", "/api/v1/prom/write?db=db0", body: "not snappy")
            _ = try await OperationsFixture.send(port, "GET", "/ping")
        }
        let targets = try OperationsFixture.lines(path).compactMap(AccessLogFields.init).map(\.request)
        let writes = ["POST /write?db=db0 HTTP/1.1", "POST /api/v2/write?bucket=db0 HTTP/1.1"]
        #expect(targets == (suppress ? [] : writes) + ["POST /api/v1/prom/write?db=db0 HTTP/1.1", "GET /ping HTTP/1.1"])
    }

    /// With `log-enabled = false` nothing is written (and the log is never opened).
    @Test func logDisabledWritesNothing() async throws {
        let path = OperationsFixture.logPath()
        var config = Self.config(path: path)
        config.logEnabled = false
        let handler = try await OperationsFixture.handler(config)
        #expect(handler.accessLog == nil)
        try await HTTPService.withService(handler: handler, logger: Logger(label: "test")) { port, _ in
            _ = try await OperationsFixture.send(port, "GET", "/ping")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A 5xx answer's error is logged at error level (1.x's `[500] - "text"`); a file that
    /// cannot be opened falls back to stderr and says so.
    @Test func serverErrorsAreLoggedAndOpeningIsReported() async throws {
        let path = OperationsFixture.logPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let logs = CapturedLogs()
        let handler = try await OperationsFixture.handler(Self.config(path: path), writer: RecordingWriter(failure: .server("disk \"full\"")), logger: logs.logger)
        try await HTTPService.withService(handler: handler, logger: logs.logger) { port, _ in
            let response = try await OperationsFixture.send(port, "POST", "/write?db=db0", body: "cpu v=1")
            #expect(response.status == 500)
        }
        let records = logs.all
        #expect(records.contains { $0.level == .info && $0.message == "opened HTTP access log" && $0.metadata["path"] == path })
        #expect(records.contains { $0.level == .error && $0.message == #"[500] - "disk \"full\"""# })
        #expect(try OperationsFixture.lines(path).count == 1)

        let fallback = AccessLog(path: "/nonexistent-dir/access.log", filters: [try StatusFilter(parsing: "5xx")])
        fallback.open(logger: logs.logger)
        #expect(fallback.destination == .stderr)
        #expect(fallback.accepts(status: 200), "1.x applies no filters after falling back")
        await fallback.close()
        #expect(logs.all.contains { $0.level == .error && $0.message == "unable to open access log, falling back to stderr" })
    }

    /// A log whose writer cannot keep up drops lines (and counts them) rather than make a
    /// request wait: here the writer is stuck on a pipe nobody reads.
    @Test func fullBufferDropsLinesInsteadOfBlocking() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let log = AccessLog(path: "/proc/self/fd/\(fds[1])", capacity: 4096)
        log.open(logger: Logger(label: "test"))
        let line = [UInt8](repeating: UInt8(ascii: "x"), count: 99)
        let began = ContinuousClock.now
        for _ in 0..<5000 { log.write(line) }  // 500 KB, far more than the pipe and the buffer hold
        #expect(ContinuousClock.now - began < .seconds(2))
        #expect(log.droppedLines > 0)
        // Reading the pipe lets the writer finish; every line is either delivered or counted.
        let readEnd = fds[0], expected = (5000 - log.droppedLines) * 100
        let reader = Task.detached { () -> Int in
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 65536)
            var ready = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            while total < expected, poll(&ready, 1, 5000) > 0 {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { break }
                total += n
            }
            return total
        }
        let received = await reader.value
        await log.close()
        #expect(received / 100 + log.droppedLines == 5000)
    }

    /// `write-tracing` logs each write body (after gzip) at info, as 1.x.
    @Test(arguments: [false, true])
    func writeTracingLogsBodies(tracing: Bool) async throws {
        var config = HTTPDConfig()
        config.writeTracing = tracing
        config.logEnabled = false
        let logs = CapturedLogs()
        let handler = try await OperationsFixture.handler(config, logger: logs.logger)
        try await HTTPService.withService(handler: handler, logger: Logger(label: "test")) { port, _ in
            _ = try await OperationsFixture.send(port, "POST", "/write?db=db0", body: "cpu v=1 1\ncpu v=2 2")
        }
        let traced = logs.all.filter { $0.message == "Write body received by handler" }.map { $0.metadata["body"] }
        #expect(traced == (tracing ? ["cpu v=1 1\ncpu v=2 2"] : []))
    }
}
