#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A token bucket over bytes: 1.8's `compact-throughput` (rate, bytes/s) and
/// `compact-throughput-burst` (bucket size) shared by every compaction of the store. A
/// compaction writing a block takes its bytes and sleeps, with no lock held, when the bucket is
/// empty.
public final class Throttle: Sendable {
    public let rate: Int
    public let burst: Int
    private let state: Mutex<(tokens: Double, stamp: UInt64)>

    /// `rate` 0 = unlimited.
    public init(rate: Int, burst: Int) {
        self.rate = rate
        self.burst = max(burst, rate, 1)
        state = Mutex((Double(max(burst, rate, 1)), Engine.monotonicNow()))
    }

    /// Takes `bytes` from the bucket, sleeping until they are there.
    public func consume(_ bytes: Int) {
        guard rate > 0, bytes > 0 else { return }
        let wait: Double = state.withLock { s in
            let now = Engine.monotonicNow()
            let refill = Double(now &- s.stamp) / 1e9 * Double(rate)
            s.tokens = min(Double(burst), s.tokens + refill)
            s.stamp = now
            s.tokens -= Double(bytes)
            return s.tokens >= 0 ? 0 : -s.tokens / Double(rate)
        }
        guard wait > 0 else { return }
        var pause = timespec(tv_sec: Int(wait), tv_nsec: Int((wait - wait.rounded(.down)) * 1e9))
        nanosleep(&pause, nil)
    }
}
