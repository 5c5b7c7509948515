// libFuzzer entry for the OpenTSDB input's parsing. Each input is read both as telnet lines
// and as an /api/put body. Properties:
//   1. neither parser crashes, traps or recurses without bound (nesting is 10,000 deep at most);
//   2. a telnet point has a non-empty measurement and one finite `value` field;
//   3. an accepted body's data points, written back as JSON, decode to the same data points
//      (strings, escapes, numbers and tags survive a round trip).
// Built by run.sh (see tools/fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpenTSDB(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var start = 0
    while start <= bytes.count {
        let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        if case .point(let point, _, _) = TelnetPut.parse(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) {
            precondition(!point.measurement.isEmpty, "empty measurement")
            let fields = point.fields
            guard fields.count == 1, fields[0].key == "value", case .float(let v) = fields[0].value, v.isFinite else {
                fatalError("fields \(fields)")
            }
        }
        start = end + 1
    }
    _ = HTTPPut.decode(bytes)
    guard let first = bytes.first, first == UInt8(ascii: "[") || first == UInt8(ascii: "{"),
          let points = PutJSON.decode(bytes, array: first == UInt8(ascii: "[")) else { return 0 }
    let json = encode(points)
    let again = json.withUnsafeBytes { PutJSON.decode($0, array: true) }
    guard let again, again == points else {
        fatalError("round trip: \(String(decoding: json, as: UTF8.self)) gave \(String(describing: again)), not \(points)")
    }
    return 0
}

/// Data points as a JSON array.
func encode(_ points: [PutJSON.DataPoint]) -> [UInt8] {
    var out = Array("[".utf8)
    for (n, p) in points.enumerated() {
        if n > 0 { out += Array(",".utf8) }
        out += Array("{\"metric\":".utf8)
        string(p.metric, into: &out)
        out += Array(",\"timestamp\":\(p.timestamp),\"value\":\(p.value),\"tags\":{".utf8)
        for (k, (key, value)) in p.tags.enumerated() {
            if k > 0 { out += Array(",".utf8) }
            string(key, into: &out)
            out += Array(":".utf8)
            string(value, into: &out)
        }
        out += Array("}}".utf8)
    }
    return out + Array("]".utf8)
}

func string(_ bytes: [UInt8], into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for b in bytes {
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
        default: out.append(b)
        }
    }
    out.append(UInt8(ascii: "\""))
}
