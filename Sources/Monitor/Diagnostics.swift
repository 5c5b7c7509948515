/// A table of facts about the running server (1.x's `diagnostics.Diagnostics`): `SHOW
/// DIAGNOSTICS` shows each registered table as a series named for it. Display only: never
/// written to a database.
public struct Diagnostics: Sendable, Hashable {
    public var columns: [String]
    /// Rows by column; a row may be shorter than `columns` (1.x's disabled input sections
    /// show only `enabled = false`).
    public var rows: [[DiagnosticValue]]

    public init(columns: [String], rows: [[DiagnosticValue]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// One row from named values, columns sorted by name (1.x's `RowFromMap`).
    public init(row: [String: DiagnosticValue]) {
        let names = row.keys.sorted()
        self.init(columns: names, rows: [names.map { row[$0]! }])
    }
}

/// A diagnostic value, as 1.x's JSON shows it: strings (durations as Go prints them, times
/// as RFC 3339), integers and booleans.
public enum DiagnosticValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    /// A time as Go's `time.Time` encodes in JSON (RFC 3339 with nanoseconds, trailing zeros
    /// trimmed), kept as Unix nanoseconds.
    case time(Int64)
}

extension DiagnosticValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension DiagnosticValue {
    /// A count from a Swift `Int`.
    public static func count(_ value: Int) -> DiagnosticValue { .integer(Int64(clamping: value)) }
}
