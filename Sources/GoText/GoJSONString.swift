/// Go's `encoding/json` string encoding: `"` and `\` escaped, `\n` `\r` `\t` by name, other
/// control characters as `\u00XX`, each byte that does not start a valid UTF-8 sequence as
/// `\ufffd`; with `escapingHTML` (what `json.Marshal` and `json.Encoder` do by default) also
/// `<`, `>`, `&`, U+2028 and U+2029.
public enum GoJSONString {
    /// `s` as a quoted JSON string.
    public static func quote(_ s: String, escapingHTML: Bool = true) -> String {
        var s = s
        var out: [UInt8] = []
        s.withUTF8 { append(bytes: UnsafeRawBufferPointer($0), to: &out, escapingHTML: escapingHTML) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `bytes` (a Go string) as a quoted JSON string.
    @inlinable
    public static func append(bytes: UnsafeRawBufferPointer, to out: inout [UInt8], escapingHTML: Bool = true) {
        out.append(UInt8(ascii: "\""))
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                switch b {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                case 0x00..<0x20: appendUnicodeEscape(UInt32(b), to: &out)
                case 0x3C, 0x3E, 0x26:
                    if escapingHTML { appendUnicodeEscape(UInt32(b), to: &out) } else { out.append(b) }
                default: out.append(b)
                }
                i += 1
                continue
            }
            let (scalar, size) = GoUTF8.decodeRune(bytes, at: i)
            if size == 1 && scalar == 0xFFFD {
                appendUnicodeEscape(0xFFFD, to: &out)
            } else if escapingHTML && (scalar == 0x2028 || scalar == 0x2029) {
                appendUnicodeEscape(scalar, to: &out)
            } else {
                out += UnsafeRawBufferPointer(rebasing: bytes[i..<(i + size)])
            }
            i += size
        }
        out.append(UInt8(ascii: "\""))
    }

    @usableFromInline
    static func appendUnicodeEscape(_ value: UInt32, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        out += [0x5C, UInt8(ascii: "u")]
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hex.utf8Start[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}
