import Gzip
import LineProtocol
import NIOCore
import OpenTSDB
import Testing

/// OpenTSDB telnet `put` lines and `/api/put` bodies as 1.x's `services/opentsdb` reads them.
struct OpenTSDBParsingTests {
    static func render(_ p: Point) -> String {
        let tagText = p.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let value = p.fields.first.map { f -> String in
            if case .float(let d) = f.value { return "\(f.key)=\(d)" }
            return "?"
        } ?? ""
        return "\(p.measurement)|\(tagText)|\(value)|\(p.time)"
    }

    static func telnet(_ line: String) -> String {
        let bytes = Array(line.utf8)
        switch bytes.withUnsafeBytes({ TelnetPut.parse($0) }) {
        case .version: return "version"
        case .point(let p, let badTags, let badTime):
            return render(p) + (badTags.isEmpty ? "" : " badTags=\(badTags)") + (badTime.map { " badTime=\($0)" } ?? "")
        case .rejected(let r): return "\(r.kind): \(r.message): \(r.subject)"
        }
    }

    @Test(arguments: [
        ("put sys.cpu 1356998400 42.5 host=web01 cpu=0", "sys.cpu|cpu=0,host=web01|value=42.5|1356998400000000000"),
        ("put m 1356998400 1", "m||value=1.0|1356998400000000000"),
        // 13 characters: milliseconds, the remainder taken as microseconds (1.x's arithmetic).
        ("put m 1356998400123 1", "m||value=1.0|1356998400000123000"),
        ("  put\tm 1356998400 -2.5e1  a=b  ", "m|a=b|value=-25.0|1356998400000000000"),
        // A bad tag is skipped and counted; the point stays.
        ("put m 1356998400 1 a=b junk =x y= c=d=e", "m|a=b,c=d=e|value=1.0|1356998400000000000 badTags=[\"junk\", \"=x\", \"y=\"]"),
        ("put m 1356998400 1 a=1 a=2", "m|a=2|value=1.0|1356998400000000000"),
        // A malformed 10-character time counts as bad but reads as 0, as in 1.x.
        ("put m 13569984x0 1", "m||value=1.0|0 badTime=13569984x0"),
        ("put m 135699840 1", "badTime: Time must be 10 or 13 chars: 135699840"),
        ("put m 1356998400 abc", "badFloat: Bad float: abc"),
        ("put m 1356998400 NaN", "badFloat: Bad float: NaN"),
        ("put m 1356998400 +Inf", "badFloat: Bad float: +Inf"),
        ("put m 1356998400", "badLine: Malformed line: put m 1356998400"),
        ("get m 1356998400 1", "badLine: Malformed line: get m 1356998400 1"),
        ("version", "version"),
        (" version ", "version"),
        ("version x", "badLine: Malformed line: version x"),
    ])
    func telnetLines(_ line: String, _ expected: String) {
        #expect(Self.telnet(line) == expected)
    }

    static func http(_ body: String, gzip: Bool = false) -> String {
        var buffer = ByteBuffer(string: body)
        if gzip { buffer = ByteBuffer(bytes: GzipStream.encode(Array(body.utf8))) }
        switch HTTPPut.decode(body: buffer, gzip: gzip) {
        case .success(let d):
            return (d.points.map(render) + d.dropped.map { "dropped \($0.metric): \($0.error)" }).joined(separator: "; ")
        case .failure(let e): return "400 \(e)"
        }
    }

    @Test(arguments: [
        (#"{"metric":"m","timestamp":1356998400,"value":4.5,"tags":{"h":"a"}}"#, "m|h=a|value=4.5|1356998400000000000"),
        (#"[{"metric":"m","timestamp":1356998400,"value":1},{"metric":"n","timestamp":1356998400123,"value":2}]"#,
         "m||value=1.0|1356998400000000000; n||value=2.0|1356998400000123000"),
        // Keys ignore case; unknown keys are skipped; null leaves a field as it was.
        (#"{"METRIC":"m","TimeStamp":1356998400,"Value":3,"extra":[1,{"a":[]}],"tags":null}"#, "m||value=3.0|1356998400000000000"),
        (#"{"metric":"m","timestamp":1356998400,"value":1,"tags":{"h":null,"k":"v"}}"#, "m|k=v|value=1.0|1356998400000000000"),
        (#"{"metric":"a\u00e9","timestamp":1356998400,"value":1}"#, "aé||value=1.0|1356998400000000000"),
        // Only the first JSON value is read.
        (#"{"metric":"m","timestamp":1356998400,"value":1} trailing garbage"#, "m||value=1.0|1356998400000000000"),
        ("[]", ""),
        (#"[{"metric":"m","timestamp":-99999999999,"value":1}]"#,
         "dropped m: time outside range -9223372036854775806 - 9223372036854775806"),
        ("", "400 peek error: EOF"),
        (" {}", "400 expected JSON array or hash"),
        (#"[{"metric":"m","timestamp":"1","value":1}]"#, "400 json array decode error"),
        (#"{"metric":"m","timestamp":1.5,"value":1}"#, "400 json object decode error"),
        (#"{"metric":"m","timestamp":1,"value":1e999}"#, "400 json object decode error"),
        (#"{"metric":"m","timestamp":1,"value":1,"tags":{"a":1}}"#, "400 json object decode error"),
        (#"[{"metric":"m","timestamp":1356998400,"value":1},3]"#, "400 json array decode error"),
        (#"{"metric":"m""#, "400 json object decode error"),
        (#"{"metric":"m","timestamp":99999999999999999999,"value":1}"#, "400 json object decode error"),
    ])
    func httpBodies(_ body: String, _ expected: String) {
        #expect(Self.http(body) == expected)
    }

    @Test func gzipBodies() {
        #expect(Self.http(#"{"metric":"z","timestamp":1356998400,"value":1}"#, gzip: true) == "z||value=1.0|1356998400000000000")
        #expect(Self.http("not gzip", gzip: false) == "400 expected JSON array or hash")
        switch HTTPPut.decode(body: ByteBuffer(string: "x"), gzip: true) {
        case .success: Issue.record("a body that is not gzip was read")
        case .failure(let e): #expect(e.description == "could not read gzip, unexpected EOF")
        }
        switch HTTPPut.decode(body: ByteBuffer(), gzip: true) {
        case .success: Issue.record("an empty gzip body was read")
        case .failure(let e): #expect(e.description == "could not read gzip, EOF")
        }
    }

    @Test func deepNestingFailsWithoutRecursion() {
        let deep = "{\"x\":" + String(repeating: "[", count: 20000) + String(repeating: "]", count: 20000) + "}"
        #expect(Self.http(deep) == "400 json object decode error")
        let fine = "{\"x\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + ",\"metric\":\"m\",\"timestamp\":1356998400,\"value\":1}"
        #expect(Self.http(fine) == "m||value=1.0|1356998400000000000")
    }
}
