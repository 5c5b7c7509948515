import Gzip
import Foundation
import CompressNIO
import NIOCore
import Testing
@testable import HTTPD

@Suite struct GoJSONTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("quote\" back\\slash", #""quote\" back\\slash""#),
        ("a\nb\tc\rd", #""a\nb\tc\rd""#),
        ("<html>&", #""\u003chtml\u003e\u0026""#),
        ("\u{01}\u{08}\u{0C}\u{1F}", #""\u0001\u0008\u000c\u001f""#),
        ("line\u{2028}sep\u{2029}", #""line\u2028sep\u2029""#),
        ("ünïcødé ✓", "\"ünïcødé ✓\""),
    ])
    func escapesLikeGo(input: String, expected: String) {
        #expect(GoJSON.quoted(input) == expected)
    }
}

@Suite struct GoQuoteTests {
    @Test(arguments: [
        ("db", #""db""#), ("a\"b", #""a\"b""#), ("tab\there", #""tab\there""#),
        ("nul\u{00}", #""nul\x00""#), ("del\u{7F}", #""del\x7f""#), ("naïve", "\"naïve\""),
    ])
    func quotesLikeStrconv(input: String, expected: String) {
        #expect(GoQuote.quote(input) == expected)
    }
}

@Suite struct QueryStringTests {
    @Test func decodesLikeGo() {
        let q = QueryString("db=my+db&q=SELECT%20*&empty=&flag&db=second;precision=s&bad=%zz")
        #expect(q["db"] == "my db")
        #expect(q["q"] == "SELECT *")
        #expect(q["empty"] == "" && q.contains("empty"))
        #expect(q.contains("flag"))
        #expect(q["precision"] == "s")
        #expect(!q.contains("bad"), "pairs with invalid escapes are dropped")
        #expect(q["missing"] == "")
    }

    @Test(arguments: [
        ("k=%C3%A9t%C3%A9", "k", "été"),
        ("%6B=v", "k", "v"),
        ("k=a%2Bb+c", "k", "a+b c"),
        ("&&k=v&", "k", "v"),
        ("k=%4", "k", nil),
        ("k=%", "k", nil),
        ("k=%41%4", "k", nil),
        ("k=%4g", "k", nil),
        ("k=caf\u{e9}", "k", "café"),
    ] as [(String, String, String?)])
    func escapes(raw: String, key: String, value: String?) {
        let q = QueryString(raw)
        #expect(q.contains(key) == (value != nil))
        if let value { #expect(q[key] == value) }
    }

    @Test func bodyValuesComeFirst() {
        let merged = QueryString("q=body").merged(with: QueryString("q=url&db=x"))
        #expect(merged["q"] == "body" && merged["db"] == "x")
    }
}

@Suite struct RequestIDTests {
    @Test func generatesVersion1UUIDs() {
        let generator = TimeUUIDGenerator()
        let a = generator.next(unixNanoseconds: 1_700_000_000_000_000_000)
        let b = generator.next(unixNanoseconds: 1_700_000_000_000_000_000)
        #expect(a != b, "same tick still gives distinct IDs")
        let parts = a.split(separator: "-")
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[2].first == "1", "version nibble")
        #expect("89ab".contains(parts[3].first!), "RFC 4122 variant")
        // 1.7e18 ns after 1970 = 0x1EE7… in 100 ns ticks since 1582: the high time bits.
        let timestamp = UInt64(1_700_000_000_000_000_000 / 100) + 0x01B2_1DD2_1381_4000
        #expect(parts[0] == String(format: "%08x", UInt32(truncatingIfNeeded: timestamp)))
        #expect(parts[1] == String(format: "%04x", UInt16(truncatingIfNeeded: timestamp >> 32)))
        #expect(parts[2] == String(format: "%04x", UInt16(truncatingIfNeeded: timestamp >> 48) & 0x0FFF | 0x1000))
        #expect(parts[4].allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(Int(parts[4].prefix(2), radix: 16)! & 1 == 1, "multicast bit of the random node")
    }
}

@Suite struct GzipBodyTests {
    static func gzip(_ text: String) throws -> ByteBuffer {
        var input = ByteBuffer(string: text)
        return try input.compress(with: .gzip())
    }

    @Test func inflatesOneAndManyMembers() throws {
        #expect(String(buffer: try GzipStream.decode(try Self.gzip("cpu value=1\n"))) == "cpu value=1\n")
        var two = try Self.gzip("a=1\n")
        var second = try Self.gzip("b=2\n")
        two.writeBuffer(&second)
        #expect(String(buffer: try GzipStream.decode(two)) == "a=1\nb=2\n")
    }

    /// A limited decode answers nil once the output passes the limit, across members too, and
    /// stops there: a 1 GB bomb is not inflated to its end.
    @Test(arguments: [
        (["a=1\n"], 4, true), (["a=1\n"], 3, false),
        (["a=1\n", "b=2\n"], 8, true), (["a=1\n", "b=2\n"], 7, false),
        ([String(repeating: "x", count: 1 << 20)], 1 << 20, true), ([String(repeating: "x", count: 1 << 20)], 1000, false),
    ] as [([String], Int, Bool)])
    func limitedDecodeStopsPastTheLimit(members: [String], limit: Int, fits: Bool) throws {
        var body = ByteBuffer()
        for member in members {
            var compressed = try Self.gzip(member)
            body.writeBuffer(&compressed)
        }
        let decoded = try GzipStream.decode(body, limit: limit)
        #expect((decoded != nil) == fits)
        if let decoded { #expect(String(buffer: decoded) == members.joined()) }
    }

    @Test func bombStopsAtTheLimit() throws {
        // 1 GB of newlines in about 1 MB.
        var bomb = ByteBuffer()
        var compressor = ByteBuffer(repeating: UInt8(ascii: "\n"), count: 16 << 20)
        let member = try compressor.compress(with: .gzip())
        for _ in 0..<64 { bomb.writeImmutableBuffer(member) }
        let began = ContinuousClock.now
        #expect(try GzipStream.decode(bomb, limit: 25_000_000) == nil)
        #expect(ContinuousClock.now - began < .seconds(10), "stopped near the limit, not after 1 GB")
    }

    @Test func reportsGoErrors() throws {
        let good = try Self.gzip(String(repeating: "cpu value=1\n", count: 50))
        func failure(_ buffer: ByteBuffer) -> String? {
            do { _ = try GzipStream.decode(buffer); return nil } catch { return error.description }
        }
        #expect(failure(ByteBuffer()) == "EOF")
        #expect(failure(ByteBuffer(bytes: [0x1F, 0x8B, 8])) == "unexpected EOF")
        #expect(failure(ByteBuffer(string: "cpu value=1 not gzip")) == "gzip: invalid header")
        #expect(failure(good.getSlice(at: 0, length: good.readableBytes - 4)!) == "unexpected EOF")
        var badCRC = good
        let crcIndex = good.writerIndex - 8
        badCRC.setInteger(good.getInteger(at: crcIndex, as: UInt8.self)! ^ 0xFF, at: crcIndex)
        #expect(failure(badCRC) == "gzip: invalid checksum")
        var trailing = good
        trailing.writeString("junk")
        #expect(failure(trailing) == "unexpected EOF", "a short second member header")
    }
}

/// `q` and `epoch` are trimmed as 1.x's `strings.TrimSpace` trims them.
@Suite struct TrimmedParameterTests {
    @Test(arguments: [
        ("SELECT 1", true, "SELECT 1"),
        ("  SHOW DATABASES\n", true, "SHOW DATABASES"),
        ("\u{a0}SELECT 1\u{2003}", true, "SELECT 1"),
        ("\tq\r\n", true, "q"),
        ("ms\n", false, "ms\n"),
        (" ms", false, "ms"),
        ("", true, ""),
        ("   ", true, ""),
        ("é", true, "é"),
    ] as [(String, Bool, String)])
    func trims(text: String, newlines: Bool, expected: String) {
        #expect(Handler.trimmed(text, newlines ? .whitespacesAndNewlines : .whitespaces) == expected)
    }
}
