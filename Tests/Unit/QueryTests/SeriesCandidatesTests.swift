import InfluxQL
import Testing
import TSM
@testable import Query

/// Which series the postings let a WHERE clause read: `tag = 'v'` terms through AND and OR;
/// anything else (regexes, `!=`, fields, empty values, time) leaves every series a candidate.
@Suite struct SeriesCandidatesTests {
    static let postings: [String: [String: Set<ByteKey>]] = [
        "host": ["a": [key("m,host=a"), key("m,host=a,dc=1")], "b": [key("m,host=b,dc=1")]],
        "dc": ["1": [key("m,host=a,dc=1"), key("m,host=b,dc=1")]],
    ]
    static func key(_ text: String) -> ByteKey { ByteKey(Array(text.utf8)) }

    @Test(arguments: [
        ("host = 'a'", ["m,host=a", "m,host=a,dc=1"]),
        ("'b' = host", ["m,host=b,dc=1"]),
        ("host = 'a' AND dc = '1'", ["m,host=a,dc=1"]),
        ("(host = 'a' OR host = 'b') AND time > now() - 1h", ["m,host=a", "m,host=a,dc=1", "m,host=b,dc=1"]),
        ("host = 'z' AND v > 1", []),
        ("host = 'a' AND host =~ /x/", ["m,host=a", "m,host=a,dc=1"]),
        ("host = 'a' OR v > 1", nil),
        ("host != 'a'", nil),
        ("host = ''", nil),
        ("v = 'a'", nil),
        ("host::tag = 'a'", ["m,host=a", "m,host=a,dc=1"]),
        ("time > 0", nil),
    ] as [(String, [String]?)])
    func candidates(condition: String, expected: [String]?) throws {
        guard case .select(let s) = try Parser.parseQuery("SELECT v FROM m WHERE \(condition)").statements[0] else { return }
        let c = SeriesCondition(expr: s.condition, fields: ["v"])
        let found = c.candidates { Self.postings[$0]?[$1] ?? [] }
        #expect(found.map { Set($0.map { String(decoding: $0.bytes, as: UTF8.self) }) } == expected.map(Set.init))
    }
}
