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
                case 0x00..<0x20, 0x3C, 0x3E, 0x26: appendUnicodeEscape(UInt32(b), to: &out)
                default: out.append(b)
                }
                i += 1
                continue
            }
            let (scalar, size) = GoUTF8.decodeRune(bytes, at: i)
            if size == 1 && scalar == 0xFFFD {
                appendUnicodeEscape(0xFFFD, to: &out)
            } else if scalar == 0x2028 || scalar == 0x2029 {
                appendUnicodeEscape(scalar, to: &out)
            } else {
                out += UnsafeRawBufferPointer(rebasing: bytes[i..<(i + size)])
            }
            i += size
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendUnicodeEscape(_ value: UInt32, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out += [0x5C, UInt8(ascii: "u")]
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    /// `s` as a quoted JSON string.
    static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
