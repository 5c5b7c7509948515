import InputSupport
import Synchronization

/// The collectd input's counters, under 1.x's statistic names (measurement `collectd`, tag
/// `bind`), for the monitor.
public final class CollectdStatistics: Sendable {
    let pointsReceived = Atomic<Int64>(0)
    let bytesReceived = Atomic<Int64>(0)
    let pointsParseFail = Atomic<Int64>(0)
    let readFail = Atomic<Int64>(0)
    /// `batchesTx`, `pointsTx`, `batchesTxFail`.
    public let batches = BatchCounters()
    let droppedPointsInvalid = Atomic<Int64>(0)

    public init() {}

    /// `pointsRx`, `bytesRx`, `pointsParseFail`, `readFail`, `batchesTx`, `pointsTx`,
    /// `batchesTxFail`, `droppedPointsInvalid`, in 1.x's order.
    public var values: [(name: String, value: Int64)] {
        [("pointsRx", pointsReceived.load(ordering: .relaxed)),
         ("bytesRx", bytesReceived.load(ordering: .relaxed)),
         ("pointsParseFail", pointsParseFail.load(ordering: .relaxed)),
         ("readFail", readFail.load(ordering: .relaxed))]
            + batches.values + [("droppedPointsInvalid", droppedPointsInvalid.load(ordering: .relaxed))]
    }

    /// One counter by its 1.x name (0 for an unknown name).
    public subscript(name: String) -> Int64 { values.first { $0.name == name }?.value ?? 0 }
}
