/// Parser settings.
public struct ParseOptions: Sendable {
    public var precision: Precision
    /// Accept `12u` unsigned literals; stock 1.x rejects them as an invalid number.
    public var allowUnsigned: Bool
    /// Nanoseconds given to lines without a timestamp (truncated to `precision`, as 1.x does).
    public var defaultTime: Int64

    public init(precision: Precision = .nanosecond, allowUnsigned: Bool = false, defaultTime: Int64) {
        self.precision = precision
        self.allowUnsigned = allowUnsigned
        self.defaultTime = defaultTime
    }
}

/// One rejected line, rendered as 1.x renders it: `unable to parse '<line>': <reason>`.
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line as received (leading whitespace and the newline removed).
    public var line: String
    /// 1.x's reason text, e.g. `missing fields`.
    public var reason: String

    public init(line: String, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "unable to parse '\(line)': \(reason)" }
}

/// The points parsed from a body and the lines that failed; good lines survive bad ones.
public struct ParseResult: Sendable {
    public var points: [Point]
    public var errors: [LineError]

    public init(points: [Point] = [], errors: [LineError] = []) {
        self.points = points
        self.errors = errors
    }

    /// 1.x's combined error text: every line error joined by `\n`; nil when all lines parsed.
    public var errorText: String? {
        errors.isEmpty ? nil : errors.map(\.description).joined(separator: "\n")
    }
}
