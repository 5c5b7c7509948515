/// Go's `encoding/json` string quoting: `"` and `\` escaped, `\n` `\r` `\t` by name, other
/// control characters as `\u00XX`; with `escapingHTML` (what `json.Marshal` and
/// `json.Encoder` do by default) also `<`, `>`, `&`, U+2028 and U+2029.
public enum GoJSONString {
    public static func quote(_ s: String, escapingHTML: Bool = true) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let html = scalar == "<" || scalar == ">" || scalar == "&" || scalar == "\u{2028}" || scalar == "\u{2029}"
                if scalar.value < 0x20 || (escapingHTML && html) { out += unicodeEscape(scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
