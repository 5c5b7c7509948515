import InputSupport
import Synchronization

/// 1.x's Graphite statistics (measurement `graphite`, tags `proto` and `bind`).
public final class GraphiteStatistics: Sendable {
    let pointsReceived = Atomic<Int64>(0)
    let bytesReceived = Atomic<Int64>(0)
    let pointsParseFail = Atomic<Int64>(0)
    let pointsNaNFail = Atomic<Int64>(0)
    /// `batchesTx`, `pointsTx`, `batchesTxFail`.
    public let batches = BatchCounters()
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
        ] + batches.values + [
            ("connsActive", connectionsActive.load(ordering: .relaxed)),
            ("connsHandled", connectionsHandled.load(ordering: .relaxed)),
        ]
    }

    /// One value by its 1.x name (`pointsRx`, `batchesTx`, …); nil for an unknown name.
    public subscript(name: String) -> Int64? { values.first { $0.name == name }?.value }
}
