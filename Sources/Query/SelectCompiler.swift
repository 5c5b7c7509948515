import InfluxQL

/// 1.x's compile-time checks of a SELECT (`query/compile.go`): function names and arities,
/// argument kinds, GROUP BY dimensions, and how fields may be combined — with 1.x's texts.
struct SelectCompiler {
    var functionCalls = 0
    var onlySelectors = true
    var hasDistinct = false
    var topBottom: String?
    var hasAuxiliaryFields = false
    var fieldCount = 0
    /// The GROUP BY time interval (ns), 0 without one.
    var interval: Int64 = 0
    var inheritedInterval = false
    var limit = 0
    var hasTarget = false
    var fill = Fill.null
    var ascending = true

    /// Checks `statement` and its subqueries.
    static func check(_ statement: SelectStatement) throws(StatementError) -> SelectCompiler {
        var c = SelectCompiler()
        try c.preprocess(statement)
        try c.compile(statement)
        return c
    }

    static let mathFunctions: Set<String> = ["abs", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "exp", "log", "ln",
                                             "log2", "log10", "sqrt", "pow", "floor", "ceil", "round"]

    mutating func preprocess(_ s: SelectStatement) throws(StatementError) {
        ascending = s.sortFields.first?.ascending ?? true
        limit = s.limit
        hasTarget = s.target != nil
        if let condition = s.condition { try validateCondition(condition) }
        try compileDimensions(s)
        fill = s.fill
    }

    mutating func compile(_ s: SelectStatement) throws(StatementError) {
        for field in s.fields {
            if case .varRef("time", _) = field.expr { continue }
            fieldCount += 1
            var allowWildcard = true
            try compileExpr(Self.reduce(field.expr), allowWildcard: &allowWildcard)
        }
        try validateFields()
        for case .subquery(let inner) in s.sources {
            var sub = SelectCompiler()
            try sub.preprocess(inner)
            if !inner.sortFields.isEmpty && sub.ascending != ascending {
                throw StatementError("subqueries must be ordered in the same direction as the query itself")
            }
            sub.ascending = ascending
            if interval != 0 && sub.interval == 0 {
                sub.interval = interval
                sub.inheritedInterval = true
            }
            try sub.compile(inner)
        }
    }

    // MARK: Fields

    mutating func compileExpr(_ e: Expr, allowWildcard: inout Bool) throws(StatementError) {
        switch e {
        case .varRef:
            hasAuxiliaryFields = true
        case .wildcard:
            hasAuxiliaryFields = true
            if !allowWildcard { throw StatementError("unable to use wildcard in a binary expression") }
        case .regex:
            if !allowWildcard { throw StatementError("unable to use regex in a binary expression") }
            hasAuxiliaryFields = true
        case .call(let name, let args):
            if Self.mathFunctions.contains(name) { return try compileMath(name, args, allowWildcard: &allowWildcard) }
            functionCalls += 1
            try compileCall(name, args, allowWildcard: allowWildcard)
        case .distinct(let field):
            functionCalls += 1
            try compileDistinct([.varRef(name: field, type: .unknown)], nested: false)
        case .binary(_, let lhs, let rhs):
            allowWildcard = false
            switch (lhs.isLiteral, rhs.isLiteral) {
            case (true, true): throw StatementError("cannot perform a binary expression on two literals")
            case (true, false): try compileExpr(rhs, allowWildcard: &allowWildcard)
            case (false, true): try compileExpr(lhs, allowWildcard: &allowWildcard)
            case (false, false):
                try compileExpr(lhs, allowWildcard: &allowWildcard)
                try compileExpr(rhs, allowWildcard: &allowWildcard)
            }
        case .paren(let inner):
            try compileExpr(inner, allowWildcard: &allowWildcard)
        default:
            throw StatementError("field must contain at least one variable")
        }
    }

