import InfluxQL
import TSDB

/// One series' output rows of a raw SELECT, prepared once: the fields to read, the WHERE
/// clause resolved to column indexes, and how each output column is filled.
struct RowBuilder {
    /// Each output column: a read column (cast), the series' constant, an expression, or a
    /// transformation's input column.
    private enum Slot { case column(Int, DataType), constant(Value), expr(Expr, [String]), transform(Int) }

    let series: ParsedSeriesKey
    /// The fields read, in column order.
    let fields: [String]
    private let slots: [Slot]
    /// Fields the condition and expressions look up by name (the rest index columns).
    private let namedColumns: [(String, Int)]
    private let condition: RowCondition?
    private let hasExpr: Bool
    /// Expressions keep a NaN result as a value (run as a subquery: 1.x hands the outer query
    /// the NaN point).
    var keepsNaN = false

    /// `hiddenTags`: tags of the series read as absent (a subquery's tags it does not group by).
    /// `shadowedTags`: tags that are also columns of the subquery's rows; 1.x reads the column
    /// for every reference to the name, `::tag` included.
    init(series: ParsedSeriesKey, columns: [RawSelect.Column], condition: Expr?, conditionFields: Set<String>, hiddenTags: Set<String> = [],
         shadowedTags: Set<String> = []) {
        let columns = shadowedTags.isEmpty ? columns : columns.map { c in
            guard case .tag(let k) = c.source, shadowedTags.contains(k) else { return c }
            var c = c
            c.source = .field(k, .unknown)
            return c
        }
        var wanted = conditionFields
        var named = conditionFields
        for c in columns {
            switch c.source {
            case .field(let f, _), .transform(_, let f, _): wanted.insert(f)
            case .expr(let e):
                wanted.formUnion(RawSelect.fieldRefs(e))
                named.formUnion(RawSelect.fieldRefs(e))
            default: break
            }
        }
        let list = Array(wanted)
        let index = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1, $0) })
        self.series = series
        self.fields = list
        self.namedColumns = named.compactMap { f in index[f].map { (f, $0) } }
        self.condition = condition.map { RowCondition($0, columns: index, series: series, shadowed: shadowedTags) }
        self.hasExpr = columns.contains { if case .expr = $0.source { return true }; return false }
        self.slots = columns.map { c in
            switch c.source {
            case .field(let f, let cast): return .column(index[f]!, cast)
            case .tag(let k):
                // A stored series never has an empty tag; a subquery's row may (a grouped tag
                // its series lacked), and 1.x reads that as "".
                guard !hiddenTags.contains(k), let v = series.tags.first(where: { $0.key == k })?.value else { return .constant(.null) }
                return .constant(.string(v))
            case .none: return .constant(.null)
            case .expr(let e): return .expr(e, RawSelect.fieldRefs(e))
            case .transform(_, let f, _): return .transform(index[f]!)
            }
        }
    }

    /// The output values of row `r` (led by `time` when given), or nil when the row is not
    /// kept: the condition fails, or no selected field has a value (`keep` decides instead
    /// when given).
    func values(_ data: SeriesColumns, _ r: Int, time: Int64? = nil, keep: (([Value]) -> Bool)? = nil) -> [Value]? {
        if let condition, !condition.holds(data, r) { return nil }
        var fields: [String: Value] = [:]
        if hasExpr { for (f, i) in namedColumns where data.value(i, r) != .null { fields[f] = data.value(i, r) } }
        var anyField = false
        var values: [Value] = []
        values.reserveCapacity(slots.count + 1)
        if let time { values.append(.time(time)) }
        for slot in slots {
            switch slot {
            case .column(let i, let cast):
                let v = RawSelect.cast(data.value(i, r), to: cast)
                if v != .null { anyField = true }
                values.append(v)
            case .constant(let v): values.append(v)
            case .expr(let e, let refs):
                // 1.x keeps the row when any field the expression reads has a value.
                if refs.contains(where: { fields[$0] != nil }) { anyField = true }
                values.append(RawSelect.evaluate(e, fields: fields, series: series, keepNaN: keepsNaN))
            case .transform(let i):
                let v = data.value(i, r)
                if v != .null { anyField = true }
                values.append(v)
            }
        }
        return keep.map({ $0(values) }) ?? anyField ? values : nil
    }
}
