import Storage

/// A token of the `--predicate` syntax.
enum PredicateToken: Equatable {
    /// A tag reference: a bare identifier (`host`, `_measurement`) or a double-quoted name.
    case identifier(String)
    /// `$`: the field value.
    case fieldValue
    /// `'text'`.
    case string(String)
    /// `/pattern/`.
    case regex(String)
    case integer(Int64)
    case unsigned(UInt64)
    case float(Double)
    case boolean(Bool)
    case comparison(StoragePredicateNode.Comparison)
    case and, or, open, close
    case end

    /// The token as the user would write it, for error messages.
    var text: String {
        switch self {
        case .identifier(let s): s
        case .fieldValue: "$"
        case .string(let s): "'\(s)'"
        case .regex(let s): "/\(s)/"
        case .integer(let v): "\(v)"
        case .unsigned(let v): "\(v)"
        case .float(let v): "\(v)"
        case .boolean(let v): "\(v)"
        case .comparison(let c): PredicateToken.operators.first { $0.1 == c }?.0 ?? "\(c)"
        case .and: "AND"
        case .or: "OR"
        case .open: "("
        case .close: ")"
        case .end: "end of input"
        }
    }

    /// The comparison operators, longest first so `<=` wins over `<`.
    static let operators: [(String, StoragePredicateNode.Comparison)] = [
        ("=~", .regex), ("!~", .notRegex), ("!=", .notEqual), ("<=", .lte), (">=", .gte),
        ("=", .equal), ("<", .lt), (">", .gt),
    ]
}

/// A parse error with the character offset it was found at.
struct PredicateError: Error, CustomStringConvertible {
    let message: String
    let offset: Int
    var description: String { "predicate: \(message) at offset \(offset)" }
}

/// Splits a `--predicate` expression into tokens with their character offsets.
struct PredicateLexer {
    private let chars: [Character]
    private var index = 0

    init(_ text: String) { chars = Array(text) }

    /// Every token, ending with `.end`.
    mutating func tokens() throws(PredicateError) -> [(PredicateToken, Int)] {
        var out: [(PredicateToken, Int)] = []
        while true {
            while index < chars.count, chars[index].isWhitespace { index += 1 }
            let start = index
            let token = try next()
            out.append((token, start))
            if token == .end { return out }
        }
    }

    private mutating func next() throws(PredicateError) -> PredicateToken {
        guard index < chars.count else { return .end }
        let c = chars[index]
        switch c {
        case "(": index += 1; return .open
        case ")": index += 1; return .close
        case "$": index += 1; return .fieldValue
        case "'": return .string(try quoted("'", escapesKept: false))
        case "\"": return .identifier(try quoted("\"", escapesKept: false))
        case "/": return .regex(try quoted("/", escapesKept: true))
        default: break
        }
        for (text, comparison) in PredicateToken.operators where matches(text) {
            index += text.count
            return .comparison(comparison)
        }
        if c.isDigit || (c == "-" || c == "+" || c == ".") && index + 1 < chars.count && (chars[index + 1].isDigit || chars[index + 1] == ".") {
            return try number()
        }
        if c.isLetter || c == "_" {
            let start = index
            while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "_" { index += 1 }
            let word = String(chars[start..<index])
            switch word.lowercased() {
            case "and": return .and
            case "or": return .or
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: return .identifier(word)
            }
        }
        throw PredicateError(message: "unexpected character '\(c)'", offset: index)
    }

    private func matches(_ text: String) -> Bool {
        let t = Array(text)
        return index + t.count <= chars.count && Array(chars[index..<index + t.count]) == t
    }

    /// A quoted token's contents. A backslash escapes the delimiter (and, in strings and
    /// names, itself); in a regex other escapes are kept for the regex engine.
    private mutating func quoted(_ delimiter: Character, escapesKept: Bool) throws(PredicateError) -> String {
        let start = index
        index += 1
        var out = ""
        while index < chars.count {
            let c = chars[index]
            if c == delimiter { index += 1; return out }
            if c == "\\", index + 1 < chars.count {
                let e = chars[index + 1]
                if e == delimiter || (!escapesKept && e == "\\") {
                    out.append(e)
                } else {
                    out.append(c)
                    out.append(e)
                }
                index += 2
                continue
            }
            out.append(c)
            index += 1
        }
        throw PredicateError(message: "unterminated \(delimiter)…\(delimiter)", offset: start)
    }

    /// An integer (int64, or uint64 when too large for int64) or a float.
    private mutating func number() throws(PredicateError) -> PredicateToken {
        let start = index
        if chars[index] == "-" || chars[index] == "+" { index += 1 }
        var isFloat = false
        while index < chars.count {
            let c = chars[index]
            if c.isDigit {
                index += 1
            } else if c == "." || c == "e" || c == "E" {
                isFloat = true
                index += 1
            } else if (c == "-" || c == "+") && (chars[index - 1] == "e" || chars[index - 1] == "E") {
                index += 1
            } else {
                break
            }
        }
        let text = String(chars[start..<index])
        if !isFloat, let v = Int64(text) { return .integer(v) }
        if !isFloat, let v = UInt64(text) { return .unsigned(v) }
        if !isFloat { throw PredicateError(message: "integer out of range '\(text)'", offset: start) }
        if let v = Double(text), v.isFinite { return .float(v) }
        throw PredicateError(message: "bad number '\(text)'", offset: start)
    }
}

extension Character {
    /// An ASCII digit (`isNumber` also takes `½` and other scripts' digits).
    var isDigit: Bool { ("0"..."9").contains(self) }
}
