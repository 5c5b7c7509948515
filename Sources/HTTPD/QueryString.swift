/// URL query or form parameters, decoded the way Go's `net/url.ParseQuery` decodes them
/// (`&` and `;` separate pairs, `+` is a space, pairs with bad escapes are skipped).
public struct QueryString: Sendable {
    private var pairs: [(key: String, value: String)] = []

    public init(_ raw: Substring) {
        // Split on the UTF-8 bytes: Character iteration (grapheme breaking) cost more than
        // the rest of a small query's handling.
        let bytes = raw.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start
            var eq: Substring.UTF8View.Index?
            while end < bytes.endIndex {
                let b = bytes[end]
                if b == UInt8(ascii: "&") || b == UInt8(ascii: ";") { break }
                if b == UInt8(ascii: "="), eq == nil { eq = end }
                end = bytes.index(after: end)
            }
            if start < end {
                let k = eq.map { bytes[start..<$0] } ?? bytes[start..<end]
                let v = eq.map { bytes[bytes.index(after: $0)..<end] } ?? bytes[end..<end]
                if let key = Self.unescape(k), let value = Self.unescape(v) { pairs.append((key, value)) }
            }
            start = end < bytes.endIndex ? bytes.index(after: end) : end
        }
    }

    public init(_ raw: String) { self.init(Substring(raw)) }

    /// The first value of `key`, or "" — Go's `Values.Get`.
    public subscript(key: String) -> String {
        pairs.first { $0.key == key }?.value ?? ""
    }

    /// Whether `key` appears at all.
    public func contains(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// This followed by `other`: the first value of a key wins, as with Go's `Request.Form`
    /// (body form values before URL values).
    public func merged(with other: QueryString) -> QueryString {
        var merged = self
        merged.pairs += other.pairs
        return merged
    }

    static func unescape(_ s: Substring.UTF8View) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.count)
        var it = s.makeIterator()
        while let b = it.next() {
            switch b {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
                bytes.append(h << 4 | l)
            default: bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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
