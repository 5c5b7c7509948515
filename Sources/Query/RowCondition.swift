import InfluxQL
import TSDB

/// A WHERE clause resolved for one series over aligned columns (``SeriesColumns``): field
/// references become column indexes, tag references the series' values — what
/// `RawSelect.holds` decides through a dictionary per row, without one.
indirect enum RowCondition {
    case all(RowCondition, RowCondition)
    case any(RowCondition, RowCondition)
    case compare(Token, Operand, Operand)
    case constant(Bool)

    enum Operand {
        /// A field column; where it has no value the name reads as the series' tag of that
        /// name if it has one, else as nothing (a comparison with nothing is false, `!=`
        /// included, as in 1.x).
        case column(Int, Value)
        case value(Value)
        /// Arithmetic or a math function over the row's fields (`tc + 1 > 10`).
        case expr(Expr, [String: Int], ParsedSeriesKey)
    }

    /// `columns` maps the field names the columns hold to their index. `shadowed`: tags that
    /// are also columns of a subquery's rows, read only from the column.
    init(_ e: Expr, columns: [String: Int], series: ParsedSeriesKey, shadowed: Set<String> = []) {
        switch e {
        case .paren(let inner): self.init(inner, columns: columns, series: series, shadowed: shadowed)
        case .binary(.and, let l, let r):
            self = .all(RowCondition(l, columns: columns, series: series, shadowed: shadowed),
                        RowCondition(r, columns: columns, series: series, shadowed: shadowed))
        case .binary(.or, let l, let r):
            self = .any(RowCondition(l, columns: columns, series: series, shadowed: shadowed),
                        RowCondition(r, columns: columns, series: series, shadowed: shadowed))
        case .binary(let op, let l, let r):
            if case .varRef("time", _) = l { self = .constant(true); return }
            if case .varRef("time", _) = r { self = .constant(true); return }
            self = .compare(op, Self.operand(l, columns, series, shadowed), Self.operand(r, columns, series, shadowed))
        case .boolean(let v): self = .constant(v)
        default: self = .constant(true)
        }
    }

    static func operand(_ e: Expr, _ columns: [String: Int], _ series: ParsedSeriesKey, _ shadowed: Set<String> = []) -> Operand {
        switch e {
        case .varRef(let name, _):
            let tag = Value.string(name == "_name" ? series.measurement : series.tag(name))
            if let i = columns[name] {
                return .column(i, !shadowed.contains(name) && series.tags.contains { $0.key == name } ? tag : .null)
            }
            return .value(tag)
        case .paren(let inner): return operand(inner, columns, series, shadowed)
        case .binary, .call: return .expr(e, columns, series)
        default: return .value(RawSelect.operand(e, fields: [:], series: series))
        }
    }

    static func evaluate(_ e: Expr, _ columns: [String: Int], _ series: ParsedSeriesKey, _ data: SeriesColumns, _ r: Int) -> Value {
        switch e {
        case .varRef(let name, let type):
            if let i = columns[name] { return RawSelect.cast(data.value(i, r), to: type) }
            let tag = series.tag(name)
            return tag.isEmpty ? .null : .string(tag)
        case .paren(let inner): return evaluate(inner, columns, series, data, r)
        case .binary(let op, let l, let rhs):
            return FieldMath.binary(op, evaluate(l, columns, series, data, r), evaluate(rhs, columns, series, data, r))
        case .call(let name, let args): return FieldMath.call(name, args.map { evaluate($0, columns, series, data, r) })
        default: return RawSelect.literal(e) ?? .null
        }
    }

    func holds(_ data: SeriesColumns, _ r: Int) -> Bool {
        switch self {
        case .all(let a, let b): return a.holds(data, r) && b.holds(data, r)
        case .any(let a, let b): return a.holds(data, r) || b.holds(data, r)
        case .constant(let v): return v
        case .compare(let op, let a, let b): return RawSelect.compare(op, Self.value(a, data, r), Self.value(b, data, r))
        }
    }

    static func value(_ o: Operand, _ data: SeriesColumns, _ r: Int) -> Value {
        switch o {
        case .value(let v): return v
        case .expr(let e, let columns, let series): return evaluate(e, columns, series, data, r)
        case .column(let i, let fallback):
            let v = data.value(i, r)
            return v == .null ? fallback : v
        }
    }
}
