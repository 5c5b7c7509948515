import InputSupport
import Synchronization

/// 1.x's OpenTSDB statistics (measurement `opentsdb`, tag `bind`).
public final class OpenTSDBStatistics: Sendable {
    let httpConnectionsHandled = Atomic<Int64>(0)
    let telnetConnectionsActive = Atomic<Int64>(0)
    let telnetConnectionsHandled = Atomic<Int64>(0)
    let telnetPointsReceived = Atomic<Int64>(0)
    let telnetBytesReceived = Atomic<Int64>(0)
    let telnetReadError = Atomic<Int64>(0)
    let telnetBadLine = Atomic<Int64>(0)
    let telnetBadTime = Atomic<Int64>(0)
    let telnetBadTag = Atomic<Int64>(0)
    let telnetBadFloat = Atomic<Int64>(0)
    /// `batchesTx`, `pointsTx`, `batchesTxFail`.
    public let batches = BatchCounters()
    let connectionsActive = Atomic<Int64>(0)
    let connectionsHandled = Atomic<Int64>(0)
    let droppedPointsInvalid = Atomic<Int64>(0)

    init() {}

    /// The values under 1.x's names, in 1.x's order.
    public var values: [(name: String, value: Int64)] {
        [
            ("httpConnsHandled", httpConnectionsHandled.load(ordering: .relaxed)),
            ("tlConnsActive", telnetConnectionsActive.load(ordering: .relaxed)),
            ("tlConnsHandled", telnetConnectionsHandled.load(ordering: .relaxed)),
            ("tlPointsRx", telnetPointsReceived.load(ordering: .relaxed)),
            ("tlBytesRx", telnetBytesReceived.load(ordering: .relaxed)),
            ("tlReadErr", telnetReadError.load(ordering: .relaxed)),
            ("tlBadLine", telnetBadLine.load(ordering: .relaxed)),
            ("tlBadTime", telnetBadTime.load(ordering: .relaxed)),
            ("tlBadTag", telnetBadTag.load(ordering: .relaxed)),
            ("tlBadFloat", telnetBadFloat.load(ordering: .relaxed)),
        ] + batches.values + [
            ("connsActive", connectionsActive.load(ordering: .relaxed)),
            ("connsHandled", connectionsHandled.load(ordering: .relaxed)),
            ("droppedPointsInvalid", droppedPointsInvalid.load(ordering: .relaxed)),
        ]
    }

    /// One value by its 1.x name (`tlPointsRx`, `batchesTx`, …); nil for an unknown name.
    public subscript(name: String) -> Int64? { values.first { $0.name == name }?.value }
}
