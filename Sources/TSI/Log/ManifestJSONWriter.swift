/// JSON text as Go's `json.MarshalIndent(v, "", "  ")` lays it out: a member or element per
/// line, two spaces per level, `": "` after keys, and `{}` / `[]` for empty containers.
struct ManifestJSONWriter {
    private(set) var bytes: [UInt8] = []
    /// One entry per open container: whether it has a member yet.
    private var open: [Bool] = []

    mutating func beginObject() { begin(UInt8(ascii: "{")) }
    mutating func beginArray() { begin(UInt8(ascii: "[")) }

    /// Starts an object member: separator, new line, indentation, quoted key and `": "`.
    mutating func key(_ name: String) {
        element()
        string(name)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
    }

    /// Starts an array element: separator, new line and indentation.
    mutating func element() {
        guard let last = open.indices.last else { return }
        if open[last] { bytes.append(UInt8(ascii: ",")) }
        open[last] = true
        newline(depth: open.count)
    }

    /// Closes the innermost container with `bracket`.
    mutating func end(_ bracket: UInt8) {
        let hadMembers = open.popLast() ?? false
        if hadMembers { newline(depth: open.count) }
        bytes.append(bracket)
    }

    /// Bytes written as they are (numbers).
    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// A JSON string as Go 1.x's encoder writes it (HTML escaping on): `\"`, `\\`, `\n`,
    /// `\r`, `\t`; other control characters and `<`, `>`, `&` as `\u00xx` (lower-case hex);
    /// U+2028 and U+2029 as `\u2028`, `\u2029`; everything else as UTF-8.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, 0x3C, 0x3E, 0x26, 0x2028, 0x2029: unicodeEscape(scalar.value)
            default: bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func unicodeEscape(_ value: UInt32) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    private mutating func begin(_ bracket: UInt8) {
        bytes.append(bracket)
        open.append(false)
    }

    private mutating func newline(depth: Int) {
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }
}
