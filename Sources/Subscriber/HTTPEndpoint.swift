import Foundation

/// Where an HTTP destination's writes go: 1.x's client v2 posts to the destination's path
/// joined with `write`, with the destination's own query parameters kept and `db`, `rp`,
/// `precision` and `consistency` set, encoded as Go's `url.Values` (keys sorted); user
/// information in the URL becomes Basic authentication, as Go's HTTP client sends it.
struct HTTPEndpoint: Sendable, Hashable {
    /// `scheme://host:port/…/write`.
    let base: String
    /// The destination's own query parameters, by key.
    let query: [String: [String]]
    /// `Basic …` when the URL has user information.
    let authorization: String?

    init?(_ url: URLComponents) {
        guard let scheme = url.scheme, let host = url.percentEncodedHost, !host.isEmpty else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = url.port.map { ":\($0)" } ?? ""
        base = "\(scheme)://\(bracketed)\(port)\(GoURL.joinPath(url.percentEncodedPath, "write"))"
        query = GoURL.parseQuery(url.percentEncodedQuery ?? "")
        if let user = url.user {
            authorization = "Basic " + Data("\(user):\(url.password ?? "")".utf8).base64EncodedString()
        } else {
            authorization = nil
        }
    }

    /// The URL of a write to `database`.`retentionPolicy`, as 1.x's client builds it: the
    /// timestamps are in nanoseconds and the consistency is left empty.
    func url(database: String, retentionPolicy: String) -> String {
        var values = query
        values["db"] = [database]
        values["rp"] = [retentionPolicy]
        values["precision"] = ["ns"]
        values["consistency"] = [""]
        return base + "?" + GoURL.encodeQuery(values)
    }
}

/// The parts of Go's `net/url` and `path` that 1.x's client applies to a destination URL.
enum GoURL {
    /// `url.ParseQuery`: `&`- or `;`-separated pairs (Go before 1.17), `+` is a space, bad
    /// escapes skip their pair.
    static func parseQuery(_ raw: String) -> [String: [String]] {
        var values: [String: [String]] = [:]
        for pair in raw.split(whereSeparator: { $0 == "&" || $0 == ";" }) where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = unescape(parts[0]), let value = unescape(parts.count > 1 ? parts[1] : "") else { continue }
            values[key, default: []].append(value)
        }
        return values
    }

    /// `url.Values.Encode`: keys sorted, each value `url.QueryEscape`d.
    static func encodeQuery(_ values: [String: [String]]) -> String {
        values.keys.sorted().flatMap { key in values[key]!.map { escape(key) + "=" + escape($0) } }.joined(separator: "&")
    }

    /// `url.QueryEscape`: letters, digits and `-_.~` as they are, space as `+`, the rest `%XX`.
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `url.QueryUnescape`: `+` is a space, `%XX` a byte; nil for a malformed escape.
    static func unescape(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// `path.Join(base, element)` made absolute (a URL with a host prints its path rooted):
    /// `""` → `/write`, `/a/` → `/a/write`, `/a/../b` → `/b/write`.
    static func joinPath(_ base: String, _ element: String) -> String {
        var parts: [Substring] = []
        for part in (base + "/" + element).split(separator: "/") where part != "." {
            if part == ".." { if !parts.isEmpty { parts.removeLast() } } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }
}
