/// How deep a statement may nest. 1.x has no limits: its parser recurses until Go's stack
/// grows past 1 GB and takes quadratic time on the way. Sundial's recursive passes (parse,
/// rewrite, evaluation) run on 8 MiB threads, so depth is bounded with a clear error instead.
public enum ParseLimits {
    /// Parentheses, function calls and subqueries open at once.
    public static let maxNesting = 250
    /// Depth of one expression tree: operators and nesting together. Long `AND`/`OR` lists
    /// are built balanced, so only chains of other operators approach it.
    public static let maxExpressionDepth = 1_000
    /// `AND`/`OR` lists longer than this are built as balanced trees (same text, same
    /// meaning; shorter lists keep exactly 1.x's left-leaning shape).
    static let balancedListThreshold = 64
    /// Bytes in one regex literal (1.x: none). Alternations of a few thousand values, as
    /// dashboards build them, fit easily.
    public static let maxRegexBytes = 65_536
}

extension Parser {
    mutating func enterNesting(at pos: Position) throws(ParseError) {
        guard nesting < ParseLimits.maxNesting else {
            throw .message("too deeply nested: more than \(ParseLimits.maxNesting) levels of parentheses, calls or subqueries", at: pos)
        }
        nesting += 1
    }

    mutating func leaveNesting() { nesting -= 1 }
}

extension Expr {
    /// Levels in the tree (a leaf is 1). Only called on trees already within the limits.
    var depth: Int {
        switch self {
        case .binary(_, let l, let r): 1 + Swift.max(l.depth, r.depth)
        case .paren(let e): 1 + e.depth
        case .call(_, let args): 1 + (args.map(\.depth).max() ?? 0)
        default: 1
        }
    }
}

/// Builds 1.x's tree for `a op b op c …` from its operands and operators: every operator
/// left-associative, tighter precedence binding first.
enum ExprTree {
    static func build(operands: [Expr], operators: [(token: Token, pos: Position)]) throws(ParseError) -> Expr {
        guard !operators.isEmpty else { return operands[0] }
        return try level(operands: operands[...], operators: operators[...], precedence: 1).expr
    }

    /// The operands and operators of one range, split at the operators of `precedence` (the
    /// loosest present); recursion goes by precedence level (five at most), not by operator.
    private static func level(operands: ArraySlice<Expr>, operators: ArraySlice<(token: Token, pos: Position)>,
                              precedence: Int) throws(ParseError) -> (expr: Expr, depth: Int) {
        if operators.isEmpty { return (operands.first!, operands.first!.depth) }
        guard operators.contains(where: { $0.token.precedence == precedence }) else {
            return try level(operands: operands, operators: operators, precedence: precedence + 1)
        }
        var parts: [(expr: Expr, depth: Int)] = []
        var joins: [(token: Token, pos: Position)] = []
        var start = operators.startIndex
        var operandStart = operands.startIndex
        for i in operators.indices where operators[i].token.precedence == precedence {
            let count = i - start
            parts.append(try level(operands: operands[operandStart...(operandStart + count)], operators: operators[start..<i],
                                   precedence: precedence + 1))
            joins.append(operators[i])
            operandStart += count + 1
            start = i + 1
        }
        parts.append(try level(operands: operands[operandStart...], operators: operators[start...], precedence: precedence + 1))
        // OR and AND are the only operators of their levels: a long list is associative.
        if precedence <= 2 && parts.count > ParseLimits.balancedListThreshold {
            return try balanced(parts[...], op: joins[0].token, pos: joins[0].pos)
        }
        var tree = parts[0]
        for (part, op) in zip(parts.dropFirst(), joins) {
            tree = try node(op.token, tree, part, at: op.pos)
        }
        return tree
    }

    private static func balanced(_ parts: ArraySlice<(expr: Expr, depth: Int)>, op: Token, pos: Position) throws(ParseError) -> (expr: Expr, depth: Int) {
        if parts.count == 1 { return parts.first! }
        let mid = parts.startIndex + parts.count / 2
        return try node(op, try balanced(parts[..<mid], op: op, pos: pos), try balanced(parts[mid...], op: op, pos: pos), at: pos)
    }

    private static func node(_ op: Token, _ l: (expr: Expr, depth: Int), _ r: (expr: Expr, depth: Int), at pos: Position) throws(ParseError) -> (expr: Expr, depth: Int) {
        let depth = 1 + max(l.depth, r.depth)
        guard depth <= ParseLimits.maxExpressionDepth else {
            throw .message("expression too complex: more than \(ParseLimits.maxExpressionDepth) operators deep", at: pos)
        }
        return (.binary(op: op, lhs: l.expr, rhs: r.expr), depth)
    }
}
