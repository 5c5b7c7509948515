// Interim line protocol parser: correct for well-formed input and the common errors, written
// for clarity rather than speed. The byte-level, allocation-free parser with every 1.x error
// reason replaces it (issue: foundation, item 2).

/// Timestamp precision of `/write?precision=`.
public enum Precision: Sendable, Hashable {
    case nanosecond, microsecond, millisecond, second, minute, hour

    /// 1.x's values: n/ns, u, ms, s, m, h; anything else (also "us") means nanoseconds in 1.6.
    public init(queryValue: String) {
        switch queryValue {
        case "u": self = .microsecond
        case "ms": self = .millisecond
        case "s": self = .second
        case "m": self = .minute
        case "h": self = .hour
        default: self = .nanosecond
        }
    }

    public var nanosecondsPerUnit: Int64 {
        switch self {
        case .nanosecond: 1
        case .microsecond: 1_000
        case .millisecond: 1_000_000
        case .second: 1_000_000_000
        case .minute: 60_000_000_000
        case .hour: 3_600_000_000_000
        }
    }
}

/// A field's value.
public enum FieldValue: Sendable, Hashable {
    case float(Double), integer(Int64), unsigned(UInt64), string(String), boolean(Bool)
}

/// Parser settings.
public struct ParseOptions: Sendable {
    public var precision: Precision
    /// `12u` literals (off in stock 1.x builds, where they are an invalid number).
    public var allowUnsigned: Bool
    /// Nanoseconds given to lines without a timestamp.
    public var defaultTime: Int64

    public init(precision: Precision = .nanosecond, allowUnsigned: Bool = false, defaultTime: Int64) {
        self.precision = precision
        self.allowUnsigned = allowUnsigned
        self.defaultTime = defaultTime
    }
}

/// One rejected line: `unable to parse '<line>': <reason>`.
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: String
    public var reason: String
    public var description: String { "unable to parse '\(line)': \(reason)" }
}

/// The points of a body and the lines that failed.
public struct ParseResult: Sendable {
    public var points: [Point]
    public var errors: [LineError]
    /// 1.x's combined error text (errors joined by newlines), or nil.
    public var errorText: String? { errors.isEmpty ? nil : errors.map(\.description).joined(separator: "\n") }
}

/// One point.
public struct Point: Sendable, Hashable {
    /// Unescaped measurement name.
    public var measurement: String
    /// Unescaped tags sorted by key.
    public var tags: [(key: String, value: String)] { sortedTags.map { ($0.key, $0.value) } }
    /// Unescaped fields in input order.
    public var fields: [(key: String, value: FieldValue)] { fieldList.map { ($0.key, $0.value) } }
    public var time: Int64

    private var sortedTags: [Pair<String>]
    private var fieldList: [Pair<FieldValue>]

    private struct Pair<V: Hashable & Sendable>: Hashable, Sendable {
        var key: String
        var value: V
        init(_ key: String, _ value: V) { self.key = key; self.value = value }
    }

    public init(measurement: String, tags: [(String, String)], fields: [(String, FieldValue)], time: Int64) {
        self.measurement = measurement
        self.sortedTags = tags.map { Pair($0.0, $0.1) }.sorted { $0.key < $1.key }
        self.fieldList = fields.map { Pair($0.0, $0.1) }
        self.time = time
    }

    public func tag(_ key: String) -> String? { sortedTags.first { $0.key == key }?.value }
}


