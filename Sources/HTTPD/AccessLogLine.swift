#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// One access log line as 1.6's `buildLogLine` writes it (Apache's
/// `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %L %D`):
///
///     127.0.0.1 - bob [05/Dec/2026:23:49:16 +0000] "POST /query?p=%5BREDACTED%5D&q=CREATE+DATABASE+db0&u=bob HTTP/1.1" 200 33 "-" "curl/7.88.1" 7b86ae28-f106-11f1-8003-000000000000 4019
///
/// 1.8 also prints the parsed form values of a POST inside the quotes after the protocol;
/// Sundial writes 1.6's line, which every 1.x log reader accepts.
struct AccessLogLine {
    /// The client's address (Go's `RemoteAddr` without the port; `@` over a unix socket),
    /// after the `X-Forwarded-For` values when the request has that header.
    var host: String
    /// The user the request names (`u` parameter, else Basic credentials), or "".
    var user: String
    /// When the request arrived, Unix nanoseconds.
    var start: Int64
    var method: String
    /// The request target as 1.x logs it (see ``loggedURI(_:sanitizeQuery:)``).
    var uri: String
    var proto: String
    var status: Int
    /// Bytes of body written (what a HEAD answer would have had).
    var size: Int
    var referer: String
    var userAgent: String
    var requestID: String
    var microseconds: Int64

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + uri.utf8.count + userAgent.utf8.count)
        func add(_ s: String) { out.append(contentsOf: s.utf8) }
        add(host)
        add(" - ")
        add(user.isEmpty ? "-" : user)
        add(" [")
        out.append(contentsOf: CLFTime.shared.text(unixNanoseconds: start))
        add("] \"")
        add(method)
        add(" ")
        add(uri)
        add(" ")
        add(proto)
        add("\" ")
        Self.appendDecimal(Int64(status), to: &out)
        add(" ")
        Self.appendDecimal(Int64(size), to: &out)
        add(" \"")
        add(referer.isEmpty ? "-" : referer)
        add("\" \"")
        add(userAgent.isEmpty ? "-" : userAgent)
        add("\" ")
        add(requestID)
        add(" ")
        Self.appendDecimal(microseconds, to: &out)
        return out
    }

    static func appendDecimal(_ n: Int64, to out: inout [UInt8]) {
        if n < 0 {
            out.append(UInt8(ascii: "-"))
            appendDecimal(0 &- n, to: &out)
            return
        }
        if n >= 10 { appendDecimal(n / 10, to: &out) }
        out.append(UInt8(ascii: "0") + UInt8(n % 10))
    }

    /// The request target as 1.x logs it (`r.URL.RequestURI()` after its rewrites): a `/query`
    /// that got past its `q` check has its URL parameters re-encoded by `sanitize` (sorted by
    /// key, Go's query escaping, passwords cut out of `q`); then any request with a non-empty
    /// `p` parameter has it replaced by `[REDACTED]` (`redactPassword`), which re-encodes too.
    static func loggedURI(_ target: String, sanitizeQuery: Bool) -> String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        let raw = target[target.utf8.index(after: mark)...]
        // Most targets come out as they went in: one scan says so without decoding them.
        let scan = RawQueryScan(raw.utf8)
        if !scan.mayHavePassword && (!sanitizeQuery || (scan.canonical && !scan.queryMayHavePassword)) { return target }
        return rewrittenURI(target, sanitizeQuery: sanitizeQuery)
    }

    /// ``loggedURI(_:sanitizeQuery:)`` without the scan that skips the parse.
    static func rewrittenURI(_ target: String, sanitizeQuery: Bool) -> String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        let path = target[..<mark]
        let raw = target[target.utf8.index(after: mark)...]
        var values = GoURLValues(raw)
        var changed = false
        if sanitizeQuery {
            values.transform("q") { InfluxQLSanitize.sanitize($0) }
            changed = true
        }
        if !(values.first("p") ?? "").isEmpty {
            values.set("p", "[REDACTED]")
            changed = true
        }
        guard changed else { return target }
        let encoded = values.encoded()
        // Go keeps a bare `?` (ForceQuery) only when the target had nothing after it.
        if encoded.isEmpty && !raw.isEmpty { return String(path) }
        return String(path) + "?" + encoded
    }

    /// 1.x's `parseUsername`: the `u` URL parameter, else the user of Basic credentials.
    static func username(query: Substring?, authorization: String?) -> String {
        if let query, query.utf8.contains(UInt8(ascii: "u")) || query.utf8.contains(UInt8(ascii: "%")) {
            let u = QueryString(query)["u"]
            if !u.isEmpty { return u }
        }
        // Go's `Request.BasicAuth`: "Basic " in any case, standard base64, a colon.
        guard let header = authorization, header.utf8.count > 6, header.prefix(6).lowercased() == "basic ",
              let data = Data(base64Encoded: String(header.dropFirst(6))) else { return "" }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return "" }
        return String(text[..<colon])
    }
}

