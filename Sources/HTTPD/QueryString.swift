/// URL query or form parameters, decoded the way Go's `net/url.ParseQuery` decodes them
/// (`&` and `;` separate pairs, `+` is a space, pairs with bad escapes are skipped).
public struct QueryString: Sendable {
    private var pairs: [(key: String, value: String)] = []

    public init(_ raw: Substring) {
        for part in raw.split(whereSeparator: { $0 == "&" || $0 == ";" }) where !part.isEmpty {
            let (k, v): (Substring, Substring)
            if let eq = part.firstIndex(of: "=") {
                (k, v) = (part[..<eq], part[part.index(after: eq)...])
            } else {
                (k, v) = (part, "")
            }
            guard let key = Self.unescape(k), let value = Self.unescape(v) else { continue }
            pairs.append((key, value))
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

    static func unescape(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
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
