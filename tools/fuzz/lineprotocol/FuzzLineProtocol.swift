// libFuzzer entry for the line protocol parser. Properties checked on every input:
//   1. parsing never crashes or traps;
//   2. every accepted point's name, tags and fields decode without trapping;
//   3. rebuilding each accepted point from its decoded parts (escape, encode, parse) succeeds
//      and yields the same decoded parts and time.
// Property 3 is checked on decoded parts, not on bytes: 1.x accepts lines whose raw bytes do
// not survive re-encoding (a field section ending in a backslash swallows the timestamp's
// space; a leading space lets a quoted newline into the key), and Sundial keeps 1.x's parser.
// Built by run.sh together with Sources/LineProtocol (see tools/fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLineProtocol(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let options = ParseOptions(allowUnsigned: size % 2 == 0, defaultTime: 1_600_000_000_000_000_000)
    let result = LineProtocolParser.parse(bytes, options: options)
    for point in result.points {
        let measurement = point.measurement
        let tags = point.tags
        let fields = point.fields
        // 1.x accepts an empty first field key when a tab or NUL precedes its '=' (`m \t=1`);
        // line protocol cannot spell that key, so such points cannot be rebuilt.
        if fields.contains(where: { $0.key.isEmpty }) { continue }
        // Invalid UTF-8 decodes lossily (U+FFFD), which can reorder or merge tags; such points
        // are kept byte for byte (see the regression tests) but cannot be rebuilt from Strings.
        if String(validating: point.lineProtocolBytes(), as: UTF8.self) == nil { continue }
        // 1.x does not escape backslashes in names, so a name with a backslash before a special
        // byte (`a\` then `=`) has no spelling that parses back; string values do escape it.
        let names = [measurement] + tags.flatMap { [$0.key, $0.value] } + fields.map(\.key)
        if names.contains(where: { $0.contains("\\") }) { continue }
        // Stray quotes can make 1.x's second walk see a value the scan never validated (`Tr""0`);
        // it decodes as NaN here (1.x fails such a write later, when unmarshalling the field).
        if fields.contains(where: { if case .float(let d) = $0.value { d.isNaN } else { false } }) { continue }
        let rebuilt: Point
        do {
            rebuilt = try Point(measurement: measurement, tags: tags.map { ($0.key, $0.value) }, fields: fields.map { ($0.key, $0.value) }, time: point.time)
        } catch {
            fatalError("rebuild failed: \(point.lineProtocol()): \(error)")
        }
        guard rebuilt.measurement == measurement, rebuilt.tags.elementsEqual(tags, by: { $0 == $1 }),
              rebuilt.fields.elementsEqual(fields, by: { $0 == $1 }), rebuilt.time == point.time else {
            fatalError("rebuild changed the point: \(point.lineProtocolBytes()) -> \(rebuilt.lineProtocolBytes())")
        }
    }
    return 0
}
