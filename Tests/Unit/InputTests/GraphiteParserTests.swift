import Graphite
import LineProtocol
import Testing

/// The Graphite parser against 1.x's `services/graphite` semantics (own data).
struct GraphiteParserTests {
    static let now: Int64 = 1_234_567_890_000_000_000

    /// `measurement|tag=v,…|field=value|time` for a point, or `error: …`.
    static func render(_ line: String, templates: [String] = [], tags: [String] = [], separator: String = ".") -> String {
        let parser: GraphiteParser
        do { parser = try GraphiteParser(separator: separator, templates: templates, tags: tags) } catch { return "config: \(error)" }
        let bytes = Array(line.utf8)
        let result = bytes.withUnsafeBytes { parser.parse($0, now: { now }) }
        switch result {
        case .success(let p):
            let tagText = p.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            let fieldText = p.fields.map { f -> String in
                if case .float(let d) = f.value { return "\(f.key)=\(d)" }
                return "\(f.key)=?"
            }.joined(separator: ",")
            return "\(p.measurement)|\(tagText)|\(fieldText)|\(p.time)"
        case .failure(let error):
            return "error: \(error)"
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        let line: String
        var templates: [String] = []
        var tags: [String] = []
        var separator = "."
        let expected: String
        var description: String { "\(line) \(templates)" }
    }

    static let templateCases: [Case] = [
        // No template: the whole name is the measurement, the field is `value`.
        Case(line: "web01.cpu.idle 42.5 1500000000", expected: "web01.cpu.idle||value=42.5|1500000000000000000"),
        Case(line: "srv1.mem.free 10 1500000000", templates: ["host.measurement.field"], expected: "mem|host=srv1|free=10.0|1500000000000000000"),
        // Several measurement parts join with the separator.
        Case(line: "disk.io.eu 1 1500000000", templates: ["measurement.measurement.region"], separator: "_",
             expected: "disk_io|region=eu|value=1.0|1500000000000000000"),
        // measurement* takes the rest of the name.
        Case(line: "srv1.net.eth0.rx 7 1500000000", templates: ["host.measurement*"], expected: "net.eth0.rx|host=srv1|value=7.0|1500000000000000000"),
        Case(line: "srv1.net.eth0.rx 7 1500000000", templates: ["host.measurement*"], separator: "-",
             expected: "net-eth0-rx|host=srv1|value=7.0|1500000000000000000"),
        // field* takes the rest of the name as the field.
        Case(line: "cpu.a.user.time 3 1500000000", templates: ["measurement.host.field*"], separator: "_",
             expected: "cpu|host=a|user_time=3.0|1500000000000000000"),
        // A tag named twice joins its parts.
        Case(line: "cpu.a.b 1 1500000000", templates: ["measurement.host.host"], expected: "cpu|host=a.b|value=1.0|1500000000000000000"),
        // Parts beyond the template are ignored; a template longer than the name is fine.
        Case(line: "cpu.a.b.c.d 1 1500000000", templates: ["measurement.host"], expected: "cpu|host=a|value=1.0|1500000000000000000"),
        Case(line: "cpu 1 1500000000", templates: ["measurement.host.field"], expected: "cpu||value=1.0|1500000000000000000"),
        // An empty template part skips its segment; an empty segment gives no tag.
        Case(line: "cpu.x.eu 1 1500000000", templates: ["measurement..region"], expected: "cpu|region=eu|value=1.0|1500000000000000000"),
        Case(line: "cpu..eu 1 1500000000", templates: ["measurement.host.region"], expected: "cpu|region=eu|value=1.0|1500000000000000000"),
        // No measurement part matched: the raw name is the measurement.
        Case(line: "x 1 1500000000", templates: ["host.measurement"], expected: "x|host=x|value=1.0|1500000000000000000"),
        // Template tags, then the section's tags where the name gave none.
        Case(line: "cpu.h1 1 1500000000", templates: ["measurement.host dc=west"], tags: ["region=eu", "host=none"],
             expected: "cpu|dc=west,host=h1,region=eu|value=1.0|1500000000000000000"),
        // A template tag also given by the name: 1.x joins both values.
        Case(line: "cpu.h1 1 1500000000", templates: ["measurement.host host=x"], expected: "cpu|host=x.h1|value=1.0|1500000000000000000"),
        Case(line: "cpu.h1 1 1500000000", templates: ["measurement.rack dc=a,dc=b"], expected: "cpu|dc=b,rack=h1|value=1.0|1500000000000000000"),
    ]

    @Test(arguments: templateCases)
    func templates(_ c: Case) {
        #expect(Self.render(c.line, templates: c.templates, tags: c.tags, separator: c.separator) == c.expected)
    }

    /// Filters: an exact part beats `*`, a longer match beats a shorter one, names no filter
    /// matches take the default template (the one without a filter, else `measurement*`).
    static let filterTemplates = [
        "*.app.* measurement.role.host",
        "db.* measurement.measurement.field",
        "prod.web measurement.env",
        "prod.* env.measurement",
        "*.web.* role.measurement.host",
        "host.measurement",
    ]

    @Test(arguments: [
        ("x.app.n1 1 1500000000", "x|host=n1,role=app|value=1.0|1500000000000000000"),
        ("db.q.count 1 1500000000", "db.q||count=1.0|1500000000000000000"),
        ("prod.web 1 1500000000", "prod|env=web|value=1.0|1500000000000000000"),
        ("prod.api 1 1500000000", "api|env=prod|value=1.0|1500000000000000000"),
        ("stage.web.n2 1 1500000000", "web|host=n2,role=stage|value=1.0|1500000000000000000"),
        ("h9.load 1 1500000000", "load|host=h9|value=1.0|1500000000000000000"),
        // `prod.*` matches prod.web.n3 only through its exact first part; `prod.web` (exact,
        // but shorter than the name) still wins over `*.web.*` since exact parts are tried first.
        ("prod.web.n3 1 1500000000", "prod|env=web|value=1.0|1500000000000000000"),
    ])
    func filters(_ line: String, _ expected: String) {
        #expect(Self.render(line, templates: Self.filterTemplates) == expected)
    }

    @Test func defaultTemplateIsMeasurementStarWithoutAFilterlessTemplate() {
        #expect(Self.render("a.b.c 1 1500000000", templates: ["a.* measurement.x"]) == "a|x=b|value=1.0|1500000000000000000")
        #expect(Self.render("z.b.c 1 1500000000", templates: ["a.* measurement.x"]) == "z.b.c||value=1.0|1500000000000000000")
    }

    static let valueCases: [(String, String)] = [
        ("m 1.5e3 1500000000", "m||value=1500.0|1500000000000000000"),
        ("m 0x1p4 1500000000", "m||value=16.0|1500000000000000000"),
        ("m 1_000 1500000000", "m||value=1000.0|1500000000000000000"),
        ("m -.5 1500000000", "m||value=-0.5|1500000000000000000"),
        // No timestamp, or -1: now.
        ("m 2", "m||value=2.0|\(now)"),
        ("m 2 -1", "m||value=2.0|\(now)"),
        // Fractional seconds; a negative one as 1.x computes it (seconds truncated, fraction from the floor).
        ("m 2 1500000000.25", "m||value=2.0|1500000000250000000"),
        ("m 2 -1.5", "m||value=2.0|-500000000"),
        // Any white space separates; leading and trailing is ignored.
        ("  m\t3 \u{00A0}1500000000\r", "m||value=3.0|1500000000000000000"),
        ("m abc 1500000000", "error: field \"m\" value: strconv.ParseFloat: parsing \"abc\": invalid syntax"),
        ("m 1e999 1500000000", "error: field \"m\" value: strconv.ParseFloat: parsing \"1e999\": value out of range"),
        ("m 1__0 1500000000", "error: field \"m\" value: strconv.ParseFloat: parsing \"1__0\": invalid syntax"),
        ("m 1 x", "error: field \"m\" time: strconv.ParseFloat: parsing \"x\": invalid syntax"),
        ("m NaN 1500000000", "error: field value: \"NaN\" is unsupported"),
        ("m -Inf 1500000000", "error: field \"m\" value: \"-Inf\" is unsupported"),
        ("m +infinity 1500000000", "error: field \"m\" value: \"+Inf\" is unsupported"),
        ("m 1 3000000000", "error: timestamp out of range"),
        ("m 1 -2147558401", "error: timestamp out of range"),
        ("m 1 -2147558400", "m||value=1.0|-2147558400000000000"),
        ("m 1 2147472000.5", "error: timestamp out of range"),
        ("m 1 1e300", "error: timestamp out of range"),
        ("m 1 nan", "error: timestamp out of range"),
        ("m", "error: received \"m\" which doesn't have required fields"),
        ("m 1 2 3", "error: received \"m 1 2 3\" which doesn't have required fields"),
    ]

    @Test(arguments: valueCases)
    func values(_ line: String, _ expected: String) {
        #expect(Self.render(line) == expected)
    }

    @Test func templateErrorsAreFoundPerLine() {
        #expect(Self.render("a.b 1 1", templates: ["measurement*.field*"])
            == "error: either 'field*' or 'measurement*' can be used in each template (but not both together): \"measurement*.field*\"")
        #expect(Self.render("a.b.c 1 1", templates: ["measurement.field.field"]) == "error: 'field' can only be used once in each template: \"a.b.c\"")
        // A first `field` part that matched an empty segment does not count.
        #expect(Self.render("a..c 1 1500000000", templates: ["measurement.field.field"]) == "a||c=1.0|1500000000000000000")
    }

