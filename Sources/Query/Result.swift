/// One value of a result row, as 1.x's `interface{}` values encode.
public enum Value: Sendable, Hashable {
    case null
    case float(Double)
    case integer(Int64)
    case unsigned(UInt64)
    case string(String)
    case boolean(Bool)
    /// A timestamp in Unix nanoseconds (formatted per `epoch` or RFC 3339).
    case time(Int64)
    /// A list of strings (subscription destinations).
    case strings([String])
}

extension Value {
    /// A float NaN (written as null; a subquery hands it on as a value).
    var isNaN: Bool { if case .float(let f) = self { return f.isNaN }; return false }
}

/// A series of a result (1.x `models.Row`).
public struct Row: Sendable, Hashable {
    public var name: String
    public var tags: [String: String]
    public var columns: [String]
    public var values: [[Value]]
    public var partial: Bool
    /// `tz()`: times are shown in this location (RFC 3339 with its offset).
    public var zone: Zone?
    /// Columns whose values 1.x holds as Go `int` (not `int64`): its CSV writer has no case for
    /// them and leaves the cell as it was, the header's text or the row before's value.
    public var goIntColumns: Set<Int> = []

    public init(name: String = "", tags: [String: String] = [:], columns: [String], values: [[Value]] = [], partial: Bool = false) {
        self.name = name
        self.tags = tags
        self.columns = columns
        self.values = values
        self.partial = partial
    }
}

/// A user-facing note attached to a result (e.g. the GET-for-writes warning).
public struct Message: Sendable, Hashable {
    public var level: String
    public var text: String

    /// 1.x's `ReadOnlyWarning`: a write statement sent with GET.
    static func readOnlyWarning(_ statement: String) -> Message {
        Message(level: "warning", text: "deprecated use of '\(statement)' in a read only context, please use a POST request instead")
    }
}

/// The result of one statement (1.x `query.Result`).
public struct StatementResult: Sendable, Hashable {
    public var statementID: Int
    public var series: [Row]
    public var messages: [Message]
    public var partial: Bool
    public var error: String?

    public init(statementID: Int, series: [Row] = [], messages: [Message] = [], partial: Bool = false, error: String? = nil) {
        self.statementID = statementID
        self.series = series
        self.messages = messages
        self.partial = partial
        self.error = error
    }
}

/// A statement that failed with 1.x's message.
public struct StatementError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static let databaseNameRequired = StatementError("database name required")
    static func databaseNotFound(_ name: String) -> StatementError { StatementError("database not found: \(name)") }
}
