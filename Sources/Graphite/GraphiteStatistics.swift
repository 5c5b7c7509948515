import InputSupport
import Synchronization

/// 1.x's Graphite statistics (measurement `graphite`, tags `proto` and `bind`).
public final class GraphiteStatistics: Sendable {
    let pointsReceived = Atomic<Int64>(0)
    let bytesReceived = Atomic<Int64>(0)
    let pointsParseFail = Atomic<Int64>(0)
    let pointsNaNFail = Atomic<Int64>(0)
    let batchesTransmitted = Atomic<Int64>(0)
    let pointsTransmitted = Atomic<Int64>(0)
    let batchesTransmitFail = Atomic<Int64>(0)
    let connectionsActive = Atomic<Int64>(0)
    let connectionsHandled = Atomic<Int64>(0)

    init() {}

    /// The values under 1.x's names, in 1.x's order.
    public var values: [(name: String, value: Int64)] {
        [
            ("pointsRx", pointsReceived.load(ordering: .relaxed)),
            ("bytesRx", bytesReceived.load(ordering: .relaxed)),
            ("pointsParseFail", pointsParseFail.load(ordering: .relaxed)),
            ("pointsNaNFail", pointsNaNFail.load(ordering: .relaxed)),
            ("batchesTx", batchesTransmitted.load(ordering: .relaxed)),
            ("pointsTx", pointsTransmitted.load(ordering: .relaxed)),
            ("batchesTxFail", batchesTransmitFail.load(ordering: .relaxed)),
            ("connsActive", connectionsActive.load(ordering: .relaxed)),
            ("connsHandled", connectionsHandled.load(ordering: .relaxed)),
        ]
    }

    /// One value by its 1.x name (`pointsRx`, `batchesTx`, …); nil for an unknown name.
    public subscript(name: String) -> Int64? { values.first { $0.name == name }?.value }
}

extension GraphiteStatistics: BatchStatistics {
    public func batchWritten(points: Int) {
        batchesTransmitted.add(1, ordering: .relaxed)
        pointsTransmitted.add(Int64(points), ordering: .relaxed)
    }

    public func batchFailed() { batchesTransmitFail.add(1, ordering: .relaxed) }
}
