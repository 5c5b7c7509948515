import InfluxQL
import Query

/// Why a Read's predicate was refused: 1.6 logs it and ends the stream with no frames.
struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension PredicateExpr {
    /// The predicate tree as 1.6's `NodeToExpr` converts it (with `_measurement` renamed
    /// `_name`); nil for an empty tree. Its errors are 1.6's.
    static func from(_ root: StoragePredicateNode) throws(ReadError) -> PredicateExpr? {
        var stack: [PredicateExpr] = []
        try visit(root, &stack)
        if stack.count > 1 { throw ReadError("invalid expression") }
        return stack.first
    }

    /// Nodes nest as deep as the client sends them; a bound keeps a hostile tree from
    /// exhausting the stack (1.6 has none and would crash).
    static let maxDepth = 512

    private static func visit(_ n: StoragePredicateNode, _ stack: inout [PredicateExpr], depth: Int = 0) throws(ReadError) {
        guard depth < maxDepth else { throw ReadError("predicate nested deeper than \(maxDepth) levels") }
        let d = depth + 1
        switch n.nodeType {
        case .logicalExpression where n.children.count > 1:
            let op: Token = n.logical == .or ? .or : .and
            try visit(n.children[0], &stack, depth: d)
            for child in n.children.dropFirst() {
                try visit(child, &stack, depth: d)
                if stack.count >= 2 {
                    let rhs = stack.removeLast(), lhs = stack.removeLast()
                    stack.append(.binary(op, lhs, rhs))
                }
            }
        case .parenExpression:
            guard n.children.count == 1 else { throw ReadError("ParenExpression expects one child") }
            try visit(n.children[0], &stack, depth: d)
            if let inner = stack.popLast() { stack.append(.paren(inner)) }
        case .comparisonExpression:
            for child in n.children { try visit(child, &stack, depth: d) }
            guard stack.count >= 2 else { throw ReadError("ComparisonExpression expects two children") }
            let rhs = stack.removeLast(), lhs = stack.removeLast()
            let op: Token
            switch n.comparison {
            case .equal: op = .eq
            case .notEqual: op = .neq
            case .startsWith: throw ReadError("startsWith not implemented")
            case .regex: op = .eqRegex
            case .notRegex: op = .neqRegex
            case .lt: op = .lt
            case .lte: op = .lte
            case .gt: op = .gt
            case .gte: op = .gte
            case .UNRECOGNIZED: throw ReadError("invalid comparison operator")
            }
            stack.append(.binary(op, lhs, rhs))
        case .tagRef:
            let name = n.tagRefValue
            stack.append(.ref(name == "_measurement" ? "_name" : name))
        case .fieldRef:
            stack.append(.ref("$"))
        case .literal:
            switch n.value {
            case .stringValue(let s)?: stack.append(.string(s))
            case .regexValue(let source)?:
                if let message = InfluxQLRegex.goError(source) { throw ReadError("error parsing regexp: \(message)") }
                guard let compiled = RegexCache.shared.regex(source) else { throw ReadError("error parsing regexp: expression too large: `\(source)`") }
                stack.append(.regex(source, compiled))
            case .intValue(let v)?: stack.append(.integer(v))
            case .uintValue(let v)?: stack.append(.unsigned(v))
            case .floatValue(let v)?: stack.append(.number(v))
            case .boolValue(let b)?: stack.append(.boolean(b))
            default: throw ReadError("unexpected literal type")
            }
        case .logicalExpression:
            // One child or none: 1.6 neither visits nor keeps them.
            break
        case .UNRECOGNIZED:
            // An unknown node type: its children, as they are.
            for child in n.children { try visit(child, &stack, depth: d) }
        }
    }
}
