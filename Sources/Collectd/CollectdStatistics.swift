import InputSupport
import Synchronization

/// The collectd input's counters, under 1.x's statistic names (measurement `collectd`, tag
/// `bind`), for the monitor.
public final class CollectdStatistics: Sendable {
    let pointsReceived = Atomic<Int64>(0)
    let bytesReceived = Atomic<Int64>(0)
    let pointsParseFail = Atomic<Int64>(0)
    let readFail = Atomic<Int64>(0)
    let batchesTransmitted = Atomic<Int64>(0)
    let pointsTransmitted = Atomic<Int64>(0)
    let batchesTransmitFail = Atomic<Int64>(0)
    let droppedPointsInvalid = Atomic<Int64>(0)

    public init() {}

    /// `pointsRx`, `bytesRx`, `pointsParseFail`, `readFail`, `batchesTx`, `pointsTx`,
    /// `batchesTxFail`, `droppedPointsInvalid`, in 1.x's order.
    public var values: [(name: String, value: Int64)] {
        [("pointsRx", pointsReceived.load(ordering: .relaxed)),
         ("bytesRx", bytesReceived.load(ordering: .relaxed)),
         ("pointsParseFail", pointsParseFail.load(ordering: .relaxed)),
         ("readFail", readFail.load(ordering: .relaxed)),
         ("batchesTx", batchesTransmitted.load(ordering: .relaxed)),
         ("pointsTx", pointsTransmitted.load(ordering: .relaxed)),
         ("batchesTxFail", batchesTransmitFail.load(ordering: .relaxed)),
         ("droppedPointsInvalid", droppedPointsInvalid.load(ordering: .relaxed))]
    }

    /// One counter by its 1.x name (0 for an unknown name).
    public subscript(name: String) -> Int64 { values.first { $0.name == name }?.value ?? 0 }
}

extension CollectdStatistics: BatchStatistics {
    public func batchWritten(points: Int) {
        batchesTransmitted.add(1, ordering: .relaxed)
        pointsTransmitted.add(Int64(points), ordering: .relaxed)
    }

    public func batchFailed() { batchesTransmitFail.add(1, ordering: .relaxed) }
}
