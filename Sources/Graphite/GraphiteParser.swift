import GoText
import LineProtocol

/// 1.x's Graphite parser (`services/graphite/parser.go`): `name value [timestamp]` lines,
/// the name mapped to measurement, tags and field by the best matching template. Works on the
/// line's bytes.
public struct GraphiteParser: Sendable {
    private let matcher: TemplateMatcher
    /// The section's `tags`, added where the template gave no such tag.
    private let defaultTags: [([UInt8], [UInt8])]

    /// Earliest and latest timestamps 1.x accepts: 1901-12-13 and 2038-01-19, midnight UTC.
    static let minSeconds: Int64 = -2_147_558_400
    static let maxSeconds: Int64 = 2_147_472_000

    /// 1.x's `NewParserWithOptions`. `templates` are `[filter] pattern [k=v,…]` strings and
    /// `tags` `k=v` strings, both checked first by ``GraphiteSettings/validate(templates:tags:)``.
    public init(separator: String = ".", templates: [String] = [], tags: [String] = []) throws(GraphiteConfigError) {
        var matcher = TemplateMatcher(defaultTemplate: try GraphiteTemplate(pattern: "measurement*", defaultTags: [], separator: "."))
        for pattern in templates {
            let parts = pattern.split(whereSeparator: \.isGoSpace).map(String.init)
            guard let last = parts.last else { continue }
            var template = pattern
            var filter = ""
            if parts.count >= 2 {
                if parts[1].contains("=") { template = parts[0] } else { (filter, template) = (parts[0], parts[1]) }
            }
            var templateTags: [(String, String)] = []
            if last.contains("=") {
                for pair in last.split(separator: ",", omittingEmptySubsequences: false) {
                    let kv = pair.split(separator: "=", omittingEmptySubsequences: false)
                    templateTags.append((String(kv[0]), kv.count > 1 ? String(kv[1]) : ""))
                }
            }
            matcher.add(filter: filter, template: try GraphiteTemplate(pattern: template, defaultTags: templateTags, separator: separator))
        }
        self.matcher = matcher
        var defaults: [([UInt8], [UInt8])] = []
        for tag in tags {
            let kv = tag.split(separator: "=", omittingEmptySubsequences: false)
            let key = Array(kv[0].utf8), value = kv.count > 1 ? Array(kv[1].utf8) : []
            if let i = defaults.firstIndex(where: { $0.0 == key }) { defaults[i].1 = value } else { defaults.append((key, value)) }
        }
        defaultTags = defaults
    }

    /// Parses one line; `now` (Unix nanoseconds) stamps a line without a timestamp or with -1,
    /// and is read only for such a line.
    public func parse(_ line: UnsafeRawBufferPointer, now: () -> Int64) -> Result<Point, GraphiteParseError> {
        var fields = GoFields(line)
        guard let nameRange = fields.next(), let valueRange = fields.next() else {
            return .failure(.fields(line: GoQuote.quote(line)))
        }
        let timeRange = fields.next()
        guard fields.next() == nil else { return .failure(.fields(line: GoQuote.quote(line))) }
        let name = UnsafeRawBufferPointer(rebasing: line[nameRange])

        var applied: GraphiteTemplate.Applied
        switch matcher.match(name).apply(name) {
        case .success(let a): applied = a
        case .failure(let error): return .failure(error)
        }
        if applied.measurement.isEmpty { applied.measurement = Array(name) }

        let valueBytes = UnsafeRawBufferPointer(rebasing: line[valueRange])
        let value: Double
        switch GoFloat.parse(valueBytes) {
        case .success(let v): value = v
        case .failure(let f): return .failure(.invalid("field \"\(String(decoding: name, as: UTF8.self))\" value: " + f.message(valueBytes)))
        }
        if value.isNaN { return .failure(.notANumber) }
        if value.isInfinite { return .failure(.unsupported(field: String(decoding: name, as: UTF8.self), value: value)) }

        let time: Int64
        if let timeRange {
            let timeBytes = UnsafeRawBufferPointer(rebasing: line[timeRange])
            switch GoFloat.parse(timeBytes) {
            case .success(let unix):
                if unix != -1 {
                    guard let t = Self.nanoseconds(unix) else { return .failure(.timestampOutOfRange) }
                    time = t
                } else {
                    time = now()
                }
            case .failure(let f):
                return .failure(.invalid("field \"\(String(decoding: name, as: UTF8.self))\" time: " + f.message(timeBytes)))
            }
        } else {
            time = now()
        }

        for (k, v) in defaultTags where !applied.tags.contains(where: { $0.0 == k }) { applied.tags.append((k, v)) }
        // 1.x leaves a tag with an empty value out of the series key.
        let tags = applied.tags.filter { !$0.1.isEmpty }
        let field = applied.field.isEmpty ? Array("value".utf8) : applied.field
        do throws(LineError) {
            return .success(try Point(measurement: applied.measurement, tags: tags, fields: [(field, .float(value))], time: time))
        } catch {
            return .failure(.invalid(error.reason))
        }
    }

    /// 1.x's `time.Unix(int64(t), frac)` and its 1901–2038 check; nil when out of range (a
    /// value Go's conversion would wrap is out of range too).
    static func nanoseconds(_ unix: Double) -> Int64? {
        guard unix > -9.2e18 && unix < 9.2e18 else { return nil }
        var seconds = Int64(unix)  // truncates toward zero, as Go's conversion
        var nanos = Int64((unix - unix.rounded(.down)) * 1e9)
        if nanos >= 1_000_000_000 {
            seconds += 1
            nanos -= 1_000_000_000
        }
        if seconds < minSeconds || seconds > maxSeconds || (seconds == maxSeconds && nanos > 0) { return nil }
        return seconds * 1_000_000_000 + nanos
    }
}

extension Character {
    /// White space as Go's `unicode.IsSpace` (for template strings from the config).
    var isGoSpace: Bool {
        guard let scalar = unicodeScalars.first, unicodeScalars.count == 1 else { return self == "\r\n" }
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
