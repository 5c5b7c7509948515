import LineProtocol
import Testing

/// `SeriesKey`: stored line-protocol keys taken apart as 1.x reads them, rebuilt as
/// `models.MakeKey` prints them, and encoded for the series file.
@Suite struct SeriesKeyTests {
    /// (stored key, name, tags, key as SHOW SERIES prints it). The made keys are influxd
    /// 1.6.7's answers for the same writes.
    static let keys: [(String, String, [(String, String)], String)] = [
        ("cpu", "cpu", [], "cpu"),
        ("cpu,host=a", "cpu", [("host", "a")], "cpu,host=a"),
        ("a\\=b,t\\=x=v\\=y", "a=b", [("t=x", "v=y")], "a=b,t\\=x=v\\=y"),
        ("c\\,d\\ e,t=1", "c,d e", [("t", "1")], "c\\,d\\ e,t=1"),
        ("q\\\"x,t=\\\"", "q\"x", [("t", "\\\"")], "q\"x,t=\\\""),
        ("m,k=a\\,b\\ c", "m", [("k", "a,b c")], "m,k=a\\,b\\ c"),
        ("back\\\\slash,k=v", "back\\\\slash", [("k", "v")], "back\\\\slash,k=v"),
        ("m,a=1,b=", "m", [("a", "1"), ("b", "")], "m,a=1,b="),
    ]

    @Test(arguments: keys.indices)
    func parts(_ i: Int) {
        let (stored, name, tags, made) = Self.keys[i]
        let key = SeriesKey(escaped: Array(stored.utf8))
        #expect(String(decoding: key.name, as: UTF8.self) == name)
        #expect(key.tags.map { String(decoding: $0.key, as: UTF8.self) } == tags.map(\.0))
        #expect(key.tags.map { String(decoding: $0.value, as: UTF8.self) } == tags.map(\.1))
        #expect(String(decoding: key.made, as: UTF8.self) == made)
        #expect(SeriesKey.name(ofEscaped: Array(stored.utf8)) == key.name)
    }

    @Test func seriesFileEncoding() {
        let key = SeriesKey(escaped: Array("m2,dc=x\\,y,host=h\\ 2".utf8))
        #expect(key.seriesFileEncoding == [0x19, 0x00, 0x02, 0x6d, 0x32, 0x02, 0x00, 0x02, 0x64, 0x63, 0x00, 0x03, 0x78, 0x2c, 0x79,
                                           0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x03, 0x68, 0x20, 0x32])
        // A body of 128 bytes or more takes a two-byte length.
        let long = SeriesKey(name: Array(repeating: 0x61, count: 200), tags: [])
        #expect(long.seriesFileEncoding.prefix(3) == [0xcb, 0x01, 0x00])
        #expect(long.seriesFileEncoding.count == 2 + 203)
    }
}
