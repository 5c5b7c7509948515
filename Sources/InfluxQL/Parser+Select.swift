extension Parser {
    /// Whether `INTO` is required (continuous queries), optional, or part of a subquery.
    enum TargetRequirement { case required, notRequired, subquery }

    /// `SELECT …` after the keyword.
    mutating func parseSelect(target requirement: TargetRequirement) throws(ParseError) -> SelectStatement {
        var s = SelectStatement()
        s.fields = try parseFields()
        s.target = try parseTarget(requirement)
        let from = scanIgnoringWhitespace()
        guard from.token == .from else { throw .found(tokstr(from), expected: ["FROM"], at: from.pos) }
        s.sources = try parseSources(subqueries: true)
        s.condition = try parseCondition()
        s.dimensions = try parseDimensions()
        s.fill = try parseFill()
        s.sortFields = try parseOrderBy()
        s.limit = try parseOptionalInt(after: .limit)
        s.offset = try parseOptionalInt(after: .offset)
        s.sLimit = try parseOptionalInt(after: .slimit)
        s.sOffset = try parseOptionalInt(after: .soffset)
        s.location = try parseLocation()
        s.isRawQuery = !s.fields.contains { $0.expr.containsCall }
        return s
    }

    private mutating func parseFields() throws(ParseError) -> [Field] {
        var fields: [Field] = []
        while true {
            fields.append(try parseField())
            if scan().token != .comma {
                unscan()
                return fields
            }
        }
    }

    private mutating func parseField() throws(ParseError) -> Field {
        let expr: Expr
        if let re = try parseRegex() {
            expr = re
        } else {
            let pos = scanIgnoringWhitespace().pos
            unscan()
            let parsed = try parseExpr()
            if let bad = parsed.firstComparisonOperator {
                throw .plain("invalid operator \(bad.text) in SELECT clause at line \(pos.line + 1), char \(pos.char + 1); operator is intended for WHERE clause")
            }
            expr = parsed
        }
        let alias = accept(.as) ? try parseIdent() : ""
        consumeWhitespace()
        return Field(expr: expr, alias: alias)
    }

    private mutating func parseTarget(_ requirement: TargetRequirement) throws(ParseError) -> Measurement? {
        let t = scanIgnoringWhitespace()
        guard t.token == .into else {
            if requirement == .required { throw .found(tokstr(t), expected: ["INTO"], at: t.pos) }
            unscan()
            return nil
        }
        var idents = try parseSegmentedIdents()
        if idents.count < 3 && peekScalar() == ":" {
            try expect([.colon, .measurement])
            idents.append("")
        }
        var m = Measurement()
        m.isTarget = true
        switch idents.count {
        case 1: m.name = idents[0]
        case 2: (m.retentionPolicy, m.name) = (idents[0], idents[1])
        default: (m.database, m.retentionPolicy, m.name) = (idents[0], idents[1], idents[2])
        }
        return m
    }

    mutating func parseSources(subqueries: Bool) throws(ParseError) -> [Source] {
        var sources: [Source] = []
        while true {
            sources.append(try parseSource(subqueries: subqueries))
            if !accept(.comma) { return sources }
        }
    }

    mutating func parseSource(subqueries: Bool) throws(ParseError) -> Source {
        var m = Measurement()
        if let re = try parseRegex(), case .regex(let pattern) = re {
            m.regex = pattern
            return .measurement(m)
        }
        if subqueries {
            let open = scanIgnoringWhitespace()
            if open.token == .lparen {
                try expect([.select])
                try enterNesting(at: open.pos)
                defer { leaveNesting() }
                let inner = try parseSelect(target: .subquery)
                try expect([.rparen])
                return .subquery(inner)
            }
            unscan()
        }
        let idents = try parseSegmentedIdents()
        if idents.count == 3 {
            (m.database, m.retentionPolicy, m.name) = (idents[0], idents[1], idents[2])
            return .measurement(m)
        }
        let re = try parseRegex()
        if case .regex(let pattern)? = re { m.regex = pattern }
        switch idents.count {
        case 1:
            if re != nil { m.retentionPolicy = idents[0] } else { m.name = idents[0] }
        default:
            if re != nil { (m.database, m.retentionPolicy) = (idents[0], idents[1]) } else { (m.retentionPolicy, m.name) = (idents[0], idents[1]) }
        }
        return .measurement(m)
    }

    mutating func parseCondition() throws(ParseError) -> Expr? {
        guard accept(.where) else { return nil }
        return try parseExpr()
    }

    mutating func parseDimensions() throws(ParseError) -> [Expr] {
        guard accept(.group) else { return [] }
        let by = scanIgnoringWhitespace()
        guard by.token == .by else { throw .found(tokstr(by), expected: ["BY"], at: by.pos) }
        var dimensions: [Expr] = []
        while true {
            if let re = try parseRegex() {
                dimensions.append(re)
            } else {
                dimensions.append(try parseExpr())
                consumeWhitespace()
            }
            if scan().token != .comma {
                unscan()
                return dimensions
            }
        }
    }

    private mutating func parseFill() throws(ParseError) -> Fill {
        let t = scanIgnoringWhitespace()
        unscan()
        guard t.token == .ident, t.lit.lowercased() == "fill" else { return .null }
        let expr = try parseExpr()
        guard case .call(_, let args) = expr else { throw .plain("fill must be a function call") }
        guard args.count == 1 else { throw .plain("fill requires an argument, e.g.: 0, null, none, previous, linear") }
        switch args[0].description {
        case "null": return .null
        case "none": return .none
        case "previous": return .previous
        case "linear": return .linear
        default:
            switch args[0] {
            case .integer(let v): return .integer(v)
            case .number(let v): return .number(v)
            default: throw .plain("expected number argument in fill()")
            }
        }
    }

    private mutating func parseLocation() throws(ParseError) -> String? {
        let t = scanIgnoringWhitespace()
        unscan()
        guard t.token == .ident, t.lit.lowercased() == "tz" else { return nil }
        let expr = try parseExpr()
        guard case .call(_, let args) = expr else { throw .plain("tz must be a function call") }
        guard args.count == 1 else { throw .plain("tz requires exactly one argument") }
        guard case .string(let name) = args[0] else { throw .plain("expected string argument in tz()") }
        guard TimeZoneNames.isKnown(name) else { throw .plain("unable to find time zone \(name)") }
        return name
    }

    mutating func parseOrderBy() throws(ParseError) -> [SortField] {
        guard accept(.order) else { return [] }
        let by = scanIgnoringWhitespace()
        guard by.token == .by else { throw .found(tokstr(by), expected: ["BY"], at: by.pos) }
        var fields: [SortField] = []
        let t = scanIgnoringWhitespace()
        switch t.token {
        case .asc, .desc:
            fields.append(SortField(name: "", ascending: t.token == .asc))
        case .ident:
            unscan()
            let field = try parseSortField()
            if t.lit != "time" { throw .plain("only ORDER BY time supported at this time") }
            fields.append(field)
        default:
            throw .found(tokstr(t), expected: ["identifier", "ASC", "DESC"], at: t.pos)
        }
        while accept(.comma) { fields.append(try parseSortField()) }
        if fields.count > 1 { throw .plain("only ORDER BY time supported at this time") }
        return fields
    }

    private mutating func parseSortField() throws(ParseError) -> SortField {
        let name = try parseIdent()
        let t = scanIgnoringWhitespace()
        if t.token != .asc && t.token != .desc {
            unscan()
            return SortField(name: name, ascending: true)
        }
        return SortField(name: name, ascending: t.token == .asc)
    }
}

extension Expr {
    /// Whether a function call appears anywhere in the expression.
    var containsCall: Bool {
        switch self {
        case .call: true
        case .binary(_, let l, let r): l.containsCall || r.containsCall
        case .paren(let e): e.containsCall
        default: false
        }
    }

    /// The first comparison or logical operator in the tree (pre-order), which a SELECT field
    /// may not use.
    var firstComparisonOperator: Token? {
        switch self {
        case .binary(let op, let l, let r):
            if [.eq, .neq, .eqRegex, .neqRegex, .lt, .lte, .gt, .gte, .and, .or].contains(op) { return op }
            return l.firstComparisonOperator ?? r.firstComparisonOperator
        case .paren(let e): return e.firstComparisonOperator
        case .call(_, let args):
            for a in args { if let op = a.firstComparisonOperator { return op } }
            return nil
        default: return nil
        }
    }
}
