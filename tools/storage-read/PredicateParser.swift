import Storage

/// Parses the `--predicate` syntax into storage.proto's `Node` tree:
///
///     expr       = and ("OR" and)*
///     and        = primary ("AND" primary)*
///     primary    = "(" expr ")" | operand comparison operand
///     operand    = identifier | "$" | 'string' | /regex/ | number | true | false
///     comparison = "=" | "!=" | "=~" | "!~" | "<" | "<=" | ">" | ">="
///
/// An identifier (or a double-quoted name) is a tag reference (`_measurement` and `_field`
/// included), `$` the field value. AND binds tighter than OR; a chain of one operator becomes
/// nested binary logical nodes, left to right; parentheses become ParenExpression nodes.
/// Operands are not checked against the operator: the server decides what it accepts.
struct PredicateParser {
    typealias Node = StoragePredicateNode
    private let tokens: [(PredicateToken, Int)]
    private var position = 0

    /// The root node of `text`.
    static func parse(_ text: String) throws(PredicateError) -> Node {
        var lexer = PredicateLexer(text)
        var parser = PredicateParser(tokens: try lexer.tokens())
        let root = try parser.expression()
        if parser.current != .end { throw parser.error("unexpected \(parser.current.text)") }
        return root
    }

    private init(tokens: [(PredicateToken, Int)]) { self.tokens = tokens }

    private var current: PredicateToken { tokens[position].0 }

    private func error(_ message: String) -> PredicateError {
        PredicateError(message: message, offset: tokens[position].1)
    }

    private mutating func expression() throws(PredicateError) -> Node {
        var left = try conjunction()
        while current == .or {
            position += 1
            left = Self.logical(.or, left, try conjunction())
        }
        return left
    }

    private mutating func conjunction() throws(PredicateError) -> Node {
        var left = try primary()
        while current == .and {
            position += 1
            left = Self.logical(.and, left, try primary())
        }
        return left
    }

    private mutating func primary() throws(PredicateError) -> Node {
        if current == .open {
            position += 1
            let inner = try expression()
            guard current == .close else { throw error("expected ) but found \(current.text)") }
            position += 1
            var n = Node()
            n.nodeType = .parenExpression
            n.children = [inner]
            return n
        }
        let left = try operand()
        guard case .comparison(let op) = current else { throw error("expected a comparison operator but found \(current.text)") }
        position += 1
        let right = try operand()
        var n = Node()
        n.nodeType = .comparisonExpression
        n.comparison = op
        n.children = [left, right]
        return n
    }

    private mutating func operand() throws(PredicateError) -> Node {
        var n = Node()
        n.nodeType = .literal
        switch current {
        case .identifier(let name): n.nodeType = .tagRef; n.tagRefValue = name
        case .fieldValue: n.nodeType = .fieldRef; n.fieldRefValue = "$"
        case .string(let s): n.stringValue = s
        case .regex(let s): n.regexValue = s
        case .integer(let v): n.intValue = v
        case .unsigned(let v): n.uintValue = v
        case .float(let v): n.floatValue = v
        case .boolean(let v): n.boolValue = v
        default: throw error("expected a tag, $, or a literal but found \(current.text)")
        }
        position += 1
        return n
    }

    private static func logical(_ op: Node.Logical, _ left: Node, _ right: Node) -> Node {
        var n = Node()
        n.nodeType = .logicalExpression
        n.logical = op
        n.children = [left, right]
        return n
    }
}
