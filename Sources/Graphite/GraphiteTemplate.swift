import GoText

/// One Graphite template (1.x's `template`): the parts of a dotted metric name mapped to the
/// measurement, tags and field, plus the template's own default tags.
struct GraphiteTemplate: Sendable {
    enum Part: Sendable, Equatable {
        case measurement
        case measurementWildcard
        case field
        case fieldWildcard
        case tag([UInt8])
        /// An empty part (`a..b`): its segment is dropped.
        case skip
    }

    let parts: [Part]
    /// The pattern's parts as written, for the error naming the template.
    let pattern: [String]
    /// The template's tags (`… host=a,dc=b`), key order, last value of a repeated key kept.
    let defaultTags: [([UInt8], [UInt8])]
    let separator: [UInt8]

    /// 1.x's `NewTemplate`: some part must start with `measurement`.
    init(pattern: String, defaultTags: [(String, String)], separator: String) throws(GraphiteConfigError) {
        let raw = pattern.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard raw.contains(where: { $0.hasPrefix("measurement") }) else {
            throw GraphiteConfigError("no measurement specified for template. \(GoQuote.quote(pattern))")
        }
        self.pattern = raw
        parts = raw.map { part in
            switch part {
            case "measurement": .measurement
            case "measurement*": .measurementWildcard
            case "field": .field
            case "field*": .fieldWildcard
            case "": .skip
            default: .tag(Array(part.utf8))
            }
        }
        var tags: [([UInt8], [UInt8])] = []
        for (k, v) in defaultTags {
            let key = Array(k.utf8), value = Array(v.utf8)
            if let i = tags.firstIndex(where: { $0.0 == key }) { tags[i].1 = value } else { tags.append((key, value)) }
        }
        self.defaultTags = tags
        self.separator = Array(separator.utf8)
    }

    /// What a template makes of a metric name.
    struct Applied: Equatable {
        var measurement: [UInt8] = []
        /// Unique keys; a key given by several parts has its values joined by the separator.
        var tags: [([UInt8], [UInt8])] = []
        var field: [UInt8] = []

        static func == (a: Applied, b: Applied) -> Bool {
            a.measurement == b.measurement && a.field == b.field && a.tags.elementsEqual(b.tags) { $0.0 == $1.0 && $0.1 == $1.1 }
        }
    }

    /// 1.x's `template.Apply` on the metric name's bytes.
    func apply(_ name: UnsafeRawBufferPointer) -> Result<Applied, GraphiteParseError> {
        if parts.contains(.measurementWildcard) && parts.contains(.fieldWildcard) {
            return .failure(.template("either 'field*' or 'measurement*' can be used in each template (but not both together): "
                + GoQuote.quote(pattern.joined(separator: String(decoding: separator, as: UTF8.self)))))
        }
        var segments: [Range<Int>] = []
        segments.reserveCapacity(parts.count + 1)
        var start = 0
        for i in 0..<name.count where name[i] == UInt8(ascii: ".") {
            segments.append(start..<i)
            start = i + 1
        }
        segments.append(start..<name.count)

        var out = Applied()
        out.tags = defaultTags
        var measurementParts = 0
        func appendMeasurement(_ r: Range<Int>) {
            if measurementParts > 0 { out.measurement += separator }
            out.measurement += name[r]
            measurementParts += 1
        }
        func joined(from i: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for (n, r) in segments[i...].enumerated() {
                if n > 0 { bytes += separator }
                bytes += name[r]
            }
            return bytes
        }
        for (i, part) in parts.enumerated() where i < segments.count {
            let segment = segments[i]
            switch part {
            case .measurement:
                appendMeasurement(segment)
            case .field:
                if !out.field.isEmpty {
                    return .failure(.template("'field' can only be used once in each template: " + GoQuote.quote(Array(name))))
                }
                out.field = Array(name[segment])
            case .fieldWildcard:
                out.field = joined(from: i)
                return .success(out)
            case .measurementWildcard:
                for r in segments[i...] { appendMeasurement(r) }
                return .success(out)
            case .tag(let key):
                if let t = out.tags.firstIndex(where: { $0.0 == key }) {
                    out.tags[t].1 += separator
                    out.tags[t].1 += name[segment]
                } else {
                    out.tags.append((key, Array(name[segment])))
                }
            case .skip:
                continue
            }
        }
        return .success(out)
    }
}
