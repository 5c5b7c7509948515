import GoText

/// JSON text exactly as Go's `encoding/json` writes it, which clients of 1.x see byte for byte.
enum GoJSON {
    /// Appends `s` as a JSON string: `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u00XX`/`\u20XX`,
    /// control characters other than `\n`, `\r`, `\t` as `\u00XX`.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendString(bytes: UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends bytes as a JSON string the way Go does for a Go string: as `appendString`, and
    /// each byte that does not start a valid UTF-8 sequence becomes the six characters `\ufffd`.
    static func appendString(bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        let copy = Array(bytes)
        copy.withUnsafeBytes { appendString(bytes: $0, to: &out) }
    }

    static func appendString(bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        GoJSONString.append(bytes: bytes, to: &out)
    }

    /// `s` as a quoted JSON string.
    static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