    mutating func compileNested(_ e: Expr) throws(StatementError) {
        var allow = true
        switch e {
        case .call("distinct", let args): try compileDistinct(args, nested: true)
        case .distinct(let field): try compileDistinct([.varRef(name: field, type: .unknown)], nested: true)
        default: try compileExpr(e, allowWildcard: &allow)
        }
    }

    mutating func compileSymbol(_ name: String, _ field: Expr, allowWildcard: Bool) throws(StatementError) {
        switch field {
        case .varRef: return
        case .wildcard:
            if !allowWildcard { throw StatementError("unsupported expression with wildcard: \(name)()") }
            onlySelectors = false
        case .regex:
            if !allowWildcard { throw StatementError("unsupported expression with regex field: \(name)()") }
            onlySelectors = false
        default:
            throw StatementError("expected field argument in \(name)()")
        }
    }

    mutating func compileCall(_ name: String, _ args: [Expr], allowWildcard: Bool) throws(StatementError) {
        func arity(_ n: Int) throws(StatementError) {
            if args.count != n { throw StatementError("invalid number of arguments for \(name), expected \(n), got \(args.count)") }
        }
        func arity(_ lo: Int, _ hi: Int) throws(StatementError) {
            if args.count < lo || args.count > hi {
                throw StatementError("invalid number of arguments for \(name), expected at least \(lo) but no more than \(hi), got \(args.count)")
            }
        }
        /// A transformation over raw values, or over an aggregate with GROUP BY time.
        func transform(nested: Bool = true) throws(StatementError) {
            if case .call = args[0] {
                if interval == 0 { throw StatementError("\(name) aggregate requires a GROUP BY interval") }
                if nested { try compileNested(args[0]) } else { var a = true; try compileExpr(args[0], allowWildcard: &a) }
            } else {
                if interval != 0 && !inheritedInterval { throw StatementError("aggregate function required inside the call to \(name)") }
                try compileSymbol(name, args[0], allowWildcard: allowWildcard)
            }
        }
        func positiveDuration(_ e: Expr, otherwise: String) throws(StatementError) {
            guard case .duration(let d) = e else { throw StatementError(otherwise) }
            if d <= 0 { throw StatementError("duration argument must be positive, got \(InfluxQL.Duration.format(d))") }
        }

        switch name {
        case "percentile":
            try arity(2)
            switch args[1] {
            case .integer, .number: break
            default: throw StatementError("expected float argument in percentile()")
            }
            try compileSymbol(name, args[0], allowWildcard: allowWildcard)
        case "sample":
            try arity(2)
            guard case .integer(let n) = args[1] else { throw StatementError("expected integer argument in sample()") }
            if n <= 0 { throw StatementError("sample window must be greater than 1, got \(n)") }
            try compileSymbol(name, args[0], allowWildcard: allowWildcard)
        case "distinct":
            try compileDistinct(args, nested: false)
        case "top", "bottom":
            try compileTopBottom(name, args)
        case "derivative", "non_negative_derivative":
            try arity(1, 2)
            if args.count == 2 {
                try positiveDuration(args[1], otherwise: "second argument to \(name) must be a duration, got \(args[1].goTypeName)")
            }
            onlySelectors = false
            try transform()
        case "difference", "non_negative_difference", "cumulative_sum":
            try arity(1)
            onlySelectors = false
            try transform()
        case "moving_average":
            try arity(2)
            guard case .integer(let n) = args[1] else {
                throw StatementError("second argument for moving_average must be an integer, got \(args[1].goTypeName)")
            }
            if n <= 1 { throw StatementError("moving_average window must be greater than 1, got \(n)") }
            onlySelectors = false
            try transform()
        case "exponential_moving_average", "double_exponential_moving_average", "triple_exponential_moving_average",
             "relative_strength_index", "triple_exponential_derivative":
            try arity(2, 4)
            guard case .integer(let period) = args[1] else { throw StatementError("\(name) period must be an integer") }
            if period < 1 { throw StatementError("\(name) period must be greater than or equal to 1") }
            if args.count >= 3 {
                guard case .integer(let hold) = args[2] else { throw StatementError("\(name) hold period must be an integer") }
                if name == "triple_exponential_derivative" && hold < 1 && hold != -1 {
                    throw StatementError("\(name) hold period must be greater than or equal to 1")
                }
                if hold < 0 && hold != -1 { throw StatementError("\(name) hold period must be greater than or equal to 0") }
            }
            if args.count >= 4 {
                guard case .string(let warmup) = args[3] else { throw StatementError("\(name) warmup type must be a string") }
                if warmup != "exponential" && warmup != "simple" {
                    throw StatementError("\(name) warmup type must be one of: 'exponential' 'simple'")
                }
            }
            onlySelectors = false
            try transform(nested: false)
        case "kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average":
            try arity(2, 3)
            guard case .integer(let period) = args[1] else { throw StatementError("\(name) period must be an integer") }
            if period < 1 { throw StatementError("\(name) period must be greater than or equal to 1") }
            if args.count >= 3 {
                guard case .integer(let hold) = args[2] else { throw StatementError("\(name) hold period must be an integer") }
                if hold < 0 && hold != -1 { throw StatementError("\(name) hold period must be greater than or equal to 0") }
            }
            onlySelectors = false
            try transform(nested: false)
        case "chande_momentum_oscillator":
            try arity(2, 4)
            guard case .integer(let period) = args[1] else { throw StatementError("\(name) period must be an integer") }
            if period < 1 { throw StatementError("\(name) period must be greater than or equal to 1") }
            if args.count >= 3 {
                guard case .integer(let hold) = args[2] else { throw StatementError("\(name) hold period must be an integer") }
                if hold < 0 && hold != -1 { throw StatementError("\(name) hold period must be greater than or equal to 0") }
            }
            if args.count >= 4 {
                guard case .string(let warmup) = args[3] else { throw StatementError("\(name) warmup type must be a string") }
                if !["none", "exponential", "simple"].contains(warmup) {
                    throw StatementError("\(name) warmup type must be one of: 'none' 'exponential' 'simple'")
                }
            }
            onlySelectors = false
            try transform(nested: false)
        case "elapsed":
            try arity(1, 2)
            if args.count == 2 {
                try positiveDuration(args[1], otherwise: "second argument to elapsed must be a duration, got \(args[1].goTypeName)")
            }
            onlySelectors = false
            try transform()
        case "integral":
            try arity(1, 2)
            if args.count == 2 { try positiveDuration(args[1], otherwise: "second argument must be a duration") }
            onlySelectors = false
            try compileSymbol(name, args[0], allowWildcard: allowWildcard)
        case "holt_winters", "holt_winters_with_fit":
            try arity(3)
            guard case .integer(let n) = args[1] else { throw StatementError("expected integer argument as second arg in \(name)") }
            if n <= 0 { throw StatementError("second arg to \(name) must be greater than 0, got \(n)") }
            guard case .integer(let s) = args[2] else { throw StatementError("expected integer argument as third arg in \(name)") }
            if s < 0 { throw StatementError("third arg to \(name) cannot be negative, got \(s)") }
            onlySelectors = false
            guard case .call = args[0] else { throw StatementError("must use aggregate function with \(name)") }
            if interval == 0 { throw StatementError("\(name) aggregate requires a GROUP BY interval") }
            try compileNested(args[0])
        case "max", "min", "first", "last", "count", "sum", "mean", "median", "mode", "stddev", "spread":
            if !["max", "min", "first", "last"].contains(name) { onlySelectors = false }
            try arity(1)
            if name == "count" {
                switch args[0] {
                case .call("distinct", let inner): return try compileDistinct(inner, nested: true)
                case .distinct(let field): return try compileDistinct([.varRef(name: field, type: .unknown)], nested: true)
                default: break
                }
            }
            try compileSymbol(name, args[0], allowWildcard: allowWildcard)
        default:
            throw StatementError("undefined function \(name)()")
        }
    }