    @Test(arguments: [
        (["measurement.host", "measurement.region"], [String](), "duplicate filter '' found at position: 1"),
        (["host.region"], [], "no measurement in template `host.region`"),
        (["a.b measurement c d"], [], "invalid template format: 'a.b measurement c d'"),
        (["a..b measurement"], [], "filter contains blank section: a..b"),
        (["a.b* measurement"], [], "invalid filter wildcard section: a.b*"),
        (["measurement a=b=c"], [], "invalid template tags: 'a=b=c'"),
        (["measurement a="], [], "invalid template tags: a='"),
        ([], ["region"], "invalid template tags: 'region'"),
        (["  "], [], "missing template at position: 0"),
        (["a.* measurement.host x=y", "measurement*"], ["k=v"], ""),
    ])
    func configValidation(_ templates: [String], _ tags: [String], _ expected: String) {
        var message = ""
        do { try GraphiteSettings.validate(templates: templates, tags: tags) } catch { message = error.description }
        #expect(message == expected)
    }

    @Test func protocolIsMatchedIgnoringCase() throws {
        #expect(try GraphiteSettings(protocol: "UDP").transport == .udp)
        #expect(throws: GraphiteConfigError("unrecognized Graphite input protocol sctp")) { try GraphiteSettings(protocol: "sctp") }
    }
}
