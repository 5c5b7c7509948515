import Testing

@testable import InfluxQL

/// Nesting and expression depth are bounded with a clear error (1.x recurses without limit and
/// takes quadratic time); long AND/OR lists parse whatever their length, built balanced but
/// printing as written.
@Suite struct ParseLimitsTests {
    static let nestingError = "too deeply nested: more than 250 levels of parentheses, calls or subqueries"
    static let depthError = "expression too complex: more than 1000 operators deep"

    static func parens(_ n: Int) -> String { "SELECT " + String(repeating: "(", count: n) + "v" + String(repeating: ")", count: n) + " FROM m" }
    static func calls(_ n: Int) -> String { "SELECT " + String(repeating: "abs(", count: n) + "v" + String(repeating: ")", count: n) + " FROM m" }
    static func subqueries(_ n: Int) -> String { "SELECT v FROM " + String(repeating: "(SELECT v FROM ", count: n) + "m" + String(repeating: ")", count: n) }
    static func sum(_ n: Int) -> String { "SELECT " + Array(repeating: "v", count: n).joined(separator: " + ") + " FROM m" }

    @Test(arguments: [
        (parens(250), nil), (parens(251), nestingError), (parens(100_000), nestingError),
        (calls(250), nil), (calls(251), nestingError), (calls(10_000), nestingError),
        (subqueries(250), nil), (subqueries(251), nestingError),
        (sum(1_000), nil), (sum(1_001), depthError), (sum(100_000), depthError),
        ("SELECT v FROM m WHERE s =~ /" + String(repeating: "a", count: 65_536) + "/", nil),
        ("SELECT v FROM m WHERE s =~ /" + String(repeating: "a", count: 65_537) + "/", "regular expression too large: more than 65536 bytes"),
    ] as [(String, String?)])
    func limits(query: String, expected: String?) {
        do throws(ParseError) {
            _ = try Parser.parseQuery(query)
            #expect(expected == nil)
        } catch {
            #expect(expected.map { error.description.hasPrefix($0) } ?? false, "\(error.description.prefix(120))")
        }
    }

    @Test(arguments: [1, 2, 64, 65, 50_000])
    func longOrListsParseAndPrintAsWritten(terms: Int) throws {
        let condition = (0..<terms).map { "v = \($0)" }.joined(separator: " OR ")
        let statement = try Parser.parseStatement("SELECT v FROM m WHERE host = 'a' AND (\(condition))")
        #expect(statement.description == "SELECT v FROM m WHERE host = 'a' AND (\(condition))")
    }

    /// Short lists keep exactly 1.x's left-leaning tree; long ones are balanced (same meaning).
    @Test func shortListsKeepTheLeftLeaningTree() throws {
        let expr = try Parser.parseExpr("a OR b OR c AND d OR e")
        let a = Expr.varRef(name: "a", type: .unknown), b = Expr.varRef(name: "b", type: .unknown)
        let c = Expr.varRef(name: "c", type: .unknown), d = Expr.varRef(name: "d", type: .unknown)
        let e = Expr.varRef(name: "e", type: .unknown)
        #expect(expr == .binary(op: .or, lhs: .binary(op: .or, lhs: .binary(op: .or, lhs: a, rhs: b), rhs: .binary(op: .and, lhs: c, rhs: d)), rhs: e))
        let long = try Parser.parseExpr((0..<1_000).map { "v = \($0)" }.joined(separator: " AND "))
        #expect(long.depth < 20)
    }

    /// Precedence as 1.x's tree builder gives it, for mixed operators and a unary sign.
    @Test(arguments: [
        ("a + b * c - d", "a + (b * c) - d"),
        ("a * -b + c", "(a * (-1 * b)) + c"),
        ("a + -b * c", "a + ((-1 * b) * c)"),
        ("a = 1 OR b = 2 AND c =~ /x/", "(a = 1) OR ((b = 2) AND (c =~ /x/))"),
        ("a - b - c / d / e", "(a - b) - ((c / d) / e)"),
    ])
    func precedence(text: String, grouped: String) throws {
        #expect(Self.grouped(try Parser.parseExpr(text)) == Self.grouped(try Parser.parseExpr(grouped)))
    }

    /// The tree with every explicit parenthesis removed, to compare shapes.
    static func grouped(_ e: Expr) -> Expr {
        switch e {
        case .paren(let inner): grouped(inner)
        case .binary(let op, let l, let r): .binary(op: op, lhs: grouped(l), rhs: grouped(r))
        default: e
        }
    }
}