    mutating func compileDistinct(_ args: [Expr], nested: Bool) throws(StatementError) {
        if args.isEmpty { throw StatementError("distinct function requires at least one argument") }
        if args.count != 1 { throw StatementError("distinct function can only have one argument") }
        guard case .varRef = args[0] else { throw StatementError("expected field argument in distinct()") }
        if !nested { hasDistinct = true }
        onlySelectors = false
    }

    mutating func compileTopBottom(_ name: String, _ args: [Expr]) throws(StatementError) {
        if let existing = topBottom { throw StatementError("selector function \(existing)() cannot be combined with other functions") }
        if args.count < 2 { throw StatementError("invalid number of arguments for \(name), expected at least 2, got \(args.count)") }
        guard case .integer(let n) = args[args.count - 1] else {
            throw StatementError("expected integer as last argument in \(name)(), found \(args[args.count - 1])")
        }
        if n <= 0 { throw StatementError("limit (\(n)) in \(name) function must be at least 1") }
        if limit > 0 && n > Int64(limit) {
            throw StatementError("limit (\(n)) in \(name) function can not be larger than the LIMIT (\(limit)) in the select statement")
        }
        guard case .varRef = args[0] else { throw StatementError("expected first argument to be a field in \(name)(), found \(args[0])") }
        for v in args.dropFirst().dropLast() {
            guard case .varRef = v else { throw StatementError("only fields or tags are allowed in \(name)(), found \(v)") }
            if !hasTarget {
                fieldCount += 1
                hasAuxiliaryFields = true
            }
        }
        topBottom = name
    }

