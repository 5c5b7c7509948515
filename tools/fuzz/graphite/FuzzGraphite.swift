// libFuzzer entry for the Graphite parser. An input is either plain lines, parsed with a
// fixed set of templates, or `T<templates separated by |>\n<lines>`: the templates are
// validated as a [[graphite]] section's, and when valid parse the lines. Properties:
//   1. validating templates, building the parser and parsing never crash or trap;
//   2. templates that pass validation always build a parser;
//   3. an accepted line's point has a non-empty measurement, one finite float field, a time
//      within 1.x's 1901–2038 window (or the injected now), and its tags have no empty value.
// Built by run.sh (see tools/fuzz/README.md).

let now: Int64 = 1_600_000_000_123_456_789

let fixed = try! GraphiteParser(separator: "_", templates: [
    "*.app.* measurement.role.host",
    "db.* measurement.measurement.field*",
    "prod.web measurement.env dc=a",
    "host.measurement* region=eu",
], tags: ["dc=x", "zone=1"])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGraphite(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var parser = fixed
    var body = bytes
    if size > 0 && bytes[0] == UInt8(ascii: "T") {
        let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? size
        let spec = String(decoding: bytes[1..<end], as: UTF8.self)
        let templates = spec.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        do {
            try GraphiteSettings.validate(templates: templates, tags: [])
        } catch {
            return 0
        }
        do {
            parser = try GraphiteParser(separator: size % 2 == 0 ? "." : "::", templates: templates, tags: [])
        } catch {
            fatalError("validated templates \(templates) failed to build: \(error)")
        }
        body = UnsafeRawBufferPointer(rebasing: bytes[min(end + 1, size)...])
    }
    var start = 0
    while start <= body.count {
        let end = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.count
        let line = UnsafeRawBufferPointer(rebasing: body[start..<end])
        if case .success(let point) = parser.parse(line, now: { now }) {
            precondition(!point.measurement.isEmpty, "empty measurement")
            let fields = point.fields
            precondition(fields.count == 1, "fields \(fields)")
            guard case .float(let value) = fields[0].value, value.isFinite else { fatalError("bad value \(fields)") }
            precondition(point.time == now || (point.time >= -2_147_558_400_000_000_000 && point.time <= 2_147_472_000_000_000_000),
                         "time \(point.time)")
            precondition(!point.tags.contains { $0.value.isEmpty }, "empty tag value")
        }
        start = end + 1
    }
    return 0
}
