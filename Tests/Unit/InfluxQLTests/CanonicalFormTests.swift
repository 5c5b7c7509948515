import Foundation
import Testing

@testable import InfluxQL

/// Continuous queries created on the real influxd and listed back by `SHOW CONTINUOUS QUERIES`
/// (`Tests/Golden/influxql/influxql-canonical.json`): Sundial's canonical text is influxd's.
@Suite("InfluxQL canonical form")
struct CanonicalFormTests {
    struct Pair: Sendable, CustomStringConvertible {
        var name: String
        var query: String
        var expected: String
        var description: String { name }
    }

    static func pairs() -> [Pair] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/influxql/influxql-canonical.json")
        guard let data = try? Data(contentsOf: url),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = json["cases"] as? [[String: Any]],
              let show = cases.last, let body = (show["response"] as? [String: Any])?["body"] as? String,
              let result = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let series = ((result["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]])?.first,
              let values = series["values"] as? [[String]] else { return [] }
        let stored = Dictionary(values.map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
        var out: [Pair] = []
        for c in cases.dropLast() {
            guard let q = GoldenParseTests.form(c["query"] as? String ?? "")["q"] else { continue }
            guard case .createContinuousQuery(let cq)? = try? Parser.parseStatement(q), let expected = stored[cq.name] else { continue }
            out.append(Pair(name: c["name"] as? String ?? "?", query: q, expected: expected))
        }
        return out
    }

    static let all = pairs()

    @Test func enoughPairs() { #expect(Self.all.count >= 18) }

    @Test(arguments: all)
    func printsAsInfluxd(_ pair: Pair) throws {
        guard case .createContinuousQuery(var cq) = try Parser.parseStatement(pair.query) else {
            Issue.record("not a CQ")
            return
        }
        cq.source = cq.source.normalized(database: cq.database, retentionPolicy: "autogen")
        #expect(Statement.createContinuousQuery(cq).description == pair.expected)
    }
}
