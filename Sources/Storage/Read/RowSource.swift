import TSDB

/// What a Read streams for one row: its points, or one aggregate point (1.6's sum and count
/// batch cursors: the time of the first point, then the sum of the values or their count).
struct RowSource: Sendable {
    enum Aggregate: Sendable { case sum, count }

    private var cursor: RowCursor
    private let aggregate: Aggregate?
    private var done = false
    /// The type of the points it returns (count returns integers).
    let type: FieldType

    /// nil when the row has no data, or when `sum` meets a string or boolean field (1.6
    /// skips those rows).
    init?(_ cursor: RowCursor, aggregate: Aggregate?) {
        if aggregate == .sum && (cursor.type == .string || cursor.type == .boolean) { return nil }
        self.cursor = cursor
        self.aggregate = aggregate
        type = aggregate == .count ? .integer : cursor.type
    }

    /// The next batch; empty at the end.
    mutating func next() -> PointBatch {
        guard let aggregate else { return cursor.next() }
        guard !done else { return PointBatch(type: type) }
        done = true
        var batch = cursor.next()
        guard let first = batch.times.first else { return PointBatch(type: type) }
        var result = PointBatch(type: type)
        result.times = [first]
        switch aggregate {
        case .count:
            var n: Int64 = 0
            while !batch.isEmpty {
                n &+= Int64(batch.count)
                batch = cursor.next()
            }
            result.integers = [n]
        case .sum:
            var f = 0.0, i: Int64 = 0, u: UInt64 = 0
            while !batch.isEmpty {
                switch type {
                case .float: for v in batch.floats { f += v }
                case .integer: for v in batch.integers { i &+= v }
                case .unsigned: for v in batch.unsigneds { u &+= v }
                case .string, .boolean: break
                }
                batch = cursor.next()
            }
            result.floats = type == .float ? [f] : []
            result.integers = type == .integer ? [i] : []
            result.unsigneds = type == .unsigned ? [u] : []
        }
        return result
    }
}
