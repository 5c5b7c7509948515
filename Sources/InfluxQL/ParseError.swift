/// A query that does not parse, with 1.x's exact text (the HTTP layer prefixes
/// `error parsing query: `).
public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(text: String) { description = text }

    /// `found X, expected A, B at line L, char C`.
    static func found(_ found: String, expected: [String], at pos: Position) -> ParseError {
        ParseError(text: "found \(found), expected \(expected.joined(separator: ", ")) at line \(pos.line + 1), char \(pos.char + 1)")
    }

    /// `<message> at line L, char C` (1.x's ParseError with a message; a missing position
    /// prints as line 1, char 1).
    static func message(_ message: String, at pos: Position = Position(line: 0, char: 0)) -> ParseError {
        ParseError(text: "\(message) at line \(pos.line + 1), char \(pos.char + 1)")
    }

    /// A plain error without position (1.x's `errors.New` in the parser).
    static func plain(_ message: String) -> ParseError { ParseError(text: message) }
}

/// A bound parameter value (`params={"name": value}`): the token it stands for and its text.
public struct BoundValue: Sendable, Hashable {
    public var token: Token
    public var text: String

    public init(token: Token, text: String) {
        self.token = token
        self.text = text
    }
}
