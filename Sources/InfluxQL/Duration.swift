/// Why a duration literal is invalid (1.x's texts).
public enum DurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid
    case overflow(measure: Int64, unit: String)

    public var description: String {
        switch self {
        case .invalid: "invalid duration"
        case .overflow(let measure, let unit): "overflowed duration \(measure)\(unit): choose a smaller duration or INF"
        }
    }
}

/// InfluxQL duration literals (`1h30m`, `10ms`, `5w`) in nanoseconds, parsed and formatted as
/// 1.x does (overflow wraps as Go's arithmetic does, then is detected by sign).
public enum Duration {
    static let nanosecond: Int64 = 1
    static let microsecond: Int64 = 1_000
    static let millisecond: Int64 = 1_000_000
    static let second: Int64 = 1_000_000_000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour
    static let week: Int64 = 7 * day

    public static func parse(_ s: String) throws(DurationError) -> Int64 {
        let a = Array(s.unicodeScalars)
        guard a.count >= 2 else { throw .invalid }
        var d: Int64 = 0
        var i = 0
        var negative = false
        if a[i] == "-" {
            negative = true
            i += 1
        }
        var measure: Int64 = 0
        var unit = ""
        while i < a.count {
            let start = i
            while i < a.count && Scanner.isDigit(a[i]) { i += 1 }
            guard i < a.count, i != start else { throw .invalid }
            guard let n = Int64(String(String.UnicodeScalarView(a[start..<i]))) else { throw .invalid }
            measure = n
            unit = String(a[i])
            switch a[i] {
            case "n":
                guard i + 1 < a.count, a[i + 1] == "s" else { throw .invalid }
                unit = "ns"
                d = d &+ n
                i += 2
                continue
            case "u", "µ": d = d &+ n &* microsecond
            case "m":
                if i + 1 < a.count && a[i + 1] == "s" {
                    unit = "ms"
                    d = d &+ n &* millisecond
                    i += 2
                    continue
                }
                d = d &+ n &* minute
            case "s": d = d &+ n &* second
            case "h": d = d &+ n &* hour
            case "d": d = d &+ n &* day
            case "w": d = d &+ n &* week
            default: throw .invalid
            }
            i += 1
        }
        if d < 0 && !negative { throw .overflow(measure: measure, unit: unit) }
        return negative ? 0 &- d : d
    }

    /// The largest whole unit: `2w`, `3d`, `90m`, `1500ms`, `0s`.
    /// Go's `time.Duration.String()` (`168h0m0s`), as SHOW RETENTION POLICIES prints durations.
    public static func goString(_ d: Int64) -> String { GoDuration.string(d) }

    public static func format(_ d: Int64) -> String {
        if d == 0 { return "0s" }
        for (size, suffix) in [(week, "w"), (day, "d"), (hour, "h"), (minute, "m"), (second, "s"), (millisecond, "ms"), (microsecond, "u")]
        where d % size == 0 {
            return "\(d / size)\(suffix)"
        }
        return "\(d)ns"
    }
}

/// 1.x's quoting of strings and identifiers in canonical query text.
public enum Quote {
    /// `'it\'s'`: newline, backslash and single quote escaped.
    public static func string(_ s: String) -> String {
        var out = "'"
        for ch in s.unicodeScalars {
            switch ch {
            case "\n": out += "\\n"
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "'"
    }

    /// Identifier segments joined by `.`, each quoted when it must be (keywords, non-identifier
    /// characters) or when it is empty at the start or end, or not the last segment.
    public static func ident(_ segments: [String]) -> String {
        var out = ""
        for (i, segment) in segments.enumerated() {
            let last = i == segments.count - 1
            let quoted = needsQuotes(segment) || (!last && !segment.isEmpty) || ((i == 0 || last) && segment.isEmpty)
            if quoted { out += "\"" }
            for ch in segment.unicodeScalars {
                switch ch {
                case "\n": out += "\\n"
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                default: out.unicodeScalars.append(ch)
                }
            }
            if quoted { out += "\"" }
            if !last { out += "." }
        }
        return out
    }

    public static func ident(_ segment: String) -> String { ident([segment]) }

    /// Whether an identifier must be quoted to parse back as itself.
    public static func needsQuotes(_ ident: String) -> Bool {
        if Token.lookup(ident) != .ident { return true }
        for (i, ch) in ident.unicodeScalars.enumerated() {
            if i == 0 && !Scanner.isIdentFirstChar(ch) { return true }
            if i > 0 && !Scanner.isIdentChar(ch) { return true }
        }
        return false
    }
}
