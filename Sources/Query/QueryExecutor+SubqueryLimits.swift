import InfluxQL

// Inside a subquery 1.x builds the inner query's iterators with the outer query's dimensions
// (newIteratorOptionsSubstatement): its shards' tag sets, which SLIMIT and SOFFSET cut, are
// grouped by the outer GROUP BY tags, not the inner ones (without an outer GROUP BY there is
// one tag set: SLIMIT keeps everything, SOFFSET nothing). An aggregate's points then come out
// of each tag set merged by time, and LIMIT/OFFSET count them per run of one inner group,
// starting again whenever the group changes.

extension QueryExecutor {
    /// The inner query's SLIMIT, SOFFSET, LIMIT and OFFSET as 1.x applies them inside a
    /// subquery, over its rows computed without them. `outerTags`: the outer GROUP BY tags.
    /// Row LIMIT/OFFSET are applied here only for aggregates (`aggregate`).
    static func subqueryLimits(_ rows: [Row], outerTags: [String], sLimit: Int, sOffset: Int, limit: Int, offset: Int,
                               ascending: Bool, aggregate: Bool) -> [Row] {
        func tagSet(_ row: Row) -> [String] { [row.name] + outerTags.map { row.tags[$0] ?? "" } }
        var rows = rows
        if sLimit > 0 || sOffset > 0 {
            let sets = Set(rows.map(tagSet)).sorted { $0.lexicographicallyPrecedes($1) }
            let from = min(sOffset, sets.count)
            // 1.x's LimitTagSets: SOFFSET without SLIMIT keeps none.
            let kept = Set(sets[from..<min(from + sLimit, sets.count)])
            rows = rows.filter { kept.contains(tagSet($0)) }
        }
        guard aggregate, limit > 0 || offset > 0 else { return rows }
        var byTagSet: [[String]: [Int]] = [:]
        for (i, row) in rows.enumerated() { byTagSet[tagSet(row), default: []].append(i) }
        var keep = rows.map { [Bool](repeating: false, count: $0.values.count) }
        for members in byTagSet.values {
            // Every point of the tag set by time (ties in group order), counted per run of a group.
            var points: [(time: Int64, row: Int, index: Int)] = []
            for r in members {
                for (i, values) in rows[r].values.enumerated() {
                    guard case .time(let t)? = values.first else { continue }
                    points.append((t, r, i))
                }
            }
            points.sort { a, b in
                if a.time != b.time { return ascending ? a.time < b.time : a.time > b.time }
                return a.row != b.row ? a.row < b.row : a.index < b.index
            }
            var current = -1, n = 0
            for p in points {
                if p.row != current { current = p.row; n = 0 }
                n += 1
                if n <= offset || (limit > 0 && n - offset > limit) { continue }
                keep[p.row][p.index] = true
            }
        }
        return rows.indices.compactMap { r in
            var row = rows[r]
            row.values = zip(row.values, keep[r]).filter(\.1).map(\.0)
            return row.values.isEmpty ? nil : row
        }
    }
}
