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
///
/// The line is kept as the bytes received: 1.x echoes them verbatim (invalid UTF-8 included)
/// into the error header and lets the JSON encoder mark invalid bytes.
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line as received (leading whitespace and the newline removed).
    public var lineBytes: [UInt8]
    /// 1.x's reason text, e.g. `missing fields`.
    public var reason: String

    public init(line: String, reason: String) {
        self.init(lineBytes: Array(line.utf8), reason: reason)
    }

    public init(lineBytes: [UInt8], reason: String) {
        self.lineBytes = lineBytes
        self.reason = reason
    }

    /// The line as text; invalid UTF-8 becomes U+FFFD.
    public var line: String { String(decoding: lineBytes, as: UTF8.self) }

    public var description: String { String(decoding: messageBytes, as: UTF8.self) }

    /// `unable to parse '<line>': <reason>` with the line's bytes as received.
    public var messageBytes: [UInt8] {
        Array("unable to parse '".utf8) + lineBytes + Array("': \(reason)".utf8)
    }
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
        errorBytes.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The combined error text with each line's bytes as received.
    public var errorBytes: [UInt8]? {
        guard !errors.isEmpty else { return nil }
        var out: [UInt8] = []
        for (n, error) in errors.enumerated() {
            if n > 0 { out.append(ASCII.newline) }
            out += error.messageBytes
        }
        return out
    }
}
