// libFuzzer entry for the Prometheus remote write and read decoders (the protobuf messages
// after snappy). Properties checked on every input:
//   1. decoding never crashes, traps or recurses without bound (nested groups);
//   2. an accepted WriteRequest's points have a series key that line protocol parses back to
//      the same name and tags (when line protocol can spell the key), their field is `value`, a float, finite, and their time is in
//      1.x's range;
//   3. an error is one of the texts 1.x's decoder produces (gogo-protobuf, snappy, NewPoint).
// Built by run.sh (see tools/fuzz/README.md).
import LineProtocol

let knownErrors = ["unexpected EOF", "proto: integer overflow", "proto: negative length found during unmarshaling",
                   "Prometheus read endpoint currently only supports one query at a time", "expected matcher"]
let knownPrefixes = ["proto: ", "time outside range ", "max key length exceeded: ", "unknown match type "]

func checkError(_ error: PromError) {
    let text = error.description
    guard knownErrors.contains(text) || knownPrefixes.contains(where: { text.hasPrefix($0) }) else {
        fatalError("unexpected error text: \(text)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPromRemote(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    do throws(PromError) {
        let decoded = try RemoteWrite.decode(protobuf: bytes)
        for point in decoded.points {
            let fields = point.fields
            guard fields.count == 1, fields[0].key == "value", case .float(let v) = fields[0].value, v.isFinite else {
                fatalError("bad field section: \(point.lineProtocol())")
            }
            guard point.time >= Point.minTime, point.time <= Point.maxTime else { fatalError("time out of range: \(point.time)") }
            // The key splits into the same name and tags it was built from. Label values may hold
            // newlines and other control bytes (1.x stores them in the key as they are), which
            // line protocol cannot spell, and a name starting with `#` reads as a comment there: not re-parsed.
            // Control bytes (NUL, tab) are read specially by 1.x's line parser.
            if point.seriesKey.contains(where: { $0 < 0x20 }) || point.seriesKey.first == UInt8(ascii: "#") { continue }
            let reparsed = Array(point.seriesKey) + Array(" value=1 0".utf8)
            let again = reparsed.withUnsafeBytes { LineProtocolParser.parse($0, options: ParseOptions(defaultTime: 0)) }
            if let first = again.points.first, again.errorBytes == nil {
                // Same name and tags; not always the same bytes: 1.x sorts a built key's tags by
                // their unescaped names (`models.NewTags`) and a parsed line's by the escaped ones.
                let sorted = { (p: Point) in p.tags.map { [$0.key, $0.value] }.sorted { $0.lexicographicallyPrecedes($1) } }
                guard first.measurement == point.measurement, sorted(first) == sorted(point) else {
                    fatalError("key changed: \(point.lineProtocol())")
                }
            }
        }
    } catch {
        checkError(error)
    }
    do throws(PromError) {
        let query = try RemoteRead.decode(protobuf: bytes)
        guard !query.matchers.isEmpty else { fatalError("accepted a query without matchers") }
    } catch {
        checkError(error)
    }
    return 0
}
