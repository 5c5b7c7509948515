/// URL query or form parameters, decoded the way Go's `net/url.ParseQuery` decodes them
/// (`&` and `;` separate pairs, `+` is a space, pairs with bad escapes are skipped).
public struct QueryString: Sendable {
    private var pairs: [(key: String, value: String)] = []

    public init(_ raw: Substring) {
        // Split and decode on the UTF-8 bytes in place: Character iteration (grapheme
        // breaking), and even Substring's index arithmetic, cost more than the rest of a
        // small query's handling.
        var raw = raw
        raw.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                var eq = -1
                while end < bytes.count {
                    let b = bytes[end]
                    if b == UInt8(ascii: "&") || b == UInt8(ascii: ";") { break }
                    if b == UInt8(ascii: "="), eq < 0 { eq = end }
                    end += 1
                }
                if start < end {
                    let k = UnsafeBufferPointer(rebasing: bytes[start..<(eq < 0 ? end : eq)])
                    let v = UnsafeBufferPointer(rebasing: bytes[(eq < 0 ? end : eq + 1)..<end])
                    if let key = Self.unescape(k), let value = Self.unescape(v) { pairs.append((key, value)) }
                }
                start = end + 1
            }
        }
    }

    public init(_ raw: String) { self.init(Substring(raw)) }

    /// Pairs already decoded (multipart form fields).
    init(pairs: [(key: String, value: String)]) { self.pairs = pairs }

    /// The first value of `key`, or "" — Go's `Values.Get`.
    public subscript(key: String) -> String {
        pairs.first { $0.key == key }?.value ?? ""
    }

    /// Every pair in the order it came.
    var allPairs: [(key: String, value: String)] { pairs }

    /// Whether `key` appears at all.
    public func contains(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// This followed by `other`: the first value of a key wins, as with Go's `Request.Form`
    /// (body form values before URL values).
    public func merged(with other: QueryString) -> QueryString {
        var merged = self
        merged.pairs += other.pairs
        return merged
    }

    /// `+` as a space and `%XX` escapes decoded; nil for a bad escape (Go skips that pair).
    static func unescape(_ s: UnsafeBufferPointer<UInt8>) -> String? {
        if !s.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: s, as: UTF8.self)
        }
        struct BadEscape: Error {}
        return try? String(unsafeUninitializedCapacity: s.count) { out throws(BadEscape) -> Int in
            var i = 0, n = 0
            while i < s.count {
                let b = s[i]
                i += 1
                switch b {
                case UInt8(ascii: "+"): out[n] = UInt8(ascii: " ")
                case UInt8(ascii: "%"):
                    guard i + 1 < s.count, let h = hexValue(s[i]), let l = hexValue(s[i + 1]) else { throw BadEscape() }
                    out[n] = h << 4 | l
                    i += 2
                default: out[n] = b
                }
                n += 1
            }
            return n
        }
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
