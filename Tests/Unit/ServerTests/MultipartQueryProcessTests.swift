import Foundation
import SundialTestSupport
import Testing

/// `/query` with a `multipart/form-data` body, as `curl -F q=…` and `curl -F q=@file` send it:
/// 1.x reads `q` (and the other parameters) from the form fields, the URL's values first, and a
/// file part named `q` when no `q` value is given. Each request goes to influxd 1.6.7 and to
/// Sundial; the answers must be the same bytes.
@Suite(.serialized) struct MultipartQueryProcessTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var target: String
        /// (name, filename, content)
        var parts: [(String, String?, String)]
    }

    static let cases: [Case] = [
        Case(description: "a q field", target: "/query", parts: [("q", nil, "SHOW DATABASES")]),
        Case(description: "a q file with two statements", target: "/query", parts: [("q", "queries.txt", "CREATE DATABASE mp;\nSHOW DATABASES\n")]),
        Case(description: "the URL's q wins over the form's", target: "/query?q=SHOW+DATABASES", parts: [("q", nil, "SHOW NONSENSE")]),
        Case(description: "a q field wins over a q file", target: "/query", parts: [("q", "f.txt", "SHOW NONSENSE"), ("q", nil, "SHOW DATABASES")]),
        Case(description: "db and epoch as fields", target: "/query",
             parts: [("db", nil, "_internal"), ("epoch", nil, "s"), ("q", nil, "SHOW RETENTION POLICIES")]),
        Case(description: "no q at all", target: "/query", parts: [("db", nil, "x")]),
    ]

    static func body(_ parts: [(String, String?, String)], boundary: String) -> String {
        var out = ""
        for (name, filename, content) in parts {
            out += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\""
            if let filename { out += "; filename=\"\(filename)\"\r\nContent-Type: text/plain" }
            out += "\r\n\r\n\(content)\r\n"
        }
        return out + "--\(boundary)--\r\n"
    }

    @Test(.enabled(if: HTTPOperationsProcessTests.influxdAvailable), arguments: cases)
    func answersAsInfluxd(_ c: Case) async throws {
        var answers: [(Int, String)] = []
        for binary in [InfluxdCrossCheckTests.influxd, DaemonProcessTests.binary] {
            let daemon = try await HTTPOperationsProcessTests.Daemon.start(binary)
            defer { daemon.remove() }
            let boundary = "------------------------d74496d66958873e"
            let answer = try await daemon.send("POST", c.target, headers: [["Content-Type", "multipart/form-data; boundary=\(boundary)"]],
                                               body: Self.body(c.parts, boundary: boundary))
            answers.append((answer.status, String(decoding: answer.body, as: UTF8.self)))
            _ = try await daemon.stop()
        }
        #expect(answers[0].0 == answers[1].0)
        #expect(answers[0].1 == answers[1].1)
    }
}
