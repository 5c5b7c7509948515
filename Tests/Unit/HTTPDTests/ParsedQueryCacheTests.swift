import InfluxQL
import Testing

@testable import HTTPD

/// The cache of parsed query texts answers exactly what the parser does, and stays bounded.
@Suite struct ParsedQueryCacheTests {
    @Test(arguments: [
        "SELECT max(usage_user) FROM cpu WHERE hostname = 'host_9' AND time >= now() - 1h GROUP BY time(1m)",
        "SHOW DATABASES",
        "SELECT * FROM \"a b\"; SHOW MEASUREMENTS",
    ])
    func cachedParseIsTheParse(text: String) throws {
        let cache = ParsedQueryCache(capacity: 4)
        let first = try cache.query(text)
        let second = try cache.query(text)
        let parsed = try Parser.parseQuery(text)
        #expect(first == parsed)
        #expect(second == parsed)
        #expect(cache.count == 1)
    }

    @Test func parseErrorsAreNotCached() {
        let cache = ParsedQueryCache(capacity: 4)
        for _ in 0..<2 {
            #expect(throws: ParseError.self) { try cache.query("SELEC 1") }
        }
        #expect(cache.count == 0)
    }

    @Test func oldestEntriesMakeRoom() throws {
        let cache = ParsedQueryCache(capacity: 3)
        for n in 0..<10 {
            let text = "SELECT value FROM m\(n)"
            #expect(try cache.query(text) == (try Parser.parseQuery(text)))
            #expect(cache.count == min(n + 1, 3))
        }
        // The latest are still answered (and still right) after the ring has wrapped.
        #expect(try cache.query("SELECT value FROM m9") == (try Parser.parseQuery("SELECT value FROM m9")))
        #expect(cache.count == 3)
    }

    @Test func longTextsAndZeroCapacityAreNotKept() throws {
        let long = "SELECT value FROM m WHERE " + Array(repeating: "value > 1", count: 600).joined(separator: " OR ")
        let cache = ParsedQueryCache(capacity: 4)
        _ = try cache.query(long)
        #expect(cache.count == 0)
        let none = ParsedQueryCache(capacity: 0)
        _ = try none.query("SHOW DATABASES")
        #expect(none.count == 0)
    }
}
