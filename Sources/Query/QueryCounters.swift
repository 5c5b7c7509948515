import LineProtocol
import Synchronization
import GoText

/// 1.x's `queryExecutor` statistics: queries running now, started, finished, and the wall
/// time spent in them. A query counts once however many statements it holds, refused or not.
final class QueryCounters: Sendable {
    private let active = Atomic<Int64>(0)
    private let executed = Atomic<Int64>(0)
    private let finished = Atomic<Int64>(0)
    private let duration = Atomic<Int64>(0)

    func began() -> ContinuousClock.Instant {
        active.add(1, ordering: .relaxed)
        executed.add(1, ordering: .relaxed)
        return .now
    }

    func finished(since start: ContinuousClock.Instant) {
        active.subtract(1, ordering: .relaxed)
        finished.add(1, ordering: .relaxed)
        duration.add((ContinuousClock.now - start).nanosecondCount, ordering: .relaxed)
    }

    var statistic: Statistic {
        Statistic(name: "queryExecutor", values: [
            "queriesActive": .integer(active.load(ordering: .relaxed)),
            "queriesExecuted": .integer(executed.load(ordering: .relaxed)),
            "queriesFinished": .integer(finished.load(ordering: .relaxed)),
            "queryDurationNs": .integer(duration.load(ordering: .relaxed)),
            // Swift has no panics to recover: a trap ends the process.
            "recoveredPanics": 0,
        ])
    }
}

extension QueryExecutor: StatisticsReporter {
    public func statistics(tags: [String: String]) -> [Statistic] {
        [counters.statistic.adding(tags: tags)]
    }
}
