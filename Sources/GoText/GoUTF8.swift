/// Go's UTF-8 validity (`utf8.DecodeRune`), as its quoting and JSON decoding use it.
public enum GoUTF8 {
    /// The length of the valid UTF-8 sequence at `i`, or 0 (overlong forms, surrogates and
    /// code points past U+10FFFF are invalid).
    @inlinable
    public static func sequenceLength<C: RandomAccessCollection<UInt8>>(_ s: C, at i: Int) -> Int where C.Index == Int {
        let b = s[i]
        let (n, lo, hi): (Int, UInt8, UInt8)
        switch b {
        case 0xC2...0xDF: (n, lo, hi) = (2, 0x80, 0xBF)
        case 0xE0: (n, lo, hi) = (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (n, lo, hi) = (3, 0x80, 0xBF)
        case 0xED: (n, lo, hi) = (3, 0x80, 0x9F)
        case 0xF0: (n, lo, hi) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (n, lo, hi) = (4, 0x80, 0xBF)
        case 0xF4: (n, lo, hi) = (4, 0x80, 0x8F)
        default: return 0
        }
        guard i + n <= s.endIndex, (lo...hi).contains(s[i + 1]) else { return 0 }
        for k in 2..<max(2, n) where !(0x80...0xBF).contains(s[i + k]) { return 0 }
        return n
    }

    /// The scalar starting at `i` and its length; `(0xFFFD, 1)` for a byte that does not start
    /// a valid sequence, as Go reports `RuneError`.
    @inlinable
    public static func decodeRune(_ bytes: UnsafeRawBufferPointer, at i: Int) -> (scalar: UInt32, size: Int) {
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
