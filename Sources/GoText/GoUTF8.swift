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
}
