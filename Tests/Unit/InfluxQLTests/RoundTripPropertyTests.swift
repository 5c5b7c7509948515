import SundialTestSupport
import Testing

@testable import InfluxQL

/// Generated ASTs print to canonical text that parses back to the same AST.
@Suite("InfluxQL round trip")
struct RoundTripPropertyTests {
    struct Rng: RandomNumberGenerator {
        var source: SeededRandom
        init(state: UInt64) { source = SeededRandom(seed: state) }
        mutating func next() -> UInt64 { source.next() }
        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    }

    static func name(_ r: inout Rng) -> String {
        r.pick(["cpu", "host", "value", "my value", "select", "a.b", "x\"y", "_t9", "Ünïcode", "from", "weird\\name", "new\nline"])
    }

    static func literal(_ r: inout Rng) -> Expr {
        switch r.int(0...8) {
        case 0: return .integer(Int64(r.int(-1_000_000...1_000_000)))
        // Number literals print with three decimals, so generated ones have at most three.
        case 1: return .number(Double(r.int(-99_999...99_999)) / 1000)
        case 2: return .string(r.pick(["", "a", "it's", "back\\slash", "multi\nline", "\"dq\""]))
        case 3: return .boolean(r.int(0...1) == 0)
        case 4: return .duration(r.pick([1, 1000, 1_500_000, 60_000_000_000, 3_600_000_000_000, 86_400_000_000_000 * 7, 90_000_000_000]))
        case 5: return .varRef(name: name(&r), type: .unknown)
        case 6: return .unsigned(UInt64(Int64.max) + UInt64(r.int(1...1000)))
        case 7: return .integer(.min)
        default: return .varRef(name: name(&r), type: r.pick([.unknown, .float, .integer, .string, .boolean, .tag, .anyField, .unsigned]))
        }
    }

    /// An expression whose printed form reparses to the same tree: binary operands that are
    /// themselves binary are parenthesised.
    static func expr(_ r: inout Rng, depth: Int, comparisons: Bool) -> Expr {
        if depth == 0 { return literal(&r) }
        switch r.int(0...4) {
        case 0, 1:
            let ops: [Token] = comparisons
                ? [.add, .sub, .mul, .div, .mod, .bitwiseAnd, .bitwiseOr, .bitwiseXor, .eq, .neq, .lt, .lte, .gt, .gte, .and, .or]
                : [.add, .sub, .mul, .div, .mod, .bitwiseAnd, .bitwiseOr, .bitwiseXor]
            func operand(_ r: inout Rng) -> Expr {
                let e = expr(&r, depth: depth - 1, comparisons: comparisons)
                if case .binary = e { return .paren(e) }
                return e
            }
            return .binary(op: r.pick(ops), lhs: operand(&r), rhs: operand(&r))
        case 2:
            return .call(name: r.pick(["mean", "count", "percentile", "top", "derivative", "now"]), args: (0..<r.int(0...3)).map { _ in expr(&r, depth: depth - 1, comparisons: false) })
        case 3:
            if comparisons && r.int(0...1) == 0 {
                // Regex literals only stand after =~ / !~.
                return .binary(op: r.pick([.eqRegex, .neqRegex]), lhs: .varRef(name: name(&r), type: .unknown), rhs: .regex(r.pick(["a.*", "^cpu[0-9]+$", "x/y", "(a|b)"])))
            }
            return .paren(expr(&r, depth: depth - 1, comparisons: comparisons))
        default:
            return literal(&r)
        }
    }

    static func measurement(_ r: inout Rng) -> Measurement {
        var m = Measurement()
        switch r.int(0...3) {
        case 0: m.name = name(&r)
        case 1: (m.retentionPolicy, m.name) = (name(&r), name(&r))
        case 2: (m.database, m.retentionPolicy, m.name) = (name(&r), name(&r), name(&r))
        default: m.regex = r.pick(["cpu.*", "a/b"])
        }
        return m
    }

