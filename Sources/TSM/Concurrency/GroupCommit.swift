/// Group commit: many threads wait for what they wrote to become durable, and one of them at a
/// time (the leader) makes durable everything written so far — one fsync (or one file
/// rewrite) for every writer waiting on it.
///
/// Positions are monotonic (WAL bytes, a version counter). A leader's `flush` reports the
/// position it made durable; a writer whose position is still beyond it (an earlier write is
/// not complete yet) waits for ``advanced()`` rather than flushing again to no effect.
public final class GroupCommit<Failure: Error>: Sendable {
    struct State {
        var durable: UInt64
        var flushing = false
        /// Bumped whenever more becomes flushable.
        var progress: UInt64 = 0
        /// The highest position anyone has waited for: a failed flush fails every waiter up to it.
        var highestWaited: UInt64 = 0
        var failure: (upTo: UInt64, error: Failure)?
    }

    private let monitor: ConditionMonitor<State>

    /// What a waiter does next.
    enum Step {
        case done
        case failed(Failure)
        case lead(progress: UInt64)
    }

    /// Everything up to `durable` is already durable.
    public init(durable: UInt64 = 0) {
        monitor = ConditionMonitor(State(durable: durable))
    }

    /// The position known to be durable.
    public var durable: UInt64 { monitor.withLock { $0.durable } }

    /// Records that everything up to `position` is durable (what was on disk at open).
    public func markDurable(_ position: UInt64) {
        monitor.update { $0.durable = max($0.durable, position) }
    }

    /// Says that more has become flushable (a write completed), waking writers waiting for it.
    public func advanced() {
        monitor.update { $0.progress &+= 1 }
    }

    /// Returns once everything up to `position` is durable. If no flush is running, this thread
    /// runs `flush`, which returns the position it made durable; otherwise it waits for the
    /// running flush and looks again. A failed flush throws its error to every writer waiting
    /// at the time.
    public func waitDurable(_ position: UInt64, flush: () throws(Failure) -> UInt64) throws(Failure) {
        var fruitless: UInt64?
        while true {
            let step = monitor.wait { (s: inout State) -> Step? in
                s.highestWaited = max(s.highestWaited, position)
                if s.durable >= position { return .done }
                if let f = s.failure, f.upTo >= position { return .failed(f.error) }
                if s.flushing || fruitless == s.progress { return nil }
                s.flushing = true
                return .lead(progress: s.progress)
            }
            switch step {
            case .done:
                return
            case .failed(let error):
                throw error
            case .lead(let progress):
                do throws(Failure) {
                    let reached = try flush()
                    monitor.update { s in
                        s.flushing = false
                        s.durable = max(s.durable, reached)
                    }
                    fruitless = reached < position ? progress : nil
                } catch {
                    monitor.update { s in
                        s.flushing = false
                        s.failure = (s.highestWaited, error)
                    }
                    throw error
                }
            }
        }
    }
}
