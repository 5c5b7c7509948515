import NIOCore
import NIOPosix
import Synchronization

/// Where the engines of a store do their background work: cache snapshots, and compactions —
/// at most `max-concurrent-compactions` at once across the store, throttled by
/// `compact-throughput` — on NIO thread pools of their own, never on a writer's or a
/// reader's thread and never under a lock that writers or readers take.
public final class EngineScheduler: Sendable {
    /// How many compactions may run at once.
    public let maxConcurrentCompactions: Int
    /// The compactions' shared write budget.
    public let throttle: Throttle
    private let snapshots: NIOThreadPool
    private let compactions: NIOThreadPool
    private let state = Mutex(State())
    /// Where background failures go (the server logs them).
    let report: @Sendable (String) -> Void

    struct State {
        /// Engines waiting for a compaction slot, oldest request first.
        var queue: [Engine] = []
        var running = 0
        var stopped = false
    }

    /// `maxConcurrentCompactions` 0 means 1.x's default: half the cores, at least one.
    /// `compactThroughput` 0 means unthrottled.
    public init(maxConcurrentCompactions: Int = 0, compactThroughput: Int = 48 << 20, compactThroughputBurst: Int = 48 << 20,
                report: @escaping @Sendable (String) -> Void = { _ in }) {
        let cores = System.coreCount
        self.maxConcurrentCompactions = maxConcurrentCompactions > 0 ? maxConcurrentCompactions : max(1, cores / 2)
        throttle = Throttle(rate: compactThroughput, burst: compactThroughputBurst)
        snapshots = NIOThreadPool(numberOfThreads: max(1, cores))
        compactions = NIOThreadPool(numberOfThreads: self.maxConcurrentCompactions)
        self.report = report
        snapshots.start()
        compactions.start()
    }

    /// Runs `engine`'s queued snapshot on the snapshot pool.
    func snapshot(_ engine: Engine) {
        snapshots.submit { state in
            guard state == .active else { return }
            engine.runQueuedSnapshot()
        }
    }

    /// Runs `work` (blocking file work that nothing waits for) on the snapshot pool.
    func background(_ work: @escaping @Sendable () -> Void) {
        snapshots.submit { state in
            guard state == .active else { return }
            work()
        }
    }

    /// Queues `engine` for compaction; it runs one planned compaction per turn and is queued
    /// again while it has more.
    func requestCompaction(_ engine: Engine) {
        state.withLock { s in
            if !s.stopped && !s.queue.contains(where: { $0 === engine }) { s.queue.append(engine) }
        }
        // Even when the engine was queued already: the slot that just freed must be filled.
        drain()
    }

    private func drain() {
        while let engine = state.withLock({ s -> Engine? in
            guard !s.stopped, s.running < maxConcurrentCompactions, !s.queue.isEmpty else { return nil }
            s.running += 1
            return s.queue.removeFirst()
        }) {
            compactions.submit { [self] state in
                let more = state == .active && engine.compactOnce(throttle: throttle)
                self.state.withLock { $0.running -= 1 }
                if more { requestCompaction(engine) } else { drain() }
            }
        }
    }

    /// Stops taking work and waits for what runs to finish (the engines must be closed first,
    /// which makes their compactions stop early).
    public func shutdown() {
        state.withLock { $0.stopped = true }
        try? snapshots.syncShutdownGracefully()
        try? compactions.syncShutdownGracefully()
    }
}
