/// Go's `utf8.DecodeRune`: strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
enum GoUTF8 {
    /// The scalar starting at `i` and its length; `(0xFFFD, 1)` for a byte that does not start
    /// a valid sequence, as Go reports `RuneError`.
    static func decodeRune(_ bytes: UnsafeRawBufferPointer, at i: Int) -> (scalar: UInt32, size: Int) {
        let b0 = bytes[i]
        let invalid: (UInt32, Int) = (0xFFFD, 1)
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let size: Int, low: UInt8, high: UInt8, initial: UInt32
        switch b0 {
        case 0xC2...0xDF: size = 2; low = 0x80; high = 0xBF; initial = UInt32(b0 & 0x1F)
        case 0xE0: size = 3; low = 0xA0; high = 0xBF; initial = UInt32(b0 & 0x0F)
        case 0xED: size = 3; low = 0x80; high = 0x9F; initial = UInt32(b0 & 0x0F)
        case 0xE1...0xEF: size = 3; low = 0x80; high = 0xBF; initial = UInt32(b0 & 0x0F)
        case 0xF0: size = 4; low = 0x90; high = 0xBF; initial = UInt32(b0 & 0x07)
        case 0xF4: size = 4; low = 0x80; high = 0x8F; initial = UInt32(b0 & 0x07)
        case 0xF1...0xF3: size = 4; low = 0x80; high = 0xBF; initial = UInt32(b0 & 0x07)
        default: return invalid
        }
        guard i + size <= bytes.count else { return invalid }
        let b1 = bytes[i + 1]
        guard b1 >= low && b1 <= high else { return invalid }
        var scalar = initial << 6 | UInt32(b1 & 0x3F)
        for k in 2..<max(2, size) {
            let b = bytes[i + k]
            guard b >= 0x80 && b <= 0xBF else { return invalid }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        return (scalar, size)
    }
}
