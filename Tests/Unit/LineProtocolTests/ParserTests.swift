import Testing
@testable import LineProtocol

func parse(_ text: String, precision: Precision = .nanosecond, unsigned: Bool = false, now: Int64 = 42) -> ParseResult {
    LineProtocolParser.parse(Array(text.utf8), options: ParseOptions(precision: precision, allowUnsigned: unsigned, defaultTime: now))
}

@Suite struct ParserValueTests {
    @Test(arguments: [
        ("m f=1", FieldValue.float(1)), ("m f=-1.5", .float(-1.5)), ("m f=.5", .float(0.5)), ("m f=1e3", .float(1000)),
        ("m f=1.5E-2", .float(0.015)), ("m f=12i", .integer(12)), ("m f=-9223372036854775808i", .integer(.min)),
        ("m f=9223372036854775807i", .integer(.max)), ("m f=\"hi\"", .string("hi")), ("m f=\"\"", .string("")),
        ("m f=\"a \\\"q\\\" \\\\ b\"", .string("a \"q\" \\ b")), ("m f=\"x\\y\"", .string("x\\y")), ("m f=\"a,b c=d\"", .string("a,b c=d")),
        ("m f=t", .boolean(true)), ("m f=T", .boolean(true)), ("m f=true", .boolean(true)), ("m f=True", .boolean(true)),
        ("m f=TRUE", .boolean(true)), ("m f=f", .boolean(false)), ("m f=False", .boolean(false)), ("m f=FALSE", .boolean(false)),
    ])
    func decodesValues(line: String, value: FieldValue) throws {
        let result = parse(line)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(try #require(result.points.first).fields.first?.value == value)
    }

    @Test func unsignedOnlyWhenEnabled() throws {
        #expect(parse("m f=12u").errors.first?.reason == "invalid number")
        #expect(try #require(parse("m f=18446744073709551615u", unsigned: true).points.first).fields.first?.value == .unsigned(.max))
    }

    @Test func escapesAndSortsTags() throws {
        let p = try #require(parse(#"c\,p\ u,z=1,a\ b=x\,y\=z f\,g\=h\ i=1 5"#).points.first)
        #expect(p.measurement == "c,p u")
        #expect(p.tags.map(\.key) == ["a b", "z"])
        #expect(p.tag("a b") == "x,y=z")
        #expect(p.fields.first?.key == "f,g=h i")
        #expect(String(decoding: p.seriesKey, as: UTF8.self) == #"c\,p\ u,a\ b=x\,y\=z,z=1"#)
        #expect(p.time == 5)
    }

    /// Tag lookup by unescaped key: plain keys compare raw bytes, keys with escapable
    /// characters compare unescaped; a miss is nil.
    @Test(arguments: [
        ("time", "2"), ("a b", "x,y"), ("host", "h\\1"), ("a", nil), ("tim", nil), ("times", nil), ("a\\b", "3"), ("x=y", "4"),
    ] as [(String, String?)])
    func tagLookup(key: String, value: String?) throws {
        let p = try #require(parse(#"m,time=2,a\ b=x\,y,host=h\1,a\b=3,x\=y=4 f=1"#).points.first)
        #expect(p.tag(key) == value)
    }

    @Test(arguments: Precision.allCases)
    func scalesTimestamps(precision: Precision) throws {
        #expect(try #require(parse("m f=1 3", precision: precision).points.first).time == 3 * precision.nanosecondsPerUnit)
    }

    @Test func serverTimeIsTruncatedToPrecision() throws {
        let now: Int64 = 1_700_000_123_456_789_012
        #expect(try #require(parse("m f=1", precision: .second, now: now).points.first).time == 1_700_000_123_000_000_000)
        #expect(try #require(parse("m f=1", now: now).points.first).time == now)
    }

    @Test func skipsCommentsBlankLinesAndKeepsQuotedNewlines() throws {
        let result = parse("# c\n\n   \nm f=\"a\nb\" 1\n  m g=2 2\r\n")
        #expect(result.errors.map(\.reason) == ["bad timestamp"], "CRLF leaves a \\r that 1.x rejects")
        #expect(result.points.count == 1)
        #expect(result.points.first?.fields.first?.value == .string("a\nb"))
    }
}

@Suite struct ParserErrorTests {
    /// Each line's exact 1.x reason.
    @Test(arguments: [
        (",t=a f=1", "missing measurement"),
        ("m", "missing fields"),
        ("m,t=a", "missing fields"),
        ("m ", "invalid field format"),
        ("m,=a f=1", "missing tag key"),
        ("m,t f=1", "missing tag value"),
        ("m,t= f=1", "missing tag value"),
        ("m,t=a=b f=1", "invalid tag format"),
        ("m,t=a,t=b f=1", "duplicate tags"),
        ("m,u=1,t=a,t=b f=1", "duplicate tags"),
        ("m f=1,=2", "missing field key"),
        ("m s=\"x\"y=1i,c", "invalid value: field-key=c"),  // 1.x's second field walk (fuzzer find)
        ("m a\\\\=1", "invalid value: field-key=a\\\\=1"),
        ("m f=", "missing field value"),
        ("m f=,g=1", "missing field value"),
        ("m f=\"open", "unbalanced quotes"),
        ("m f", "invalid field format"),
        ("m f=1 g=2", "bad timestamp"),
        ("m f=1x", "invalid number"),
        ("m f=1.2.3", "invalid number"),
        ("m f=-", "invalid number"),
        ("m f=NaN", "invalid number"),
        ("m f=nan", "invalid number"),
        ("m f=1.5i", "invalid number"),
        ("m f=1e400", "invalid float"),
        ("m f=tru", "invalid boolean"),
        ("m f=yes", "invalid boolean"),
        ("m f=9223372036854775808i", #"unable to parse integer 9223372036854775808: strconv.ParseInt: parsing "9223372036854775808": value out of range"#),
        ("m f=1 12a", "bad timestamp"),
        ("m f=1 1 x", "point is invalid"),
        ("m f=1 -", #"strconv.ParseInt: parsing "-": invalid syntax"#),
        ("m f=1 99999999999999999999", #"strconv.ParseInt: parsing "99999999999999999999": value out of range"#),
        ("m f=1 9223372036854775807", "time outside range -9223372036854775806 - 9223372036854775806"),
    ])
    func reportsReason(line: String, reason: String) {
        let result = parse(line)
        #expect(result.points.isEmpty)
        #expect(result.errors == [LineError(line: line.trimmingPrefix(" ").description, reason: reason)])
    }

    @Test func timeRangeAppliesAfterScaling() {
        #expect(parse("m f=1 9223372037", precision: .second).errors.first?.reason.hasPrefix("time outside range") == true)
        #expect(parse("m f=1 9223372036", precision: .second).errors.isEmpty)
    }

    @Test func maxKeyLength() {
        // The key alone, then the key + "#!~#" + field name, must fit in 65535 bytes.
        #expect(parse(String(repeating: "k", count: 65_530) + " f=1").errors.isEmpty)
        #expect(parse(String(repeating: "k", count: 65_531) + " f=1").errors.first?.reason == "max key length exceeded: 65536 > 65535")
        #expect(parse(String(repeating: "k", count: 65_536) + " f=1").errors.first?.reason == "max key length exceeded: 65536 > 65535")
    }

    @Test func goodLinesSurviveBadOnes() {
        let result = parse("m f=1 1\nbad\nm f=2 2\n,x\n")
        #expect(result.points.map(\.time) == [1, 2])
        #expect(result.errorText == "unable to parse 'bad': missing fields\nunable to parse ',x': missing measurement")
    }
}
