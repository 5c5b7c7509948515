import TSDB
import TSM

/// A series' fields read together in time order, a span of aligned rows at a time
/// (``SeriesColumns``): one engine cursor per field, each holding one piece. A span ends at the
/// earliest last time among the pieces held (the latest, descending), so every row in it is
/// complete — no field can still have a point at one of its times — and memory holds a piece
/// per field, not the series.
struct ColumnCursor {
    private var cursors: [SeriesCursor?]
    private var pieces: [WALValues?]
    private var positions: [Int]
    /// Rows already aligned (a subquery's rows), handed out once.
    private var materialized: SeriesColumns?
    let ascending: Bool
    private let counter: PointCounter?

    /// Over the engine: `cursors[i]` reads field `i` (nil where the series lacks it).
    init(cursors: [SeriesCursor?], ascending: Bool, counter: PointCounter?) {
        self.cursors = cursors
        self.pieces = cursors.map { _ in nil }
        self.positions = cursors.map { _ in 0 }
        self.ascending = ascending
        self.counter = counter
    }

    /// Over rows already in memory, ascending.
    init(columns: SeriesColumns, ascending: Bool) {
        self.cursors = []
        self.pieces = []
        self.positions = []
        self.ascending = ascending
        self.counter = nil
        self.materialized = ascending ? columns : columns.reversed()
    }

    /// The next span of rows, or nil at the end.
    mutating func next() throws(StatementError) -> SeriesColumns? {
        if let rows = materialized {
            materialized = nil
            return rows.times.isEmpty ? nil : rows
        }
        var bound: Int64?
        for i in cursors.indices {
            if pieces[i] == nil || positions[i] == pieces[i]!.count {
                pieces[i] = nil
                positions[i] = 0
                if cursors[i] != nil {
                    do throws(EngineError) { pieces[i] = try cursors[i]!.next() } catch { throw StatementError(String(describing: error)) }
                    if let piece = pieces[i] { counter?.add(piece.count) } else { cursors[i] = nil }
                }
            }
            guard let piece = pieces[i] else { continue }
            let last = piece.timestamps[piece.count - 1]
            bound = bound.map { ascending ? Swift.min($0, last) : Swift.max($0, last) } ?? last
        }
        guard let bound else { return nil }
        var taken: [WALValues?] = []
        taken.reserveCapacity(pieces.count)
        for i in pieces.indices {
            guard let piece = pieces[i] else {
                taken.append(nil)
                continue
            }
            let times = piece.timestamps
            var end = positions[i]
            while end < times.count && (ascending ? times[end] <= bound : times[end] >= bound) { end += 1 }
            taken.append(end > positions[i] ? piece.subrange(positions[i]..<end) : nil)
            positions[i] = end
        }
        return SeriesColumns(aligning: taken, ascending: ascending)
    }
}

extension SeriesColumns {
    /// Aligns fields' points (each in the same time order) into rows: fields written together
    /// share their timestamps and need no merge; values are then made only for rows read.
    init(aligning stored: [WALValues?], ascending: Bool) {
        let present = stored.compactMap { $0 }
        guard let first = present.first else {
            self.init(times: [], values: stored.map { _ in .missing })
            return
        }
        let firstTimes = first.timestamps
        if present.allSatisfy({ $0.timestamps == firstTimes }) {
            self.init(times: firstTimes, values: stored.map { $0.map { .stored($0) } ?? .missing })
            return
        }
        var times: [Int64] = []
        for p in present { times += p.timestamps }
        times.sort(by: ascending ? (<) : (>))
        var unique: [Int64] = []
        unique.reserveCapacity(times.count)
        for t in times where unique.last != t { unique.append(t) }
        let values = stored.map { column -> Column in
            guard let column else { return .missing }
            var out = Array(repeating: Value.null, count: unique.count)
            var j = 0
            for (t, v) in zip(column.timestamps, column.queryValues) {
                while unique[j] != t { j += 1 }
                out[j] = v
            }
            return .aligned(out)
        }
        self.init(times: unique, values: values)
    }

    /// The rows in reverse time order.
    func reversed() -> SeriesColumns {
        SeriesColumns(times: times.reversed(), values: values.map { column in
            switch column {
            case .missing: return .missing
            case .aligned(let v): return .aligned(v.reversed())
            case .stored(let s): return .stored(s.reversed())
            }
        }, sequence: sequence.reversed())
    }
}
