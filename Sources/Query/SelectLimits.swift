import Foundation
import Synchronization

/// `[coordinator]` `max-select-point`, `max-select-series`, `max-select-buckets` and
/// Sundial's `max-query-memory` in bytes (0 = no limit).
public struct SelectLimits: Sendable {
    public var maxPoints = 0
    public var maxSeries = 0
    public var maxBuckets = 0
    public var maxMemory = 0

    public init(maxPoints: Int = 0, maxSeries: Int = 0, maxBuckets: Int = 0, maxMemory: Int = 0) {
        self.maxPoints = maxPoints
        self.maxSeries = maxSeries
        self.maxBuckets = maxBuckets
        self.maxMemory = maxMemory
    }

    /// 1.x's bucket check when the statement is prepared: GROUP BY time over a bounded range.
    func checkBuckets(interval: Int64, offset: Int64, range: (min: Int64, max: Int64)) throws(StatementError) {
        guard maxBuckets > 0, interval > 0, range.min != .min else { return }
        let first = AggregateSelect.truncate(range.min, interval, offset)
        let last = AggregateSelect.truncate(range.max &- 1, interval, offset)
        let buckets = (last &- first &+ interval) / interval
        if buckets > Int64(maxBuckets) { throw StatementError("max-select-buckets limit exceeded: (\(buckets)/\(maxBuckets))") }
    }

    /// 1.x counts the series of each shard's iterator for a measurement.
    func checkSeries(_ n: Int) throws(StatementError) {
        if maxSeries > 0 && n > maxSeries { throw StatementError("max-select-series limit exceeded: (\(n)/\(maxSeries))") }
    }
}

/// Points a SELECT has read, for `max-select-point`. 1.x's monitor looks once a second, so a
/// query stops only after it has run that long with the count past the limit.
final class PointCounter: Sendable {
    private let points = Atomic<Int>(0)
    let started: Date

    init(started: Date = Date()) { self.started = started }

    func add(_ n: Int) { points.add(n, ordering: .relaxed) }

    var count: Int { points.load(ordering: .relaxed) }

    func exceeded(_ limit: Int) -> String? {
        guard limit > 0, Date().timeIntervalSince(started) >= 1 else { return nil }
        let n = count
        return n >= limit ? "max-select-point limit exceeed: (\(n)/\(limit))" : nil
    }
}
