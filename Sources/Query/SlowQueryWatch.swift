import Synchronization
import GoText

/// `log-queries-after`: 1.x's task manager starts a timer per query and logs "Detected slow
/// query" when it fires while the query runs. Here a task sleeps the threshold; and because a
/// busy machine may run that task late, a query that finishes past the threshold without
/// having been reported is reported as it ends — once either way.
final class SlowQueryWatch: Sendable {
    private let reported = Atomic<Bool>(false)
    private let started = ContinuousClock.now
    private let threshold: Int64
    private let report: @Sendable () -> Void
    private let timer = Mutex<Task<Void, Never>?>(nil)

    init(threshold: Int64, report: @escaping @Sendable () -> Void) {
        self.threshold = threshold
        self.report = report
        let task = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(threshold))
            guard !Task.isCancelled else { return }
            self?.fire()
        }
        timer.withLock { $0 = task }
    }

    private func fire() {
        if !reported.exchange(true, ordering: .relaxed) { report() }
    }

    /// The query ended: no more reports, unless it ran past the threshold unreported.
    func end() {
        timer.withLock { $0?.cancel() }
        if (ContinuousClock.now - started).nanosecondCount >= threshold { fire() }
    }
}
