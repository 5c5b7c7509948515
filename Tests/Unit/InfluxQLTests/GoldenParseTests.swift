import Foundation
import Testing

@testable import InfluxQL

/// Every `/query` recorded from the real influxd 1.6.7 into `Tests/Golden/influxql/`: where
/// influxd answered `error parsing query: …`, Sundial's parser gives the same text; where it
/// did not, Sundial's parser accepts the query.
@Suite("InfluxQL goldens")
struct GoldenParseTests {
    struct Recorded: Sendable, CustomStringConvertible {
        var group: String
        var name: String
        var query: String
        var parseError: String?
        var description: String { "\(group)/\(name)" }
    }

    static func load() -> [Recorded] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/influxql")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var out: [Recorded] = []
        for file in files {
            guard let data = try? Data(contentsOf: dir.appendingPathComponent(file)),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let cases = json["cases"] as? [[String: Any]] else { continue }
            for c in cases {
                guard (c["path"] as? String) == "/query", let response = c["response"] as? [String: Any] else { continue }
                var params = form(c["query"] as? String ?? "")
                if let body = c["body"] as? String, (c["headers"] as? [[String]])?.contains(where: { $0.first?.lowercased() == "content-type" && $0.last?.contains("urlencoded") == true }) == true {
                    params.merge(form(body)) { a, _ in a }
                }
                guard let q = params["q"] else { continue }
                var parseError: String?
                if let body = response["body"] as? String,
                   let obj = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                   let error = obj["error"] as? String, error.hasPrefix("error parsing query: ") {
                    parseError = String(error.dropFirst("error parsing query: ".count))
                }
                out.append(Recorded(group: file, name: c["name"] as? String ?? "?", query: q, parseError: parseError))
            }
        }
        return out
    }

    /// `application/x-www-form-urlencoded` decoding (`+` is a space).
    static func form(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            out[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }

    static let recorded = load()

    /// Statements whose canonical text 1.x itself cannot read back (Spec/influxql.md): an
    /// empty measurement name prints as nothing, `SHOW MEASUREMENTS ON` does not quote the
    /// database, and `CREATE DATABASE … WITH SHARD DURATION INF` prints a bare `WITH`.
    static func printsUnparseably(_ statement: Statement) -> Bool {
        switch statement {
        case .select(let s):
            return s.sources.contains { if case .measurement(let m) = $0 { m.name.isEmpty && m.regex == nil } else { false } }
        case .showMeasurements(let s): return Quote.needsQuotes(s.database)
        case .createDatabase(let d):
            return d.retentionPolicyCreate && d.duration == nil && d.replication == nil && d.shardGroupDuration == 0 && d.retentionPolicyName.isEmpty
        default: return false
        }
    }

    @Test func thereAreGoldens() {
        #expect(Self.recorded.count >= 250)
    }

    @Test(arguments: recorded)
    func parsesAsInfluxd(_ golden: Recorded) {
        // influxd trims the q parameter before parsing; an empty one never reaches the parser.
        let q = golden.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !q.isEmpty else { return }
        do {
            let query = try Parser.parseQuery(q)
            #expect(golden.parseError == nil, "parsed, but influxd said: \(golden.parseError ?? "")")
            // Canonical text parses back to itself — except passwords, which 1.x prints as
            // `[REDACTED]` on purpose.
            if query.statements.contains(where: { if case .createUser = $0 { true } else if case .setPassword = $0 { true } else { false } }) { return }
            let canonical = query.description
            if let again = try? Parser.parseQuery(canonical) {
                #expect(again.description == canonical, "canonical form is not stable: \(canonical)")
            } else if !query.statements.contains(where: Self.printsUnparseably) {
                Issue.record("canonical form does not parse: \(canonical)")
            }
        } catch {
            #expect(error.description == golden.parseError, "query: \(q)")
        }
    }
}
