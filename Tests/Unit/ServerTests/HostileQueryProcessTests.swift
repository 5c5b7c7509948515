import Foundation
import SundialTestSupport
import Testing

/// The requests that used to kill, hang or exhaust the daemon (issue 23), sent to the real
/// process: each is answered with an error or a correct result, and the daemon still answers
/// `/ping` afterwards.
@Suite(.serialized) struct HostileQueryProcessTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var query: String
        var status = 200
        /// Text the answer's body must contain.
        var answer: String
    }

    static let maxParens = "SELECT " + String(repeating: "(", count: 100_000) + "v" + String(repeating: ")", count: 100_000) + " FROM m"
    static let maxCalls = "SELECT " + String(repeating: "abs(", count: 10_000) + "v" + String(repeating: ")", count: 10_000) + " FROM m"
    static let longSum = "SELECT " + Array(repeating: "v", count: 100_000).joined(separator: "+") + " FROM m"
    static let deepSubqueries = "SELECT v FROM " + String(repeating: "(SELECT v FROM ", count: 200) + "m" + String(repeating: ")", count: 200)
    static let longWhere = "SELECT count(v) FROM m WHERE " + (0..<50_000).map { "v = \($0)" }.joined(separator: " OR ")
    static let longRegex = "SELECT v FROM m WHERE s =~ /" + String(repeating: "a", count: 1_000_000) + "/"
    static let nested = "too deeply nested: more than 250 levels"

    static let cases: [Case] = [
        Case(description: "100,000 nested parentheses", query: maxParens, status: 400, answer: nested),
        Case(description: "10,000 nested abs(", query: maxCalls, status: 400, answer: nested),
        Case(description: "a 100,000-term sum", query: longSum, status: 400, answer: "expression too complex: more than 1000 operators deep"),
        Case(description: "SLIMIT and SOFFSET at int64 max", query: "SELECT v FROM m SLIMIT 9223372036854775807 SOFFSET 9223372036854775807",
             answer: #"{"results":[{"statement_id":0}]}"#),
        Case(description: "GROUP BY time(int64 max ns)",
             query: "SELECT count(v) FROM m WHERE time > 0 AND time < 10s GROUP BY time(9223372036854775807ns)",
             answer: #"["1970-01-01T00:00:00Z",5]"#),
        Case(description: "top with N at int64 max", query: "SELECT top(v, 9223372036854775807) FROM m",
             answer: #"[["1970-01-01T00:00:00.1Z",1],["1970-01-01T00:00:00.2Z",2],["1970-01-01T00:00:00.3Z",3],["1970-01-01T00:00:01Z",4],["1970-01-01T00:00:02Z",5]]"#),
        Case(description: "sample with N at int64 max", query: "SELECT sample(v, 9223372036854775807) FROM m",
             answer: #"[["1970-01-01T00:00:00.1Z",1],["1970-01-01T00:00:00.2Z",2],["1970-01-01T00:00:00.3Z",3],["1970-01-01T00:00:01Z",4],["1970-01-01T00:00:02Z",5]]"#),
        Case(description: "a backtracking regex over a long string", query: "SELECT v FROM m WHERE s =~ /^(a+)+$/",
             answer: #"{"results":[{"statement_id":0}]}"#),
        Case(description: "GROUP BY time(1ns) over a second", query: "SELECT mean(v) FROM m WHERE time >= 0 AND time < 1s GROUP BY time(1ns)",
             answer: "max-query-memory limit exceeded"),
        Case(description: "GROUP BY time(1ns) fill(none) over a second",
             query: "SELECT mean(v) FROM m WHERE time >= 0 AND time < 1s GROUP BY time(1ns) fill(none)",
             answer: #""values":[["1970-01-01T00:00:00.1Z",1],["1970-01-01T00:00:00.2Z",2],["1970-01-01T00:00:00.3Z",3]]"#),
        Case(description: "GROUP BY time(1ns) over a second, general path",
             query: "SELECT median(v) FROM m WHERE time >= 0 AND time < 1s GROUP BY time(1ns)", answer: "max-query-memory limit exceeded"),
        Case(description: "GROUP BY time(1ns) fill(none), general path",
             query: "SELECT median(v) FROM m WHERE time >= 0 AND time < 1s GROUP BY time(1ns) fill(none)",
             answer: #""values":[["1970-01-01T00:00:00.1Z",1],["1970-01-01T00:00:00.2Z",2],["1970-01-01T00:00:00.3Z",3]]"#),
        Case(description: "200 nested subqueries", query: deepSubqueries, answer: #"["1970-01-01T00:00:02Z",5]"#),
        Case(description: "a 50,000-term WHERE", query: longWhere, answer: #"["1970-01-01T00:00:00Z",5]"#),
        Case(description: "a 1 MB regex literal", query: longRegex, status: 400, answer: "regular expression too large: more than 65536 bytes"),
        Case(description: "holt_winters_with_fit with h at int64 max",
             query: "SELECT holt_winters_with_fit(first(v), 9223372036854775807, 1) FROM m WHERE time >= 0 AND time < 3s GROUP BY time(100ms)",
             answer: "max-query-memory limit exceeded"),
        Case(description: "count(*) over 2,000 fields", query: "SELECT count(*) FROM wide", answer: #""count_f999"#),
        Case(description: "a general-path aggregate over 2,000 fields holding one window",
             query: "SELECT median(f1), count(*) FROM wide", answer: "max-query-memory limit exceeded"),
        Case(description: "integral with a unit of int64 max ns", query: "SELECT integral(v, 9223372036854775807ns) FROM m",
             answer: #""integral""#),
        Case(description: "a date-only literal past 2262", query: "SELECT v FROM m WHERE time >= '2262-04-12'", answer: #""statement_id":0"#),
        Case(description: "a date-only literal before 1677", query: "SELECT v FROM m WHERE time >= '1677-09-20'", answer: #""statement_id":0"#),
        Case(description: "percentile past every point", query: "SELECT percentile(v, 99999999999999999999.5) FROM m",
             answer: #""statement_id":0"#),
    ]

    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: cases)
    func answeredAndStillServing(_ c: Case) async throws {
        let daemon = try await HTTPOperationsProcessTests.Daemon.start(DaemonProcessTests.binary, coordinator: ["max-query-memory = \"8m\""])
        defer { daemon.remove() }
        _ = try await Self.query(daemon, "CREATE DATABASE db")
        let points = "m v=1,s=\"\(String(repeating: "a", count: 5_000))b\" 100000000\nm v=2 200000000\nm v=3 300000000\nm v=4 1000000000\nm v=5 2000000000"
        let written = try await daemon.send("POST", "/write?db=db", body: points)
        #expect(written.status == 204)
        if c.query.contains("FROM wide") {
            // 300 points of 2,000 fields of several types (5 MB of text): 600,000 values, about
            // 15 MB, held by one window when the general path reduces them.
            let fields = (0..<2_000).map { $0 % 3 == 0 ? "f\($0)=\($0)i" : $0 % 3 == 1 ? "f\($0)=\($0).5" : "f\($0)=\"s\"" }.joined(separator: ",")
            let lines = (0..<300).map { "wide \(fields) \($0 + 1)" }.joined(separator: "\n")
            #expect(try await daemon.send("POST", "/write?db=db", body: lines).status == 204)
        }
        let answer = try await Self.query(daemon, c.query)
        #expect(answer.status == c.status)
        let body = String(decoding: answer.body, as: UTF8.self)
        #expect(body.contains(c.answer), "\(body.prefix(300))")
        #expect(daemon.process.isRunning)
        #expect(try await daemon.send("GET", "/ping").status == 204)
        _ = try await daemon.stop()
    }

    /// The earliest timestamp 1.x accepts makes a shard group instead of trapping.
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable))
    func earliestTimestampIsWritten() async throws {
        let daemon = try await HTTPOperationsProcessTests.Daemon.start(DaemonProcessTests.binary)
        defer { daemon.remove() }
        _ = try await Self.query(daemon, "CREATE DATABASE db")
        #expect(try await daemon.send("POST", "/write?db=db", body: "m v=1 -9223372036854775806").status == 204)
        let answer = try await Self.query(daemon, "SELECT v FROM m WHERE time < 0", epoch: "ns")
        #expect(String(decoding: answer.body, as: UTF8.self).contains(#"[-9223372036854775806,1]"#))
        #expect(daemon.process.isRunning)
        _ = try await daemon.stop()
    }

    /// A field stored as a float in one shard and as text in another, reduced by median over
    /// a window holding only the text (the HTTP fuzzer's crash): a null, as 1.x (which reads
    /// no cursor from the shard of the other type).
    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable))
    func medianOverAFieldStoredAsTextElsewhere() async throws {
        let daemon = try await HTTPOperationsProcessTests.Daemon.start(DaemonProcessTests.binary)
        defer { daemon.remove() }
        _ = try await Self.query(daemon, "CREATE DATABASE db")
        #expect(try await daemon.send("POST", "/write?db=db&precision=s", body: "m f=1,g=2 1700000000\nm f=3,g=4 1700000100").status == 204)
        #expect(try await daemon.send("POST", "/write?db=db&precision=s", body: "m f=\"x\",g=true 1800000000").status == 204)
        let answer = try await Self.query(daemon, "SELECT median(f), count(g) FROM m GROUP BY time(1000d)")
        #expect(String(decoding: answer.body, as: UTF8.self).contains(#"["2022-01-08T00:00:00Z",2,2],["2024-10-04T00:00:00Z",null,0]"#))
        #expect(daemon.process.isRunning)
        _ = try await daemon.stop()
    }

    static func query(_ daemon: HTTPOperationsProcessTests.Daemon, _ q: String, epoch: String = "") async throws -> RawHTTPClient.Response {
        var form = URLComponents()
        form.queryItems = [URLQueryItem(name: "db", value: "db"), URLQueryItem(name: "q", value: q)]
        if !epoch.isEmpty { form.queryItems?.append(URLQueryItem(name: "epoch", value: epoch)) }
        let body = (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return try await daemon.send("POST", "/query", headers: [["Content-Type", "application/x-www-form-urlencoded"]], body: body)
    }
}
