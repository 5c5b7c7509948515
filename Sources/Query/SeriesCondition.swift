import Foundation
import Synchronization
import InfluxQL
import TSDB
import TSM

/// A WHERE condition applied to series (measurement and tags) and its time bounds, as the
/// metadata statements and deletes use it.
public struct SeriesCondition: Sendable {
    let expr: Expr?
    /// Field names: terms on them are decided per row, so they pass here.
    var fields: Set<String> = []

    public init(expr: Expr?, fields: Set<String> = []) {
        self.expr = expr
        self.fields = fields
    }

    /// Whether a series satisfies the tag part of the condition (time and field terms pass).
    public func matches(_ s: ParsedSeriesKey) -> Bool { expr.map { eval($0, s) } ?? true }

    func eval(_ e: Expr, _ s: ParsedSeriesKey) -> Bool {
        switch e {
        case .paren(let inner): return eval(inner, s)
        case .binary(.and, let l, let r): return eval(l, s) && eval(r, s)
        case .binary(.or, let l, let r): return eval(l, s) || eval(r, s)
        case .binary(let op, .varRef(let name, let type), let rhs):
            return (fields.contains(name) && type != .tag) || Self.compare(op, name, rhs, s)
        case .binary(let op, let lhs, .varRef(let name, let type)):
            return (fields.contains(name) && type != .tag) || Self.compare(op, name, lhs, s)
        case .boolean(let b): return b
        default: return true
        }
    }

    /// The series keys outside which the condition cannot hold, from `tag = 'value'` terms
    /// (postings looked up by `lookup`) combined through AND and OR; nil when some part of the
    /// condition may hold for any series.
    public func candidates(_ lookup: (String, String) -> Set<ByteKey>) -> Set<ByteKey>? {
        func visit(_ e: Expr) -> Set<ByteKey>? {
            switch e {
            case .paren(let inner): return visit(inner)
            case .binary(.and, let l, let r):
                switch (visit(l), visit(r)) {
                case (nil, let b): return b
                case (let a, nil): return a
                case (let a?, let b?): return a.intersection(b)
                }
            case .binary(.or, let l, let r):
                guard let a = visit(l), let b = visit(r) else { return nil }
                return a.union(b)
            case .binary(.eq, .varRef(let name, let type), .string(let v)), .binary(.eq, .string(let v), .varRef(let name, let type)):
                // An empty value matches series without the tag, which have no postings.
                guard !v.isEmpty, name != "time", name != "_name", !(fields.contains(name) && type != .tag) else { return nil }
                return lookup(name, v)
            default: return nil
            }
        }
        return expr.flatMap(visit)
    }

    static func compare(_ op: Token, _ name: String, _ literal: Expr, _ s: ParsedSeriesKey) -> Bool {
        if name == "time" { return true }
        let value = name == "_name" ? s.measurement : s.tag(name)
        switch (op, literal) {
        case (.eq, .string(let v)): return value == v
        case (.neq, .string(let v)): return value != v
        case (.eqRegex, .regex(let re)): return Self.regexMatches(re, value)
        case (.neqRegex, .regex(let re)): return !Self.regexMatches(re, value)
        default: return true
        }
    }

    static func regexMatches(_ pattern: String, _ value: String) -> Bool {
        RegexCache.shared.regex(pattern)?.matches(value) ?? false
    }

    /// Whether the condition mentions `time`.
    var hasTime: Bool { expr.map(Self.mentionsTime) ?? false }

    static func mentionsTime(_ e: Expr) -> Bool {
        switch e {
        case .varRef(let name, _): return name == "time"
        case .paren(let inner): return mentionsTime(inner)
        case .binary(_, let l, let r): return mentionsTime(l) || mentionsTime(r)
        default: return false
        }
    }

    /// 1.x's error for a time string compared with `time` that lies outside influxql's time
    /// range (`time 9999-12-31T23:59:59Z overflows time literal`); nil when every one fits.
    var timeLiteralError: String? {
        func visit(_ e: Expr) -> String? {
            switch e {
            case .paren(let inner): return visit(inner)
            case .binary(.and, let l, let r), .binary(.or, let l, let r): return visit(l) ?? visit(r)
            case .binary(_, .varRef("time", _), .string(let s)), .binary(_, .string(let s), .varRef("time", _)): return TimeLiteral.rangeError(s)
            default: return nil
            }
        }
        return expr.flatMap(visit)
    }

    /// The inclusive time range of the condition's `time` comparisons (ANDed; `now()` is
    /// `now`), 1.x's `TimeRange`: strict bounds move by one nanosecond.
    func timeRange(now: Int64, zone: Zone? = nil) -> (min: Int64, max: Int64) {
        var lo = Int64.min, hi = Int64.max
        func visit(_ e: Expr) {
            switch e {
            case .paren(let inner): visit(inner)
            case .binary(.and, let l, let r): visit(l); visit(r)
            case .binary(let op, .varRef("time", _), let rhs):
                if let t = Self.timeValue(rhs, now: now, zone: zone) { apply(op, t) }
            case .binary(let op, let lhs, .varRef("time", _)):
                if let t = Self.timeValue(lhs, now: now, zone: zone) { apply(Self.flipped(op), t) }
            default: break
            }
        }
        func apply(_ op: Token, _ t: Int64) {
            switch op {
            case .gt: lo = max(lo, t &+ 1)
            case .gte: lo = max(lo, t)
            case .lt: hi = min(hi, t &- 1)
            case .lte: hi = min(hi, t)
            case .eq: lo = max(lo, t); hi = min(hi, t)
            default: break
            }
        }
        if let expr { visit(expr) }
        return (lo, hi)
    }

    static func flipped(_ op: Token) -> Token {
        switch op {
        case .lt: .gt
        case .lte: .gte
        case .gt: .lt
        case .gte: .lte
        default: op
        }
    }

    /// A time literal: RFC 3339 string, integer nanoseconds, `now()` and `±` durations; a
    /// zone-less string reads as wall-clock time in the `tz()` zone.
    static func timeValue(_ e: Expr, now: Int64, zone: Zone? = nil) -> Int64? {
        switch e {
        case .paren(let inner): return timeValue(inner, now: now, zone: zone)
        case .integer(let i): return i
        case .number(let f): return Int64(exactly: f.rounded(.towardZero))
        case .duration(let d): return d
        case .call("now", let args) where args.isEmpty: return now
        case .string(let s):
            guard let t = parseTime(s) else { return nil }
            guard let zone, TimeLiteral.isZoneless(s) else { return t }
            return zone.instant(local: t)
        case .binary(.add, let l, let r):
            guard let a = timeValue(l, now: now, zone: zone), let b = timeValue(r, now: now, zone: zone) else { return nil }
            return a &+ b
        case .binary(.sub, let l, let r):
            guard let a = timeValue(l, now: now, zone: zone), let b = timeValue(r, now: now, zone: zone) else { return nil }
            return a &- b
        default: return nil
        }
    }

    /// RFC 3339 with optional fraction, or a bare date (`2006-01-02`), as UTC nanoseconds.
    static func parseTime(_ s: String) -> Int64? { TimeLiteral.parse(s) }
}