    mutating func compileMath(_ name: String, _ args: [Expr], allowWildcard: inout Bool) throws(StatementError) {
        let n = ["atan2", "pow", "log"].contains(name) ? 2 : 1
        if args.count != n { throw StatementError("invalid number of arguments for \(name), expected \(n), got \(args.count)") }
        for arg in args where !arg.isLiteral { try compileExpr(arg, allowWildcard: &allowWildcard) }
    }

    /// Whether `e` calls an aggregate, selector or transformation anywhere (math functions
    /// such as `log(v, 2)` alone keep a query raw).
    static func callsFunction(_ e: Expr) -> Bool {
        switch e {
        case .paren(let inner): return callsFunction(inner)
        case .binary(_, let l, let r): return callsFunction(l) || callsFunction(r)
        case .call(let name, let args) where mathFunctions.contains(name): return args.contains(where: callsFunction)
        case .call, .distinct: return true
        default: return false
        }
    }

    func validateFields() throws(StatementError) {
        if fieldCount == 0 { throw StatementError("at least 1 non-time field must be queried") }
        if functionCalls > 1, let topBottom { throw StatementError("selector function \(topBottom)() cannot be combined with other functions") }
        if functionCalls == 0 {
            if fill == .none { throw StatementError("fill(none) must be used with a function") }
            if fill == .linear { throw StatementError("fill(linear) must be used with a function") }
            if interval != 0 && !inheritedInterval { throw StatementError("GROUP BY requires at least one aggregate function") }
        }
        if hasDistinct && (functionCalls != 1 || hasAuxiliaryFields) {
            throw StatementError("aggregate function distinct() cannot be combined with other functions or fields")
        }
        if hasAuxiliaryFields {
            if !onlySelectors { throw StatementError("mixing aggregate and non-aggregate queries is not supported") }
            if functionCalls > 1 { throw StatementError("mixing multiple selector functions with tags or fields is not supported") }
        }
    }

    // MARK: Dimensions and condition

