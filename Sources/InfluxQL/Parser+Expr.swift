extension Parser {
    /// An expression with 1.x's operator precedence (all binary operators left-associative).
    public mutating func parseExpr() throws(ParseError) -> Expr {
        // Operands and operators are read flat, then built into the tree 1.x builds: no
        // recursion per operator, so a 100,000-term `v+v+…` costs linear time and no stack.
        var operands = [try parseUnaryExpr()]
        var operators: [(token: Token, pos: Position)] = []
        while true {
            let op = scanIgnoringWhitespace()
            guard op.token.isOperator else {
                unscan()
                break
            }
            if op.token.isRegexOperator {
                guard let re = try parseRegex() else {
                    let t = scanIgnoringWhitespace()
                    throw .found(tokstr(t), expected: ["regex"], at: t.pos)
                }
                operands.append(re)
            } else {
                operands.append(try parseUnaryExpr())
            }
            operators.append((op.token, op.pos))
        }
        return try ExprTree.build(operands: operands, operators: operators)
    }

    mutating func parseUnaryExpr() throws(ParseError) -> Expr {
        let open = scanIgnoringWhitespace()
        if open.token == .lparen {
            try enterNesting(at: open.pos)
            defer { leaveNesting() }
            let inner = try parseExpr()
            let t = scanIgnoringWhitespace()
            guard t.token == .rparen else { throw .found(tokstr(t), expected: [")"], at: t.pos) }
            return .paren(inner)
        }
        unscan()
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .ident:
            if scan().token == .lparen {
                try enterNesting(at: t.pos)
                defer { leaveNesting() }
                return try parseCall(t.lit)
            }
            unscan()
            unscan()
            return try parseVarRef()
        case .distinct:
            let next = scan()
            if next.token == .lparen {
                try enterNesting(at: t.pos)
                defer { leaveNesting() }
                return try parseCall("distinct")
            }
            if next.token == .ws {
                let ident = scanIgnoringWhitespace()
                guard ident.token == .ident else { throw .found(tokstr(ident), expected: ["identifier"], at: ident.pos) }
                return .distinct(ident.lit)
            }
            throw .found(tokstr(next), expected: ["(", "identifier"], at: next.pos)
        case .string: return .string(t.lit)
        case .number:
            guard let v = Double(t.lit) else { throw .message("unable to parse number", at: t.pos) }
            return .number(v)
        case .integer:
            if let v = Int64(t.lit) { return .integer(v) }
            if let v = UInt64(t.lit) { return .unsigned(v) }
            throw .message("unable to parse integer", at: t.pos)
        case .true, .false: return .boolean(t.token == .true)
        case .durationVal:
            do throws(DurationError) { return .duration(try Duration.parse(t.lit)) } catch { throw .plain(error.description) }
        case .mul:
            if scan().token == .doubleColon {
                let type = scan()
                guard type.token == .field || type.token == .tag else { throw .found(tokstr(type), expected: ["field", "tag"], at: type.pos) }
                return .wildcard(type.token)
            }
            unscan()
            return .wildcard(nil)
        case .regex:
            try Regex1x.validate(t.lit, at: t.pos)
            return .regex(t.lit)
        case .boundParam:
            // A parameter bound to a value that could not be converted carries its error.
            if !t.lit.hasPrefix("$") { throw .plain(t.lit) }
            let key = String(t.lit.dropFirst())
            if key.isEmpty { throw .plain("empty bound parameter") }
            throw .plain("missing parameter: \(key)")
        case .add, .sub:
            let negative = t.token == .sub
            let next = scanIgnoringWhitespace()
            switch next.token {
            case .number, .integer, .durationVal, .lparen, .ident:
                unscan()
                let operand = try parseUnaryExpr()
                switch operand {
                case .number(let v): return .number(negative ? -v : v)
                case .integer(let v): return .integer(negative ? 0 &- v : v)
                case .unsigned(let v):
                    guard negative else { return .unsigned(v) }
                    if v == UInt64(Int64.max) + 1 { return .integer(.min) }
                    throw .plain("constant -\(v) underflows int64")
                case .duration(let v): return .duration(negative ? 0 &- v : v)
                case .varRef, .call, .paren:
                    return .binary(op: .mul, lhs: .integer(negative ? -1 : 1), rhs: operand)
                default:
                    // 1.x panics here ("unexpected literal"); a clear error is kinder.
                    throw .message("unexpected literal after sign", at: next.pos)
                }
            default:
                throw .found(tokstr(next), expected: ["identifier", "number", "duration", "("], at: next.pos)
            }
        default:
            throw .found(tokstr(t), expected: ["identifier", "string", "number", "bool"], at: t.pos)
        }
    }

    /// `a.b.c[::type]`.
    mutating func parseVarRef() throws(ParseError) -> Expr {
        let segments = try parseSegmentedIdents()
        var type = DataType.unknown
        if scan().token == .doubleColon {
            let t = scan()
            switch t.token {
            case .ident:
                switch t.lit.lowercased() {
                case "float": type = .float
                case "integer": type = .integer
                case "unsigned": type = .unsigned
                case "string": type = .string
                case "boolean": type = .boolean
                default:
                    throw .found(tokstr(t), expected: ["float", "integer", "unsigned", "string", "boolean", "field", "tag"], at: t.pos)
                }
            case .field: type = .anyField
            case .tag: type = .tag
            default:
                throw .found(tokstr(t), expected: ["float", "integer", "string", "boolean", "field", "tag"], at: t.pos)
            }
        } else {
            unscan()
        }
        return .varRef(name: segments.joined(separator: "."), type: type)
    }

    /// A `/regex/` if one starts here (after optional whitespace); nil otherwise.
    mutating func parseRegex() throws(ParseError) -> Expr? {
        if Scanner.isWhitespace(peekScalar()) { consumeWhitespace() }
        let next = peekScalar()
        if next == "$" {
            let t = scan()
            unscan()
            if t.token != .regex { return nil }
        } else if next != "/" {
            return nil
        }
        let t = scanRegex()
        switch t.token {
        case .badEscape: throw .message("bad escape: \(t.lit)", at: t.pos)
        case .badRegex: throw .message("bad regex: \(t.lit)", at: t.pos)
        case .regex: break
        default: throw .found(tokstr(t), expected: ["regex"], at: t.pos)
        }
        try Regex1x.validate(t.lit, at: t.pos)
        return .regex(t.lit)
    }

    /// `name(args…)` after the opening parenthesis.
    private mutating func parseCall(_ rawName: String) throws(ParseError) -> Expr {
        let name = rawName.lowercased()
        var args: [Expr] = []
        if let re = try parseRegex() {
            args.append(re)
        } else {
            if scan().token == .rparen { return .call(name: name, args: []) }
            unscan()
            args.append(try parseExpr())
        }
        while accept(.comma) {
            if let re = try parseRegex() {
                args.append(re)
                continue
            }
            args.append(try parseExpr())
        }
        let t = scan()
        guard t.token == .rparen else { throw .found(tokstr(t), expected: [")"], at: t.pos) }
        return .call(name: name, args: args)
    }
}
