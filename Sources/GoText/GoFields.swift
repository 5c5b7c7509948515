/// Go's `strings.Fields` on bytes: the runs of bytes between white space, where white space
/// is Unicode's (`unicode.IsSpace`: ASCII `\t \n \v \f \r` and space, U+0085, U+00A0,
/// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). Bytes that are not valid
/// UTF-8 are not space, as in Go.
public struct GoFields: Sequence, IteratorProtocol {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next field's range in the bytes.
    public mutating func next() -> Range<Int>? {
        var i = position
        while i < bytes.count {
            let n = Self.spaceLength(bytes, at: i)
            if n == 0 { break }
            i += n
        }
        guard i < bytes.count else {
            position = i
            return nil
        }
        let start = i
        while i < bytes.count && Self.spaceLength(bytes, at: i) == 0 { i += 1 }
        position = i
        return start..<i
    }

    /// The length of the white-space character at `i`, or 0. A lead byte is always where Go's
    /// decoder starts a rune, so testing byte by byte finds exactly Go's spaces.
    @inline(__always)
    public static func spaceLength(_ s: UnsafeRawBufferPointer, at i: Int) -> Int {
        let b = s[i]
        if b < 0x80 { return b == 0x20 || (b >= 0x09 && b <= 0x0D) ? 1 : 0 }
        switch b {
        case 0xC2:
            return i + 1 < s.count && (s[i + 1] == 0x85 || s[i + 1] == 0xA0) ? 2 : 0
        case 0xE1:
            return i + 2 < s.count && s[i + 1] == 0x9A && s[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < s.count else { return 0 }
            let (b1, b2) = (s[i + 1], s[i + 2])
            if b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) && b2 >= 0x80 { return 3 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : 0
        case 0xE3:
            return i + 2 < s.count && s[i + 1] == 0x80 && s[i + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// Go's `strings.TrimSpace` bounds: the range without leading and trailing white space.
    public static func trimmed(_ s: UnsafeRawBufferPointer) -> Range<Int> {
        var start = 0
        while start < s.count {
            let n = spaceLength(s, at: start)
            if n == 0 { break }
            start += n
        }
        var end = s.count
        // Trailing: check the ASCII case and the 2- and 3-byte forms ending at `end`.
        while end > start {
            if spaceLength(s, at: end - 1) == 1 { end -= 1; continue }
            if end - start >= 2 && spaceLength(s, at: end - 2) == 2 { end -= 2; continue }
            if end - start >= 3 && spaceLength(s, at: end - 3) == 3 { end -= 3; continue }
            break
        }
        return start..<end
    }
}
