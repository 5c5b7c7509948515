/// Go's `%q` / `strconv.Quote` of bytes, for log and error text that quotes input as 1.x does:
/// printable ASCII as is (with `"` and `\` escaped), `\a \b \f \n \r \t \v`, other control
/// bytes and invalid UTF-8 as `\xNN`, valid non-ASCII kept unless it is not printable.
public enum GoQuote {
    public static func quote(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out = "\""
        var i = 0
        while i < input.count {
            let b = input[i]
            if b < 0x80 {
                switch b {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x07: out += "\\a"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x0B: out += "\\v"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
                default: out += "\\x" + hex(b)
                }
                i += 1
                continue
            }
            let length = GoUTF8.sequenceLength(input, at: i)
            if length == 0 {
                out += "\\x" + hex(b)
                i += 1
            } else {
                let scalar = String(decoding: input[i..<(i + length)], as: UTF8.self)
                if let s = scalar.unicodeScalars.first, s.properties.generalCategory != .control,
                   s.properties.generalCategory != .format, s.properties.generalCategory != .unassigned,
                   s.properties.generalCategory != .privateUse, s.properties.generalCategory != .lineSeparator,
                   s.properties.generalCategory != .paragraphSeparator, !(s.properties.isWhitespace && s != " ") {
                    out += scalar
                } else if let s = scalar.unicodeScalars.first {
                    out += s.value <= 0xFFFF ? "\\u" + pad(String(s.value, radix: 16), 4) : "\\U" + pad(String(s.value, radix: 16), 8)
                }
                i += length
            }
        }
        return out + "\""
    }

    public static func quote(_ s: String) -> String { quote(Array(s.utf8)) }

    private static func hex(_ b: UInt8) -> String { pad(String(b, radix: 16), 2) }
    private static func pad(_ s: String, _ n: Int) -> String { String(repeating: "0", count: max(0, n - s.count)) + s }
}