/// What one pass over a raw query string tells the access log, erring on the side of the
/// full rewrite: whether `Values.Encode` would give it back unchanged (pairs with `=`, keys
/// without escapes in sorted order, only bytes `QueryEscape` keeps and escapes it would make),
/// whether a `p` may carry a password, whether a `q` may hold one.
struct RawQueryScan {
    var canonical = true
    var mayHavePassword = false
    var queryMayHavePassword = false

    init(_ raw: Substring.UTF8View) {
        var previousKey: Substring.UTF8View.SubSequence?
        var start = raw.startIndex
        while true {
            var end = start
            while end != raw.endIndex && raw[end] != UInt8(ascii: "&") && raw[end] != UInt8(ascii: ";") { end = raw.index(after: end) }
            if end != raw.endIndex && raw[end] == UInt8(ascii: ";") { canonical = false }
            let pair = raw[start..<end]
            if pair.isEmpty {
                // `a&&b` and a trailing `&` lose the empty pair; an empty query stays empty.
                if !raw.isEmpty { canonical = false }
            } else {
                scanPair(pair, previousKey: &previousKey)
            }
            guard end != raw.endIndex else { break }
            start = raw.index(after: end)
        }
    }

    private mutating func scanPair(_ pair: Substring.UTF8View.SubSequence, previousKey: inout Substring.UTF8View.SubSequence?) {
        guard let eq = pair.firstIndex(of: UInt8(ascii: "=")) else {
            canonical = false  // `k` is written `k=`
            if pair.contains(UInt8(ascii: "%")) { mayHavePassword = true }
            return
        }
        let key = pair[..<eq], value = pair[pair.index(after: eq)...]
        let escapedKey = key.contains(UInt8(ascii: "%")) || key.contains(UInt8(ascii: "+"))
        if escapedKey {
            canonical = false
            // An escaped key may decode to `p` or `q`.
            if !value.isEmpty { mayHavePassword = true }
            queryMayHavePassword = true
        } else {
            if key.elementsEqual("p".utf8) && !value.isEmpty { mayHavePassword = true }
            if key.elementsEqual("q".utf8) && Self.mayHoldPassword(value) { queryMayHavePassword = true }
            if let previous = previousKey, key.lexicographicallyPrecedes(previous) { canonical = false }
            previousKey = key
        }
        if canonical && !(Self.isCanonical(key) && Self.isCanonical(value)) { canonical = false }
    }

    /// Whether `Values.Encode` writes the decoded bytes of `part` as `part` is.
    private static func isCanonical(_ part: Substring.UTF8View.SubSequence) -> Bool {
        var i = part.startIndex
        while i != part.endIndex {
            let b = part[i]
            if isUnreserved(b) || b == UInt8(ascii: "+") {
                i = part.index(after: i)
                continue
            }
            guard b == UInt8(ascii: "%") else { return false }
            let h = part.index(after: i)
            guard h != part.endIndex else { return false }
            let l = part.index(after: h)
            guard l != part.endIndex, let high = upperHex(part[h]), let low = upperHex(part[l]) else { return false }
            let decoded = high << 4 | low
            if isUnreserved(decoded) || decoded == UInt8(ascii: " ") { return false }
            i = part.index(after: l)
        }
        return true
    }

    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func upperHex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Whether a raw `q` value may contain the word `password` (any case), which both of
    /// `Sanitize`'s expressions need; an escaped value is assumed to.
    private static func mayHoldPassword(_ value: Substring.UTF8View.SubSequence) -> Bool {
        if value.contains(UInt8(ascii: "%")) { return true }
        let word = Array("password".utf8)
        var i = value.startIndex
        while i != value.endIndex {
            var j = i, k = 0
            while k < word.count, j != value.endIndex, value[j] | 0x20 == word[k] {
                j = value.index(after: j)
                k += 1
            }
            if k == word.count { return true }
            i = value.index(after: i)
        }
        return false
    }
}

/// Go's `url.Values` as `ParseQuery` makes it and `Encode` writes it: values grouped by key
/// in the order they came, keys written sorted, each part query-escaped.
struct GoURLValues {
    private(set) var values: [String: [String]] = [:]

    init(_ raw: Substring) {
        for (key, value) in QueryString(raw).allPairs { values[key, default: []].append(value) }
    }

    func first(_ key: String) -> String? { values[key]?.first }

    mutating func set(_ key: String, _ value: String) { values[key] = [value] }

    mutating func transform(_ key: String, _ body: (String) -> String) {
        if let list = values[key] { values[key] = list.map(body) }
    }

    /// `Values.Encode`: `k=v` pairs joined by `&`, keys sorted (bytewise, as Go sorts strings).
    func encoded() -> String {
        var out: [UInt8] = []
        for key in values.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            for value in values[key]! {
                if !out.isEmpty { out.append(UInt8(ascii: "&")) }
                Self.appendEscaped(key, to: &out)
                out.append(UInt8(ascii: "="))
                Self.appendEscaped(value, to: &out)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's `url.QueryEscape`: letters, digits and `-_.~` as they are, space as `+`, every
    /// other byte as `%XX`.
    static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
    }
}

/// influxql's `Sanitize`: the password of `SET PASSWORD FOR … = <pw>` and of `… WITH PASSWORD
/// <pw>` replaced by `[REDACTED]` in a query's raw text, whether or not the query parses —
/// the two regular expressions `(?i)password\s+for[^=]*=\s+(["']?[^\s"]+["']?)` and
/// `(?i)with\s+password\s+(["']?[^\s"]+["']?)`, one after the other, every match.
enum InfluxQLSanitize {
    static func sanitize(_ query: String) -> String {
        let bytes = Array(query.utf8)
        let once = redact(bytes, matchSetPassword)
        let twice = redact(once, matchCreatePassword)
        return twice == bytes ? query : String(decoding: twice, as: UTF8.self)
    }

