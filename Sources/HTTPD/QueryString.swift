/// URL query or form parameters, decoded the way Go's `net/url.ParseQuery` decodes them
/// (`&` and `;` separate pairs, `+` is a space, pairs with bad escapes are skipped).
public struct QueryString: Sendable {
    private var pairs: [(key: String, value: String)] = []

    public init(_ raw: Substring) {
        var pairs: [(key: String, value: String)] = []
        Self.forEachPair(in: raw) { k, v in
            if let key = Self.unescape(k), let value = Self.unescape(v) { pairs.append((key, value)) }
            return true
        }
        self.pairs = pairs
    }

    /// The first value of `key` in the raw query `raw`, as the bytes it decodes to; nil when
    /// absent. Unlike the subscript's String, whose decoding repairs bytes that are not UTF-8,
    /// these are exactly what the client sent — Go's query values are byte strings, and a
    /// password is compared byte for byte.
    static func bytes(of key: String, in raw: Substring) -> [UInt8]? {
        var found: [UInt8]?
        forEachPair(in: raw) { k, v in
            guard unescape(k) == key, let value = unescapedBytes(v) else { return true }
            found = value
            return false
        }
        return found
    }

    /// Calls `body` with the raw key and value of each pair until it returns false. Splits on
    /// the UTF-8 bytes in place: Character iteration (grapheme breaking), and even Substring's
    /// index arithmetic, cost more than the rest of a small query's handling.
    private static func forEachPair(in raw: Substring, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) {
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
                    if !body(k, v) { return }
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

    /// ``unescape(_:)`` into bytes, which are left as they are (no UTF-8 repair).
    static func unescapedBytes(_ s: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let b = s[i]
            i += 1
            switch b {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard i + 1 < s.count, let h = hexValue(s[i]), let l = hexValue(s[i + 1]) else { return nil }
                out.append(h << 4 | l)
                i += 2
            default: out.append(b)
            }
        }
        return out
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
