/// InfluxQL's parser (1.x semantics and error texts).
public struct Parser {
    var scanner: Scanner
    private var buffer = InlineArray<3, Scanner.Scanned>(repeating: Scanner.Scanned(token: .eof, pos: Position(line: 0, char: 0), lit: ""))
    private var slot = 0
    private var unscanned = 0
    var params: [String: BoundValue]
    /// Parentheses, calls and subqueries open around the current token (`ParseLimits`).
    var nesting = 0

    public init(_ text: String, params: [String: BoundValue] = [:]) {
        scanner = Scanner(text)
        self.params = params
    }

    /// Parses every statement of `text`.
    public static func parseQuery(_ text: String, params: [String: BoundValue] = [:]) throws(ParseError) -> Query {
        var parser = Parser(text, params: params)
        return try parser.parseQuery()
    }

    /// Parses one statement.
    public static func parseStatement(_ text: String) throws(ParseError) -> Statement {
        var parser = Parser(text)
        return try parser.parseStatement()
    }

    /// Parses one expression.
    public static func parseExpr(_ text: String) throws(ParseError) -> Expr {
        var parser = Parser(text)
        return try parser.parseExpr()
    }

    public mutating func parseQuery() throws(ParseError) -> Query {
        var statements: [Statement] = []
        var semi = true
        while true {
            let t = scanIgnoringWhitespace()
            if t.token == .eof { return Query(statements: statements) }
            if t.token == .semicolon {
                semi = true
                continue
            }
            if !semi { throw .found(tokstr(t), expected: [";"], at: t.pos) }
            unscan()
            statements.append(try parseStatement())
            semi = false
        }
    }

    // MARK: - Token stream

    mutating func scan() -> Scanned {
        scanWith { $0.scan() }
    }

    mutating func scanRegex() -> Scanned {
        scanWith { $0.scanRegex() }
    }

    typealias Scanned = Scanner.Scanned

    private mutating func scanWith(_ fn: (inout Scanner) -> Scanned) -> Scanned {
        var t: Scanned
        if unscanned > 0 {
            unscanned -= 1
            t = buffer[(slot - unscanned + 3) % 3]
        } else {
            slot = (slot + 1) % 3
            buffer[slot] = fn(&scanner)
            t = buffer[slot]
        }
        if t.token == .boundParam {
            let key = String(t.lit.dropFirst())
            if !key.isEmpty, let value = params[key] {
                t.token = value.token
                t.lit = value.text
            }
        }
        return t
    }

    mutating func unscan() { unscanned += 1 }

    mutating func scanIgnoringWhitespace() -> Scanned {
        while true {
            let t = scan()
            if t.token == .ws || t.token == .comment { continue }
            return t
        }
    }

    mutating func consumeWhitespace() {
        if scan().token != .ws { unscan() }
    }

    mutating func peekScalar() -> Unicode.Scalar { scanner.peek() }

    /// 1.x's `tokstr`: the literal if any, else the token's name.
    func tokstr(_ t: Scanned) -> String { t.lit.isEmpty ? t.token.text : t.lit }

    mutating func expect(_ tokens: [Token]) throws(ParseError) {
        for expected in tokens {
            let t = scanIgnoringWhitespace()
            if t.token != expected { throw .found(tokstr(t), expected: [expected.text], at: t.pos) }
        }
    }

    /// Consumes `token` if it is next (ignoring whitespace).
    mutating func accept(_ token: Token) -> Bool {
        if scanIgnoringWhitespace().token == token { return true }
        unscan()
        return false
    }

    // MARK: - Basic values

    mutating func parseIdent() throws(ParseError) -> String {
        let t = scanIgnoringWhitespace()
        guard t.token == .ident else { throw .found(tokstr(t), expected: ["identifier"], at: t.pos) }
        return t.lit
    }

    mutating func parseIdentList() throws(ParseError) -> [String] {
        var idents = [try parseIdent()]
        while accept(.comma) { idents.append(try parseIdent()) }
        return idents
    }

    mutating func parseString() throws(ParseError) -> String {
        let t = scanIgnoringWhitespace()
        guard t.token == .string else { throw .found(tokstr(t), expected: ["string"], at: t.pos) }
        return t.lit
    }

    mutating func parseStringList() throws(ParseError) -> [String] {
        var strings = [try parseString()]
        while accept(.comma) { strings.append(try parseString()) }
        return strings
    }

    mutating func parseInt(min: Int, max: Int) throws(ParseError) -> Int {
        let t = scanIgnoringWhitespace()
        guard t.token == .integer else { throw .found(tokstr(t), expected: ["integer"], at: t.pos) }
        guard let n = Int(t.lit) else {
            throw .message("strconv.Atoi: parsing \(GoQuoted.quote(t.lit)): value out of range", at: t.pos)
        }
        guard n >= min && n <= max else { throw .message("invalid value \(n): must be \(min) <= n <= \(max)", at: t.pos) }
        return n
    }

    mutating func parseUInt64() throws(ParseError) -> UInt64 {
        let t = scanIgnoringWhitespace()
        guard t.token == .integer else { throw .found(tokstr(t), expected: ["integer"], at: t.pos) }
        guard let n = UInt64(t.lit) else {
            throw .message("strconv.ParseUint: parsing \(GoQuoted.quote(t.lit)): value out of range", at: t.pos)
        }
        return n
    }

    /// A duration literal or `INF` (0).
    mutating func parseDuration() throws(ParseError) -> Int64 {
        let t = scanIgnoringWhitespace()
        guard t.token == .durationVal || t.token == .inf else { throw .found(tokstr(t), expected: ["duration"], at: t.pos) }
        if t.token == .inf { return 0 }
        do throws(DurationError) {
            return try Duration.parse(t.lit)
        } catch {
            throw .message(error.description, at: t.pos)
        }
    }

    /// `LIMIT n` and friends: 0 when absent.
    mutating func parseOptionalInt(after keyword: Token) throws(ParseError) -> Int {
        guard accept(keyword) else { return 0 }
        let t = scanIgnoringWhitespace()
        guard t.token == .integer else { throw .found(tokstr(t), expected: ["integer"], at: t.pos) }
        // 1.x ignores the conversion error (an out-of-range value reads as 0 or the clamp).
        let n = Int64(t.lit) ?? Int64.max
        if n < 0 { throw .message("\(keyword.text) must be >= 0", at: t.pos) }
        return Int(n)
    }

    /// `a.b.c` — up to three segments; an empty middle segment is written `a..c`.
    mutating func parseSegmentedIdents() throws(ParseError) -> [String] {
        var idents = [try parseIdent()]
        while true {
            if scan().token != .dot {
                unscan()
                break
            }
            let ch = peekScalar()
            if ch == "/" || ch == ":" { break }
            if ch == "." {
                idents.append("")
                continue
            }
            idents.append(try parseIdent())
        }
        if idents.count > 3 { throw .message("too many segments in \(Quote.ident(idents))") }
        return idents
    }
}

/// Go's `%q`-style quoting for the few strconv messages the parser repeats.
enum GoQuoted {
    static func quote(_ s: String) -> String { "\"" + s + "\"" }
}