    mutating func compileDimensions(_ s: SelectStatement) throws(StatementError) {
        for d in s.dimensions {
            switch d {
            case .varRef(let name, _):
                if name.lowercased() == "time" { throw StatementError("time() is a function and expects at least one argument") }
            case .call(let name, let args):
                if name != "time" { throw StatementError("only time() calls allowed in dimensions") }
                if args.isEmpty || args.count > 2 { throw StatementError("time dimension expected 1 or 2 arguments") }
                guard case .duration(let every) = args[0] else { throw StatementError("time dimension must have duration argument") }
                if interval != 0 { throw StatementError("multiple time dimensions not allowed") }
                interval = every
                if args.count == 2 {
                    switch args[1] {
                    case .duration: break
                    case .call(let f, let fargs):
                        if f != "now" { throw StatementError("time dimension offset function must be now()") }
                        if !fargs.isEmpty { throw StatementError("time dimension offset now() function requires no arguments") }
                    case .string(let text) where SeriesCondition.parseTime(text) != nil: break
                    default: throw StatementError("time dimension offset must be duration or now()")
                    }
                }
            case .wildcard, .regex: break
            default: throw StatementError("only time and tag dimensions allowed")
            }
        }
    }

    func validateCondition(_ e: Expr) throws(StatementError) {
        switch e {
        case .binary(_, let l, let r):
            try validateCondition(l)
            try validateCondition(r)
        case .paren(let inner):
            try validateCondition(inner)
        case .call("now", let args) where args.isEmpty:
            return
        case .call(let name, let args):
            guard Self.mathFunctions.contains(name) else {
                throw StatementError("invalid function call in condition: \(e)")
            }
            let n = ["atan2", "pow"].contains(name) ? 2 : 1
            if args.count != n { throw StatementError("invalid number of arguments for \(name), expected \(n), got \(args.count)") }
            for arg in args { try validateCondition(arg) }
        default:
            return
        }
    }

    /// Constant folding of numeric literals (1.x's `Reduce` with no valuer), enough to turn
    /// `1 + 2` into a literal.
    static func reduce(_ e: Expr) -> Expr {
        switch e {
        case .paren(let inner):
            let r = reduce(inner)
            return r.isLiteral ? r : .paren(r)
        case .call(let name, let args):
            return .call(name: name, args: args.map(reduce))
        case .binary(let op, let l, let r):
            let (a, b) = (reduce(l), reduce(r))
            if case .integer(let x) = a, case .integer(let y) = b, [.add, .sub, .mul].contains(op) {
                switch op {
                case .add: return .integer(x &+ y)
                case .sub: return .integer(x &- y)
                default: return .integer(x &* y)
                }
            }
            if let x = a.numericValue, let y = b.numericValue, [.add, .sub, .mul, .div].contains(op) {
                switch op {
                case .add: return .number(x + y)
                case .sub: return .number(x - y)
                case .mul: return .number(x * y)
                default: return .number(y == 0 ? 0 : x / y)
                }
            }
            return .binary(op: op, lhs: a, rhs: b)
        default:
            return e
        }
    }
}

extension Expr {
    /// 1.x's `Literal` kinds.
    var isLiteral: Bool {
        switch self {
        case .string, .number, .integer, .unsigned, .boolean, .duration, .regex, .list: true
        default: false
        }
    }

    var numericValue: Double? {
        switch self {
        case .number(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }

    /// Go's `%T` of the matching influxql node.
    var goTypeName: String {
        switch self {
        case .binary: "*influxql.BinaryExpr"
        case .paren: "*influxql.ParenExpr"
        case .varRef: "*influxql.VarRef"
        case .call: "*influxql.Call"
        case .distinct: "*influxql.Distinct"
        case .string: "*influxql.StringLiteral"
        case .number: "*influxql.NumberLiteral"
        case .integer: "*influxql.IntegerLiteral"
        case .unsigned: "*influxql.UnsignedLiteral"
        case .boolean: "*influxql.BooleanLiteral"
        case .duration: "*influxql.DurationLiteral"
        case .regex: "*influxql.RegexLiteral"
        case .wildcard: "*influxql.Wildcard"
        case .list: "*influxql.ListLiteral"
        }
    }
}
