import Query

/// A Read in progress: walks the plan's rows (grouped as asked), streams each row's points
/// through the response writer and stops whenever messages are ready, so the service sends
/// them (with the transport's backpressure) before reading on. Runs on the store's thread
/// pool: it reads TSM blocks.
struct ReadExecution: Sendable {
    private let plan: ReadPlan
    private(set) var writer: ResponseWriter
    private var rows: RowSupply
    private var streaming: StreamingRow?
    private(set) var finished = false
    private var started = false

    /// Where rows come from: the series cursor (GroupAll, GroupNone), or GroupBy's sorted rows
    /// and the group being streamed.
    private enum RowSupply: Sendable {
        case cursor(SeriesRowCursor, limit: SeriesLimit?)
        case sorted([SeriesRow], next: Int, groupEnd: Int)
        case none
    }

    /// 1.6's `limitSeriesCursor`: skips `offset` rows first, then stops after `limit` (a
    /// limit of 0 with an offset returns no rows, as in 1.6).
    private struct SeriesLimit: Sendable {
        var limit: Int64
        var offset: Int64
        var count: Int64 = 0
    }

    /// A row whose points are being written.
    private struct StreamingRow: Sendable {
        var source: RowSource
        var position: Int
        var open: PointBatch
        var count = 0
    }

    init(plan: ReadPlan) {
        self.plan = plan
        writer = ResponseWriter(noSeries: plan.noSeries)
        rows = .none
    }

    /// Works until `messages` messages are ready or the Read is done; then `writer.outbox`
    /// holds what to send.
    mutating func run(messages: Int = 1) {
        if !started {
            started = true
            start()
        }
        while !finished && writer.outbox.count < messages {
            if streaming != nil {
                continueStreaming()
                continue
            }
            guard let row = nextRow() else {
                writer.flush()
                finished = true
                return
            }
            stream(row)
        }
    }

    /// Takes the messages ready to send.
    mutating func takeMessages() -> [[UInt8]] {
        defer { writer.outbox.removeAll() }
        return writer.outbox
    }

    private func newCursor() -> SeriesRowCursor { SeriesRowCursor(shards: plan.shards, conditions: plan.conditions) }

    private mutating func start() {
        switch plan.group {
        case .all:
            let limit = plan.seriesLimit > 0 || plan.seriesOffset > 0 ? SeriesLimit(limit: plan.seriesLimit, offset: plan.seriesOffset) : nil
            rows = .cursor(newCursor(), limit: limit)
        case .none:
            // 1.6's groupNoneSort: the tag keys of the first row and of every later row with
            // points in range, then one group of every row.
            var cursor = newCursor()
            guard let first = cursor.next() else {
                finished = true
                return
            }
            var keys = first.tags.map(\.key)
            while let row = cursor.next() {
                if plan.schemaAllTime || hasPoints(row) { keys = Self.merge(keys, row.tags.map(\.key)) }
            }
            writer.startGroup(keys: keys, values: [])
            rows = plan.schemaAllTime ? .none : .cursor(newCursor(), limit: nil)
        case .by:
            var all: [SeriesRow] = []
            var cursor = newCursor()
            while var row = cursor.next() {
                row.sortKey = plan.groupKeys.reduce(into: []) { key, name in
                    let value = row.tag(name) ?? []
                    key += value.isEmpty ? [0xff] : value  // no value sorts last
                }
                all.append(row)
            }
            guard !all.isEmpty else {
                finished = true
                return
            }
            // Go's sort.Slice, as 1.6 sorts them: not stable, so rows with equal keys come in
            // the order its steps leave them.
            all = GoSortSlice.sorted(all) { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
            rows = .sorted(all, next: 0, groupEnd: 0)
        }
    }

    /// The next row to stream, starting GroupBy's groups as they come.
    private mutating func nextRow() -> SeriesRow? {
        switch rows {
        case .none:
            return nil
        case .cursor(var cursor, var limit):
            defer { rows = .cursor(cursor, limit: limit) }
            guard var l = limit else { return cursor.next() }
            if l.offset > 0 {
                for _ in 0..<l.offset where cursor.next() == nil { break }
                l.offset = 0
            }
            guard l.count < l.limit else {
                limit = l
                return nil
            }
            l.count += 1
            limit = l
            return cursor.next()
        case .sorted(let all, var next, var groupEnd):
            defer { rows = .sorted(all, next: next, groupEnd: groupEnd) }
            while next == groupEnd {
                guard next < all.count else { return nil }
                groupEnd = startGroup(all, at: next)
                // Schema only: the group frame, none of its rows.
                if plan.schemaAllTime { next = groupEnd }
            }
            next += 1
            return all[next - 1]
        }
    }

    /// Writes the group frame of the rows from `first` that share its sort key; returns where
    /// the group ends.
    private mutating func startGroup(_ all: [SeriesRow], at first: Int) -> Int {
        let row = all[first]
        var keys = row.tags.map(\.key)
        var end = first + 1
        while end < all.count && all[end].sortKey == row.sortKey {
            if plan.schemaAllTime || hasPoints(all[end]) { keys = Self.merge(keys, all[end].tags.map(\.key)) }
            end += 1
        }
        writer.startGroup(keys: keys, values: plan.groupKeys.map { row.tag($0) ?? [] })
        return end
    }

    /// 1.6's `seriesHasPoints`: whether the row's first batch in range is non-empty.
    private func hasPoints(_ row: SeriesRow) -> Bool {
        guard var cursor = RowCursor(row: row, shards: plan.shards, range: plan.range, ascending: plan.ascending, limit: plan.pointsLimit) else {
            return false
        }
        return !cursor.next().isEmpty
    }

    /// The sorted union of two sorted key lists (1.6's `keyMerger`).
    static func merge(_ a: [[UInt8]], _ b: [[UInt8]]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                out.append(a[i]); i += 1; j += 1
            } else if a[i].lexicographicallyPrecedes(b[j]) {
                out.append(a[i]); i += 1
            } else {
                out.append(b[j]); j += 1
            }
        }
        out += a[i...]
        out += b[j...]
        return out
    }

    /// Starts writing a row: its series frame, then its points (or only whether it has any).
    private mutating func stream(_ row: SeriesRow) {
        guard let cursor = RowCursor(row: row, shards: plan.shards, range: plan.range, ascending: plan.ascending, limit: plan.pointsLimit),
              var source = RowSource(cursor, aggregate: plan.aggregate) else { return }
        guard !plan.noSeries else { return }
        let position = writer.startSeries(tags: row.tags)
        writer.setDataType(ResponseFrame.dataType(source.type), ofSeriesAt: position)
        if plan.noPoints {
            if source.next().isEmpty {
                writer.removeSeries(at: position)
            } else {
                writer.flushIfOverLimit()
            }
            return
        }
        streaming = StreamingRow(source: source, position: position, open: PointBatch(type: source.type))
    }

    /// Streams the current row's points until a message is ready or the row ends.
    private mutating func continueStreaming() {
        guard var s = streaming else { return }
        streaming = nil
        let ready = writer.outbox.count
        while writer.outbox.count == ready {
            let batch = s.source.next()
            guard !batch.isEmpty else {
                s.count += s.open.count
                if s.count == 0 {
                    writer.removeSeries(at: s.position)
                } else {
                    writer.addLastPoints(s.open)
                    writer.flushIfOverLimit()
                }
                return
            }
            s.open.append(contentsOf: batch)
            if s.open.count >= PointBatch.maxPoints {
                s.count += s.open.count
                writer.addFullPoints(s.open)
                s.open = PointBatch(type: s.source.type)
            }
        }
        streaming = s
    }
}