/// Parses line protocol bodies.
public enum LineProtocolParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: ParseOptions) -> ParseResult {
        parse(Array(bytes), options: options)
    }

    public static func parse(_ bytes: [UInt8], options: ParseOptions) -> ParseResult {
        var result = ParseResult(points: [], errors: [])
        for line in splitLines(bytes) {
            let text = String(decoding: line, as: UTF8.self)
            let trimmed = text.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                result.points.append(try parseLine(Array(trimmed.utf8), options: options))
            } catch {
                result.errors.append(LineError(line: String(trimmed), reason: error.reason))
            }
        }
        return result
    }

    struct Failure: Error { var reason: String }

    /// Splits on newlines outside quoted field values.
    static func splitLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0, quoted = false, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") { i += 2; continue }
            if b == UInt8(ascii: "\"") { quoted.toggle() }
            if b == UInt8(ascii: "\n") && !quoted {
                var end = i
                if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                lines.append(bytes[start..<end])
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { lines.append(bytes[start...]) }
        return lines
    }

    /// Splits `s` at unescaped, unquoted occurrences of `separator`.
    static func split(_ s: ArraySlice<UInt8>, on separator: UInt8, respectQuotes: Bool) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = s.startIndex, quoted = false, i = s.startIndex
        while i < s.endIndex {
            let b = s[i]
            if b == UInt8(ascii: "\\") { i += 2; continue }
            if respectQuotes && b == UInt8(ascii: "\"") { quoted.toggle() }
            if b == separator && !quoted {
                parts.append(s[start..<i])
                start = i + 1
            }
            i += 1
        }
        parts.append(s[start..<min(i, s.endIndex)])
        return parts
    }

    static func unescape(_ s: ArraySlice<UInt8>, _ escapable: Set<UInt8>) -> String {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == UInt8(ascii: "\\"), i + 1 < s.endIndex, escapable.contains(s[i + 1]) {
                out.append(s[i + 1]); i += 2
            } else {
                out.append(s[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let measurementEscapes: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: " ")]
    static let keyEscapes: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "="), UInt8(ascii: " ")]

    static func parseLine(_ line: [UInt8], options: ParseOptions) throws(Failure) -> Point {
        let sections = split(line[...], on: UInt8(ascii: " "), respectQuotes: true).filter { !$0.isEmpty }
        guard let keySection = sections.first else { throw Failure(reason: "missing measurement") }
        guard sections.count >= 2 else { throw Failure(reason: "missing fields") }
        guard sections.count <= 3 else { throw Failure(reason: "invalid field format") }

        let keyParts = split(keySection, on: UInt8(ascii: ","), respectQuotes: false)
        guard !keyParts[0].isEmpty else { throw Failure(reason: "missing measurement") }
        let measurement = unescape(keyParts[0], measurementEscapes)
        var tags: [(String, String)] = []
        for part in keyParts.dropFirst() {
            let kv = split(part, on: UInt8(ascii: "="), respectQuotes: false)
            guard kv.count == 2 else { throw Failure(reason: "missing tag value") }
            guard !kv[0].isEmpty else { throw Failure(reason: "missing tag key") }
            guard !kv[1].isEmpty else { throw Failure(reason: "missing tag value") }
            tags.append((unescape(kv[0], keyEscapes), unescape(kv[1], keyEscapes)))
        }
        if Set(tags.map(\.0)).count != tags.count { throw Failure(reason: "duplicate tags") }

        var fields: [(String, FieldValue)] = []
        for part in split(sections[1], on: UInt8(ascii: ","), respectQuotes: true) {
            guard let eq = part.firstIndex(of: UInt8(ascii: "=")) else { throw Failure(reason: "invalid field format") }
            let key = part[part.startIndex..<eq], raw = part[(eq + 1)...]
            guard !key.isEmpty else { throw Failure(reason: "missing field key") }
            guard !raw.isEmpty else { throw Failure(reason: "missing field value") }
            fields.append((unescape(key, keyEscapes), try parseValue(raw, options: options)))
        }

        var time = options.defaultTime
        if sections.count == 3 {
            guard let value = Int64(String(decoding: sections[2], as: UTF8.self)) else {
                throw Failure(reason: "bad timestamp")
            }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: options.precision.nanosecondsPerUnit)
            guard !overflow, scaled >= Int64.min + 2, scaled <= Int64.max - 1 else {
                throw Failure(reason: "time outside range \(Int64.min + 2) - \(Int64.max - 1)")
            }
            time = scaled
        }
        return Point(measurement: measurement, tags: tags, fields: fields, time: time)
    }

    static func parseValue(_ raw: ArraySlice<UInt8>, options: ParseOptions) throws(Failure) -> FieldValue {
        let text = String(decoding: raw, as: UTF8.self)
        if raw.first == UInt8(ascii: "\"") {
            guard raw.count >= 2, raw.last == UInt8(ascii: "\"") else { throw Failure(reason: "unbalanced quotes") }
            return .string(unescape(raw.dropFirst().dropLast(), [UInt8(ascii: "\""), UInt8(ascii: "\\")]))
        }
        switch text {
        case "t", "T", "true", "True", "TRUE": return .boolean(true)
        case "f", "F", "false", "False", "FALSE": return .boolean(false)
        default: break
        }
        if text.hasSuffix("i"), let i = Int64(text.dropLast()) { return .integer(i) }
        if options.allowUnsigned, text.hasSuffix("u"), let u = UInt64(text.dropLast()) { return .unsigned(u) }
        if let first = text.first, first.isNumber || first == "-" || first == "." || first == "+" {
            guard let d = Double(text), d.isFinite, !text.lowercased().contains("n") else { throw Failure(reason: "invalid number") }
            return .float(d)
        }
        throw Failure(reason: "invalid boolean")
    }
}
