/// Reads Unicode scalars with 1.x's position rules and a three-scalar unread buffer:
/// `\r\n` and `\r` read as `\n`; a scalar's position is where it starts; EOF reads as NUL.
struct Reader {
    static let eof: Unicode.Scalar = "\0"
    private let text: [Unicode.Scalar]
    private var index = 0
    /// Inline, not an Array: every scalar read goes through it, and an array's uniqueness
    /// check and bounds check per read were the scanner's largest cost.
    private var buffer = InlineArray<3, (ch: Unicode.Scalar, pos: Position)>(repeating: ("\0", Position(line: 0, char: 0)))
    private var slot = 0
    private var unread = 0
    private var position = Position(line: 0, char: 0)
    private var sawEOF = false

    init(_ text: [Unicode.Scalar]) { self.text = text }

    mutating func read() -> (ch: Unicode.Scalar, pos: Position) {
        if unread > 0 {
            unread -= 1
            return current()
        }
        var ch = Reader.eof
        if index < text.count {
            ch = text[index]
            index += 1
            if ch == "\r" {
                if index < text.count && text[index] == "\n" { index += 1 }
                ch = "\n"
            }
        }
        slot = slot == 2 ? 0 : slot + 1
        buffer[slot] = (ch, position)
        if ch == "\n" {
            position.line += 1
            position.char = 0
        } else if !sawEOF {
            position.char += 1
        }
        if ch == Reader.eof { sawEOF = true }
        return current()
    }

    mutating func unreadOne() { unread += 1 }

    func current() -> (ch: Unicode.Scalar, pos: Position) {
        let i = slot - unread
        return buffer[i < 0 ? i + 3 : i]
    }
}

/// InfluxQL's lexer (1.x `Scanner`): one token per call, with its position and literal.
struct Scanner {
    var reader: Reader

    init(_ text: String) { reader = Reader(Array(text.unicodeScalars)) }

    struct Scanned {
        var token: Token
        var pos: Position
        var lit: String
    }

    mutating func scan() -> Scanned {
        let (ch0, pos) = reader.read()
        if Self.isWhitespace(ch0) { return scanWhitespace() }
        if Self.isLetter(ch0) || ch0 == "_" {
            reader.unreadOne()
            return scanIdent(lookup: true)
        }
        if Self.isDigit(ch0) { return scanNumber() }
        switch ch0 {
        case Reader.eof: return Scanned(token: .eof, pos: pos, lit: "")
        case "\"":
            reader.unreadOne()
            return scanIdent(lookup: true)
        case "'": return scanString()
        case ".":
            let (ch1, _) = reader.read()
            reader.unreadOne()
            if Self.isDigit(ch1) { return scanNumber() }
            return Scanned(token: .dot, pos: pos, lit: "")
        case "$":
            let ident = scanIdent(lookup: false)
            if ident.token != .ident { return Scanned(token: ident.token, pos: pos, lit: "$" + ident.lit) }
            return Scanned(token: .boundParam, pos: pos, lit: "$" + ident.lit)
        case "+": return Scanned(token: .add, pos: pos, lit: "")
        case "-":
            let (ch1, _) = reader.read()
            if ch1 == "-" {
                skipUntilNewline()
                return Scanned(token: .comment, pos: pos, lit: "")
            }
            reader.unreadOne()
            return Scanned(token: .sub, pos: pos, lit: "")
        case "*": return Scanned(token: .mul, pos: pos, lit: "")
        case "/":
            let (ch1, _) = reader.read()
            if ch1 == "*" {
                guard skipUntilEndComment() else { return Scanned(token: .illegal, pos: pos, lit: "") }
                return Scanned(token: .comment, pos: pos, lit: "")
            }
            reader.unreadOne()
            return Scanned(token: .div, pos: pos, lit: "")
        case "%": return Scanned(token: .mod, pos: pos, lit: "")
        case "&": return Scanned(token: .bitwiseAnd, pos: pos, lit: "")
        case "|": return Scanned(token: .bitwiseOr, pos: pos, lit: "")
        case "^": return Scanned(token: .bitwiseXor, pos: pos, lit: "")
        case "=":
            if reader.read().ch == "~" { return Scanned(token: .eqRegex, pos: pos, lit: "") }
            reader.unreadOne()
            return Scanned(token: .eq, pos: pos, lit: "")
        case "!":
            let ch1 = reader.read().ch
            if ch1 == "=" { return Scanned(token: .neq, pos: pos, lit: "") }
            if ch1 == "~" { return Scanned(token: .neqRegex, pos: pos, lit: "") }
            reader.unreadOne()
        case ">":
            if reader.read().ch == "=" { return Scanned(token: .gte, pos: pos, lit: "") }
            reader.unreadOne()
            return Scanned(token: .gt, pos: pos, lit: "")
        case "<":
            let ch1 = reader.read().ch
            if ch1 == "=" { return Scanned(token: .lte, pos: pos, lit: "") }
            if ch1 == ">" { return Scanned(token: .neq, pos: pos, lit: "") }
            reader.unreadOne()
            return Scanned(token: .lt, pos: pos, lit: "")
        case "(": return Scanned(token: .lparen, pos: pos, lit: "")
        case ")": return Scanned(token: .rparen, pos: pos, lit: "")
        case ",": return Scanned(token: .comma, pos: pos, lit: "")
        case ";": return Scanned(token: .semicolon, pos: pos, lit: "")
        case ":":
            if reader.read().ch == ":" { return Scanned(token: .doubleColon, pos: pos, lit: "") }
            reader.unreadOne()
            return Scanned(token: .colon, pos: pos, lit: "")
        default: break
        }
        return Scanned(token: .illegal, pos: pos, lit: String(ch0))
    }

