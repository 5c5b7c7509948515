/// InfluxQL tokens, in 1.x's order (the order decides nothing but error texts use the names).
public enum Token: Int, Sendable, Hashable, CaseIterable {
    case illegal, eof, ws, comment
    // Literals
    case ident, boundParam, number, integer, durationVal, string, badString, badEscape, `true`, `false`, regex, badRegex
    // Operators
    case add, sub, mul, div, mod, bitwiseAnd, bitwiseOr, bitwiseXor, and, or
    case eq, neq, eqRegex, neqRegex, lt, lte, gt, gte
    // Punctuation
    case lparen, rparen, comma, colon, doubleColon, semicolon, dot
    // Keywords
    case all, alter, analyze, any, `as`, asc, begin, by, cardinality, create, continuous, database, databases
    case `default`, delete, desc, destinations, diagnostics, distinct, drop, duration, end, every, exact, explain
    case field, `for`, from, grant, grants, group, groups, `in`, inf, insert, into, key, keys, kill, limit
    case measurement, measurements, name, offset, on, order, password, policy, policies, privileges, queries, query
    case read, replication, resample, retention, revoke, select, series, set, show, shard, shards, slimit, soffset
    case stats, subscription, subscriptions, tag, to, user, users, values, `where`, with, write

    /// 1.x's `Token.String()`: the keyword or symbol; "" for tokens 1.x leaves unnamed
    /// (COMMENT, BOUNDPARAM, INTEGER, BADREGEX).
    public var text: String {
        switch self {
        case .illegal: "ILLEGAL"
        case .eof: "EOF"
        case .ws: "WS"
        case .comment, .boundParam, .integer, .badRegex: ""
        case .ident: "IDENT"
        case .number: "NUMBER"
        case .durationVal: "DURATIONVAL"
        case .string: "STRING"
        case .badString: "BADSTRING"
        case .badEscape: "BADESCAPE"
        case .true: "TRUE"
        case .false: "FALSE"
        case .regex: "REGEX"
        case .add: "+"
        case .sub: "-"
        case .mul: "*"
        case .div: "/"
        case .mod: "%"
        case .bitwiseAnd: "&"
        case .bitwiseOr: "|"
        case .bitwiseXor: "^"
        case .and: "AND"
        case .or: "OR"
        case .eq: "="
        case .neq: "!="
        case .eqRegex: "=~"
        case .neqRegex: "!~"
        case .lt: "<"
        case .lte: "<="
        case .gt: ">"
        case .gte: ">="
        case .lparen: "("
        case .rparen: ")"
        case .comma: ","
        case .colon: ":"
        case .doubleColon: "::"
        case .semicolon: ";"
        case .dot: "."
        default: Self.keywordNames[self] ?? ""
        }
    }

    /// Keyword tokens by their upper-case spelling.
    static let keywordNames: [Token: String] = {
        var names: [Token: String] = [:]
        for token in Token.allCases where token.rawValue >= Token.all.rawValue {
            var name = String(describing: token).uppercased()
            if name.hasPrefix("`") { name = String(name.dropFirst().dropLast()) }
            names[token] = name
        }
        return names
    }()

    /// Lower-case word → keyword token (including AND, OR, TRUE, FALSE).
    static let keywords: [String: Token] = {
        var map: [String: Token] = [:]
        for (token, name) in keywordNames { map[name.lowercased()] = token }
        map["and"] = .and
        map["or"] = .or
        map["true"] = .true
        map["false"] = .false
        return map
    }()

    /// The keyword `word` spells (case-insensitive), or `.ident`.
    public static func lookup(_ word: String) -> Token {
        keywords[word.lowercased()] ?? .ident
    }

    /// Binary operator precedence (0 = not a binary operator).
    public var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .eq, .neq, .eqRegex, .neqRegex, .lt, .lte, .gt, .gte: 3
        case .add, .sub, .bitwiseOr, .bitwiseXor: 4
        case .mul, .div, .mod, .bitwiseAnd: 5
        default: 0
        }
    }

    /// Whether the token is one of the binary operators.
    public var isOperator: Bool { rawValue >= Token.add.rawValue && rawValue <= Token.gte.rawValue }

    public var isRegexOperator: Bool { self == .eqRegex || self == .neqRegex }
}

/// A zero-based position in the query text: line and character (a Unicode scalar) in the line.
public struct Position: Sendable, Hashable {
    public var line: Int
    public var char: Int

    public init(line: Int, char: Int) {
        self.line = line
        self.char = char
    }
}
