import InfluxQL

// 1.x applies LIMIT and OFFSET to each field's iterator, not to the rows: a column counts only
// the points its iterator emitted. Under fill(null) (or any fill but none) with GROUP BY time an
// aggregate emits every window, so its points are the rows; a transformation emits only where
// it has a value, and under fill(none) a call only where it met points. The cursor then joins
// what each column kept by time, showing fill(N)'s literal (or null) where a column has none.

extension AggregateSelect {
    /// `fill(N)`'s literal as written (not cast to a column's type), nil for the other fills:
    /// what 1.x's cursor shows where a column has no point (its scanners' default value).
    var fillLiteral: Value? {
        switch statement.fill {
        case .number(let f): .float(f)
        case .integer(let n): .integer(n)
        default: nil
        }
    }

    /// OFFSET and LIMIT per column over one group's rows (in output order). `slots`: for each
    /// column, the row positions holding its values; `sparse`: columns that emit only where
    /// they have a value (transformations).
    /// `typedLater`: the sparse columns' cells are left null for ``transformDefaults(_:columns:fieldTypes:)``,
    /// which writes the literal cast to their type.
    func limitPerColumn(_ rows: [[Value]], slots: [[Int]], sparse: Set<Int>, typedLater: Bool = false) -> [[Value]] {
        let filling = interval > 0 && statement.fill != .none
        var kept = [Bool](repeating: false, count: rows.count)
        var keptBy: [[Bool]] = []
        for (c, positions) in slots.enumerated() {
            func hasValue(_ row: [Value]) -> Bool { positions.contains { row[$0] != .null } }
            // A filled aggregate emits every window (a null one too: stddev of one point).
            let dense = filling && !sparse.contains(c)
            var n = 0
            var mine = [Bool](repeating: false, count: rows.count)
            for (r, row) in rows.enumerated() where dense || hasValue(row) {
                n += 1
                if n <= statement.offset || (statement.limit > 0 && n - statement.offset > statement.limit) { continue }
                mine[r] = true
                kept[r] = true
            }
            keptBy.append(mine)
        }
        let fillDefault = fillLiteral ?? .null
        return rows.indices.compactMap { r in
            guard kept[r] else { return nil }
            var row = rows[r]
            for (c, positions) in slots.enumerated() where !keptBy[c][r] {
                for p in positions { row[p] = typedLater && sparse.contains(c) ? .null : fillDefault }
            }
            return row
        }
    }
}