    /// Every leftmost match, the group `(start, end)` of each replaced.
    private static func redact(_ b: [UInt8], _ match: ([UInt8], Int) -> (Int, Int)?) -> [UInt8] {
        var out: [UInt8] = []
        var copied = 0, i = 0
        while i < b.count {
            if let (start, end) = match(b, i) {
                out += b[copied..<start]
                out += Array("[REDACTED]".utf8)
                copied = end
                i = end
            } else {
                i += 1
            }
        }
        if copied == 0 { return b }
        out += b[copied...]
        return out
    }

    /// `password\s+for[^=]*=\s+` then the group, at `i`.
    private static func matchSetPassword(_ b: [UInt8], _ i: Int) -> (Int, Int)? {
        guard var j = word(b, i, "password"), let s = spaces(b, j), let f = word(b, s, "for") else { return nil }
        j = f
        while j < b.count && b[j] != UInt8(ascii: "=") { j += 1 }
        guard j < b.count, let k = spaces(b, j + 1), let end = group(b, k) else { return nil }
        return (k, end)
    }

    /// `with\s+password\s+` then the group, at `i`.
    private static func matchCreatePassword(_ b: [UInt8], _ i: Int) -> (Int, Int)? {
        guard let w = word(b, i, "with"), let s = spaces(b, w), let p = word(b, s, "password"), let k = spaces(b, p),
              let end = group(b, k) else { return nil }
        return (k, end)
    }

    /// `["']?[^\s"]+["']?` at `k`: its end, or nil.
    private static func group(_ b: [UInt8], _ k: Int) -> Int? {
        func run(from start: Int) -> Int {
            var m = start
            while m < b.count && !isSpace(b[m]) && b[m] != UInt8(ascii: "\"") { m += 1 }
            return m
        }
        func closing(_ m: Int) -> Int {
            m < b.count && (b[m] == UInt8(ascii: "\"") || b[m] == UInt8(ascii: "'")) ? m + 1 : m
        }
        guard k < b.count else { return nil }
        if b[k] == UInt8(ascii: "\"") || b[k] == UInt8(ascii: "'") {
            let m = run(from: k + 1)
            if m > k + 1 { return closing(m) }
        }
        let m = run(from: k)
        return m > k ? closing(m) : nil
    }

    /// `\s+` (RE2's `[\t\n\f\r ]`) at `i`: the index after it, or nil when there is none.
    private static func spaces(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i
        while j < b.count && isSpace(b[j]) { j += 1 }
        return j > i ? j : nil
    }

    private static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D
    }

    /// `word` (lowercase ASCII) at `i` under `(?i)`: ASCII case folding, and `ſ` (U+017F) for
    /// `s`, as Go's case folding has it. The index after it, or nil.
    private static func word(_ b: [UInt8], _ i: Int, _ word: StaticString) -> Int? {
        var j = i
        let letters = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for letter in letters {
            guard j < b.count else { return nil }
            if b[j] | 0x20 == letter && b[j] >= UInt8(ascii: "A") {
                j += 1
            } else if letter == UInt8(ascii: "s") && b[j] == 0xC5 && j + 1 < b.count && b[j + 1] == 0xBF {
                j += 2
            } else {
                return nil
            }
        }
        return j
    }
}

/// The `[02/Jan/2006:15:04:05 -0700]` text of a time in the local zone, formatted at most once
/// a second.
final class CLFTime: Sendable {
    static let shared = CLFTime()
    private let cached = Mutex<(second: Int, text: [UInt8])>((Int.min, []))
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    func text(unixNanoseconds: Int64) -> [UInt8] {
        let second = Int(unixNanoseconds >= 0 ? unixNanoseconds / 1_000_000_000 : (unixNanoseconds - 999_999_999) / 1_000_000_000)
        return cached.withLock { cache in
            if cache.second != second { cache = (second, Array(Self.format(unixSeconds: second).utf8)) }
            return cache.text
        }
    }

    static func format(unixSeconds: Int) -> String {
        var time = time_t(unixSeconds)
        var parts = tm()
        localtime_r(&time, &parts)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let offset = Int(parts.tm_gmtoff) / 60
        let sign = offset < 0 ? "-" : "+"
        return "\(two(Int(parts.tm_mday)))/\(months[Int(parts.tm_mon)])/\(Int(parts.tm_year) + 1900):"
            + "\(two(Int(parts.tm_hour))):\(two(Int(parts.tm_min))):\(two(Int(parts.tm_sec))) "
            + "\(sign)\(two(abs(offset) / 60))\(two(abs(offset) % 60))"
    }
}
