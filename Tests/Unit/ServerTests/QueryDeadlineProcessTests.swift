import Foundation
import SundialTestSupport
import Testing

/// Queries the HTTP fuzzer found running past `query-timeout` or the memory budget (issue 23),
/// sent to the real process with `query-timeout = "2s"` and `max-query-memory = "64m"`: each
/// stops with 1.x's timeout error (or Sundial's memory error) soon after its deadline, not
/// when its work is done — which, before the checks, took minutes.
@Suite(.serialized) struct QueryDeadlineProcessTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var query: String
        /// Texts of which the answer's body must contain one.
        var answers: [String]
    }

    static let timeout = "query-timeout limit exceeded"
    static let memory = "max-query-memory limit exceeded"

    static let cases: [Case] = [
        // 16 Nelder-Mead fits of up to 1,000 steps over 40,000 values: tens of seconds.
        Case(description: "holt_winters_with_fit over 40,000 windows",
             query: "SELECT holt_winters_with_fit(mean(v), 10, 4) FROM m WHERE time >= 0 AND time < 40000s GROUP BY time(1s) fill(0)",
             answers: [timeout]),
        // Each empty window looked for the next filled one from where it stood: quadratic.
        Case(description: "fill(linear) over 200,000 empty windows",
             query: "SELECT mean(v) FROM m WHERE time >= 0 AND time < 200000s GROUP BY time(1s) fill(linear)",
             answers: [timeout, #""mean""#]),
        // The zone's walk was neither charged nor interruptible.
        Case(description: "tz() fill(previous) over 30 million windows",
             query: "SELECT max(v) FROM m WHERE time >= 0 AND time < 30000000s GROUP BY time(1s) fill(previous) tz('America/Sao_Paulo')",
             answers: [memory, timeout]),
        // A transformation's outputs were gathered and sorted unchecked.
        Case(description: "a transformation over 200,000 windows",
             query: "SELECT derivative(mean(v)) FROM m WHERE time >= 0 AND time < 200000s GROUP BY time(1s) fill(0)",
             answers: [timeout, memory, #""derivative""#]),
    ]

    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: cases)
    func stopsAtItsDeadline(_ c: Case) async throws {
        let daemon = try await HTTPOperationsProcessTests.Daemon.start(
            DaemonProcessTests.binary, coordinator: ["query-timeout = \"2s\"", "max-query-memory = \"64m\""])
        defer { daemon.remove() }
        _ = try await HostileQueryProcessTests.query(daemon, "CREATE DATABASE db")
        let points = "m v=1 1000000000\nm v=5 30000000000\nm v=2 39999000000000\nm v=9 199999000000000"
        #expect(try await daemon.send("POST", "/write?db=db", body: points).status == 204)
        let began = ContinuousClock.now
        let answer = try await HostileQueryProcessTests.query(daemon, c.query)
        let took = ContinuousClock.now - began
        let body = String(decoding: answer.body, as: UTF8.self)
        #expect(c.answers.contains { body.contains($0) }, "\(body.prefix(300))")
        // The deadline plus room for a debug build on a busy machine: the unchecked work took
        // minutes.
        #expect(took < .seconds(20), "answered after \(took)")
        #expect(try await daemon.send("GET", "/ping").status == 204)
        _ = try await daemon.stop()
    }
}
