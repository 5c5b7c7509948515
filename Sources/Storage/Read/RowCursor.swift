import TSDB
import TSM

/// One row's points across the Read's shards, in batches as 1.6's multi-shard batch cursor
/// returns them: per shard, the points in range (those the value condition keeps) in runs of
/// 1,000, the last run of each shard shorter; the points limit cuts across shards.
///
/// The first shard whose field set has the field decides the type; a later shard with
/// another type ends the row (1.6: "expected float cursor"), one without the field is skipped.
struct RowCursor: Sendable {
    let type: FieldType
    private let key: [UInt8]
    private let measurement: String
    private let field: String
    private var shards: ArraySlice<Shard>
    private var cursor: SeriesCursor?
    private var pending: PointBatch
    private let filter: PredicateExpr?
    private let limit: Int64
    private var count: Int64 = 0
    private let range: ClosedRange<Int64>?
    private let ascending: Bool

    /// The row's cursor, nil when no shard has the field (1.6: no data for the row).
    init?(row: SeriesRow, shards: [Shard], range: ClosedRange<Int64>?, ascending: Bool, limit: Int64) {
        let measurement = row.series.measurement
        guard let first = shards.firstIndex(where: { $0.fieldSet.type(of: row.field, in: measurement) != nil }),
              let type = shards[first].fieldSet.type(of: row.field, in: measurement) else { return nil }
        self.type = type
        key = row.series.key + TSMFormat.fieldSeparator + Array(row.field.utf8)
        self.measurement = measurement
        field = row.field
        self.shards = shards[(first + 1)...]
        filter = row.valueCondition
        self.limit = limit
        self.range = range
        self.ascending = ascending
        pending = PointBatch(type: type)
        cursor = range.map { shards[first].engine.cursor(key: key, min: $0.lowerBound, max: $0.upperBound, ascending: ascending) }
        if range == nil { self.shards = [] }
    }

    /// The next batch; empty at the end.
    mutating func next() -> PointBatch {
        while true {
            var batch = nextInShard()
            if batch.isEmpty {
                if openNextShard() { continue }
                return batch
            }
            count += Int64(batch.count)
            if count > limit {
                let over = count - limit
                count = limit
                batch.truncate(to: batch.count - Int(over))
            }
            return batch
        }
    }

    /// Up to 1,000 points of the current shard.
    private mutating func nextInShard() -> PointBatch {
        let keep: ((EvalValue) -> Bool)? = filter.map { condition in { value in condition.holds { _ in value } } }
        while pending.count < PointBatch.maxPoints, var c = cursor {
            let piece: WALValues?
            do throws(EngineError) { piece = try c.next() } catch { piece = nil }
            cursor = c
            guard let piece else {
                cursor = nil
                break
            }
            if !pending.append(piece, keep: keep) {
                // The shard's data changed type under its field set: nothing more to read.
                cursor = nil
            }
        }
        return pending.removeFirst(Swift.min(PointBatch.maxPoints, pending.count))
    }

    /// Moves to the next shard that has the field; false when none is left or its type differs.
    private mutating func openNextShard() -> Bool {
        while let shard = shards.popFirst() {
            guard let t = shard.fieldSet.type(of: field, in: measurement) else { continue }
            guard t == type else {
                shards = []
                return false
            }
            guard let range else { return false }
            cursor = shard.engine.cursor(key: key, min: range.lowerBound, max: range.upperBound, ascending: ascending)
            return true
        }
        return false
    }
}
