import Dispatch
import Synchronization

/// Blocking work spread over Dispatch's threads (one per core), for start-up, where a
/// restart opens many files or partitions that do not depend on one another.
public enum Parallel {
    /// `body(i)` for every `i` in `0..<count`, concurrently; each outcome in index order.
    /// Blocks the calling thread: call it off the cooperative pool and the event loops.
    public static func results<T: Sendable, E: Error>(_ count: Int, _ body: @Sendable (Int) throws(E) -> T) -> [Result<T, E>] {
        let outcomes = Mutex([Result<T, E>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let outcome: Result<T, E>
            do throws(E) { outcome = .success(try body(i)) } catch { outcome = .failure(error) }
            outcomes.withLock { $0[i] = outcome }
        }
        return outcomes.withLock { $0 }.map { $0! }
    }
}
