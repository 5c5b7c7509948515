/// A `[[graphite]]` setting 1.x refuses; `description` is 1.x's text.
public struct GraphiteConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Why a Graphite line gives no point; `description` is the error 1.x logs for it.
public enum GraphiteParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not two or three fields.
    case fields(line: String)
    /// The template cannot be applied.
    case template(String)
    /// The value or timestamp is not a number, or the point is invalid.
    case invalid(String)
    /// The value is NaN: 1.x drops it without logging (counted as `pointsNaNFail`).
    case notANumber
    /// The value is ±Inf.
    case unsupported(field: String, value: Double)
    case timestampOutOfRange

    public var description: String {
        switch self {
        case .fields(let line): "received \(line) which doesn't have required fields"
        case .template(let message), .invalid(let message): message
        case .notANumber: "field value: \"NaN\" is unsupported"
        case .unsupported(let field, let value): "field \"\(field)\" value: \"\(value < 0 ? "-Inf" : "+Inf")\" is unsupported"
        case .timestampOutOfRange: "timestamp out of range"
        }
    }
}