    /// A `/regex/` starting at the next scalar (the parser calls this where a regex may be).
    mutating func scanRegex() -> Scanned {
        let pos = reader.current().pos
        switch scanDelimited(start: "/", end: "/", escapes: ["/": "/"], passThrough: true) {
        case .success(let text): return Scanned(token: .regex, pos: pos, lit: text)
        case .failure(.badEscape):
            return Scanned(token: .badEscape, pos: reader.current().pos, lit: "")
        case .failure: return Scanned(token: .badRegex, pos: pos, lit: "")
        }
    }

    /// The next scalar without consuming it (1.x's `peekRune`, below the token buffer).
    mutating func peek() -> Unicode.Scalar {
        let ch = reader.read().ch
        if ch != Reader.eof { reader.unreadOne() }
        return ch
    }

    private mutating func scanWhitespace() -> Scanned {
        let (first, pos) = reader.current()
        var text = String(first)
        while true {
            let ch = reader.read().ch
            if ch == Reader.eof { break }
            if !Self.isWhitespace(ch) {
                reader.unreadOne()
                break
            }
            text.unicodeScalars.append(ch)
        }
        return Scanned(token: .ws, pos: pos, lit: text)
    }

    private mutating func skipUntilNewline() {
        while true {
            let ch = reader.read().ch
            if ch == "\n" || ch == Reader.eof { return }
        }
    }

    private mutating func skipUntilEndComment() -> Bool {
        while true {
            let ch1 = reader.read().ch
            if ch1 == "*" {
                while true {
                    let ch2 = reader.read().ch
                    if ch2 == "/" { return true }
                    if ch2 == "*" { continue }
                    if ch2 == Reader.eof { return false }
                    break
                }
            } else if ch1 == Reader.eof {
                return false
            }
        }
    }

    private mutating func scanIdent(lookup: Bool) -> Scanned {
        let pos = reader.read().pos
        reader.unreadOne()
        var text = String.UnicodeScalarView()
        while true {
            let ch = reader.read().ch
            if ch == Reader.eof { break }
            if ch == "\"" {
                let quoted = scanString()
                if quoted.token == .badString || quoted.token == .badEscape { return quoted }
                return Scanned(token: .ident, pos: pos, lit: quoted.lit)
            } else if Self.isIdentChar(ch) {
                text.append(ch)
            } else {
                reader.unreadOne()
                break
            }
        }
        let lit = String(text)
        if lookup {
            let token = Token.lookup(lit)
            if token != .ident { return Scanned(token: token, pos: pos, lit: "") }
        }
        return Scanned(token: .ident, pos: pos, lit: lit)
    }