    static func select(_ r: inout Rng) -> SelectStatement {
        var s = SelectStatement()
        s.fields = (0...r.int(0...3)).map { _ in
            Field(expr: r.int(0...5) == 0 ? .wildcard(r.pick([nil, .field, .tag])) : expr(&r, depth: 3, comparisons: false),
                  alias: r.int(0...2) == 0 ? name(&r) : "")
        }
        s.isRawQuery = !s.fields.contains { $0.expr.containsCall }
        s.sources = (0...r.int(0...2)).map { _ in .measurement(measurement(&r)) }
        if r.int(0...1) == 0 { s.condition = expr(&r, depth: 3, comparisons: true) }
        if r.int(0...1) == 0 {
            s.dimensions = [.call(name: "time", args: [.duration(r.pick([60_000_000_000, 3_600_000_000_000]))]), .varRef(name: name(&r), type: .unknown)]
        }
        s.fill = r.pick([.null, .none, .previous, .linear, .integer(Int64(r.int(-5...5))), .number(2.5), .number(-0.25)])
        if r.int(0...1) == 0 { s.sortFields = [SortField(name: r.pick(["", "time"]), ascending: r.int(0...1) == 0)] }
        s.limit = r.int(0...3)
        s.offset = r.int(0...3)
        s.sLimit = r.int(0...3)
        s.sOffset = r.int(0...3)
        if r.int(0...3) == 0 { s.location = r.pick(["UTC", "Europe/Paris", "America/New_York"]) }
        return s
    }

    static func statement(_ r: inout Rng) -> Statement {
        switch r.int(0...11) {
        case 0, 1, 2: return .select(select(&r))
        case 3:
            var d = CreateDatabase()
            d.name = name(&r)
            if r.int(0...1) == 0 {
                d.retentionPolicyCreate = true
                d.duration = r.pick([nil, 0, 3_600_000_000_000])
                d.replication = r.pick([nil, 1, 3])
                d.shardGroupDuration = r.pick([0, 86_400_000_000_000])
                d.retentionPolicyName = r.pick(["", "rp1"])
                if d.duration == nil && d.replication == nil && d.shardGroupDuration == 0 && d.retentionPolicyName.isEmpty { d.replication = 2 }
            }
            return .createDatabase(d)
        case 4:
            var p = CreateRetentionPolicy()
            (p.name, p.database) = (name(&r), name(&r))
            p.duration = r.pick([0, 3_600_000_000_000, 7 * 86_400_000_000_000])
            p.replication = r.int(1...3)
            p.shardGroupDuration = r.pick([0, 3_600_000_000_000])
            p.isDefault = r.int(0...1) == 0
            return .createRetentionPolicy(p)
        case 5:
            var a = AlterRetentionPolicy()
            (a.name, a.database) = (name(&r), name(&r))
            a.duration = 3_600_000_000_000
            a.replication = r.pick([nil, 2])
            a.isDefault = r.int(0...1) == 0
            return .alterRetentionPolicy(a)
        case 6: return r.int(0...1) == 0 ? .grant(r.pick([.read, .write, .all]), on: name(&r), user: name(&r)) : .revoke(r.pick([.read, .write, .all]), on: name(&r), user: name(&r))
        case 7: return .dropSeries(sources: [.measurement({ var m = Measurement(); m.name = name(&r); return m }())], condition: expr(&r, depth: 2, comparisons: true))
        case 8:
            var c = ShowClauses()
            c.database = r.pick(["", name(&r)])
            c.limit = r.int(0...2)
            return r.pick([.showSeries(c), .showFieldKeys(c), .showTagKeys(c)])
        case 9:
            var c = CardinalityClauses()
            c.exact = r.int(0...1) == 0
            c.database = r.pick(["", "db"])
            return r.pick([.showSeriesCardinality(c), .showTagKeyCardinality(c), .showFieldKeyCardinality(c), .showMeasurementCardinality(c)])
        case 10: return .showTagValues(ShowClauses(), op: .in, key: .list([name(&r), name(&r)]))
        default: return .killQuery(id: UInt64(r.int(0...1000)), host: r.pick(["", "h1"]))
        }
    }

    @Test(arguments: 0..<40)
    func printedStatementsParseBack(seed: Int) throws {
        var r = Rng(state: UInt64(seed) &* 7919)
        for _ in 0..<50 {
            let original = Self.statement(&r)
            let text = original.description
            let parsed = try Parser.parseStatement(text)
            #expect(parsed == original, "\(text)")
        }
    }
}