    /// A quoted string whose opening quote was just read.
    private mutating func scanString() -> Scanned {
        reader.unreadOne()
        var pos = reader.current().pos
        let ending = reader.read().ch
        var text = String.UnicodeScalarView()
        while true {
            let ch0 = reader.read().ch
            if ch0 == ending { return Scanned(token: .string, pos: pos, lit: String(text)) }
            if ch0 == Reader.eof || ch0 == "\n" { return Scanned(token: .badString, pos: pos, lit: String(text)) }
            if ch0 == "\\" {
                let ch1 = reader.read().ch
                switch ch1 {
                case "n": text.append("\n")
                case "\\": text.append("\\")
                case "\"": text.append("\"")
                case "'": text.append("'")
                default:
                    pos = reader.current().pos
                    var bad = String.UnicodeScalarView()
                    bad.append(ch0)
                    if ch1 != Reader.eof { bad.append(ch1) }
                    return Scanned(token: .badEscape, pos: pos, lit: String(bad))
                }
            } else {
                text.append(ch0)
            }
        }
    }

    enum DelimitedError: Error { case badEscape, newline, eof, start }

    private mutating func scanDelimited(start: Unicode.Scalar, end: Unicode.Scalar, escapes: [Unicode.Scalar: Unicode.Scalar], passThrough: Bool) -> Result<String, DelimitedError> {
        let first = reader.read().ch
        if first == Reader.eof { return .failure(.eof) }
        if first != start { return .failure(.start) }
        var text = String.UnicodeScalarView()
        while true {
            let ch0 = reader.read().ch
            if ch0 == end { return .success(String(text)) }
            if ch0 == Reader.eof { return .failure(.eof) }
            if ch0 == "\n" { return .failure(.newline) }
            if ch0 == "\\" {
                let ch1 = reader.read().ch
                if ch1 == Reader.eof { return .failure(.eof) }
                if let mapped = escapes[ch1] {
                    text.append(mapped)
                } else if passThrough {
                    reader.unreadOne()
                    text.append(ch0)
                } else {
                    return .failure(.badEscape)
                }
            } else {
                text.append(ch0)
            }
        }
    }

    private mutating func scanNumber() -> Scanned {
        let (ch, pos) = reader.current()
        if ch == "." {
            let ch1 = reader.read().ch
            reader.unreadOne()
            if !Self.isDigit(ch1) { return Scanned(token: .illegal, pos: pos, lit: ".") }
            reader.unreadOne()
        } else {
            reader.unreadOne()
        }
        var text = scanDigits()
        var isDecimal = false
        let ch0 = reader.read().ch
        if ch0 == "." {
            isDecimal = true
            let ch1 = reader.read().ch
            if Self.isDigit(ch1) {
                text.unicodeScalars.append(ch0)
                text.unicodeScalars.append(ch1)
                text += scanDigits()
            } else {
                reader.unreadOne()
            }
        } else {
            reader.unreadOne()
        }
        if !isDecimal {
            let c0 = reader.read().ch
            if Self.isLetter(c0) || c0 == "µ" {
                text.unicodeScalars.append(c0)
                while true {
                    let c1 = reader.read().ch
                    if !Self.isLetter(c1) && c1 != "µ" {
                        reader.unreadOne()
                        break
                    }
                    text.unicodeScalars.append(c1)
                }
                while true {
                    let c2 = reader.read().ch
                    if Self.isLetter(c2) || c2 == "µ" || Self.isDigit(c2) {
                        text.unicodeScalars.append(c2)
                    } else {
                        reader.unreadOne()
                        break
                    }
                }
                return Scanned(token: .durationVal, pos: pos, lit: text)
            }
            reader.unreadOne()
            return Scanned(token: .integer, pos: pos, lit: text)
        }
        return Scanned(token: .number, pos: pos, lit: text)
    }

    private mutating func scanDigits() -> String {
        var text = String.UnicodeScalarView()
        while true {
            let ch = reader.read().ch
            if !Self.isDigit(ch) {
                reader.unreadOne()
                break
            }
            text.append(ch)
        }
        return String(text)
    }

    static func isWhitespace(_ ch: Unicode.Scalar) -> Bool { ch == " " || ch == "\t" || ch == "\n" }
    static func isLetter(_ ch: Unicode.Scalar) -> Bool { (ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z") }
    static func isDigit(_ ch: Unicode.Scalar) -> Bool { ch >= "0" && ch <= "9" }
    static func isIdentChar(_ ch: Unicode.Scalar) -> Bool { isLetter(ch) || isDigit(ch) || ch == "_" }
    static func isIdentFirstChar(_ ch: Unicode.Scalar) -> Bool { isLetter(ch) || ch == "_" }
}
