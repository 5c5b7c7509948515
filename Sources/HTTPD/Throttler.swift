import Foundation
import Synchronization

/// 1.x's write throttler (`max-concurrent-write-limit`, `max-enqueued-write-limit`,
/// `enqueued-write-timeout`): at most `concurrent` writes run; up to `concurrent + enqueued`
/// may be in the building, the rest are refused at once; a queued write waits at most
/// `timeout`. A zero concurrency limit disables it.
final class Throttler: Sendable {
    let concurrent: Int
    let capacity: Int
    let timeoutNanoseconds: Int64
    private let state = Mutex<(running: Int, admitted: Int)>((0, 0))

    init(concurrent: Int, enqueued: Int, timeoutNanoseconds: Int64) {
        self.concurrent = concurrent
        self.capacity = concurrent + max(enqueued, 0)
        self.timeoutNanoseconds = timeoutNanoseconds
    }

    enum Refusal: Equatable {
        case queueFull, timeout

        var text: String {
            switch self {
            case .queueFull: "request throttled, queue full"
            case .timeout: "request throttled, exceeds timeout"
            }
        }
    }

    /// Runs `body` under the limits, or says why it may not run.
    func run<T: Sendable>(_ body: () async -> T) async -> Result<T, RefusalError> {
        guard concurrent > 0 else { return .success(await body()) }
        let queued = capacity > concurrent
        if queued {
            let admitted = state.withLock { s -> Bool in
                guard s.admitted < capacity else { return false }
                s.admitted += 1
                return true
            }
            guard admitted else { return .failure(RefusalError(refusal: .queueFull)) }
        }
        defer { if queued { state.withLock { $0.admitted -= 1 } } }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(timeoutNanoseconds, 0))
        while !state.withLock({ s -> Bool in
            guard s.running < concurrent else { return false }
            s.running += 1
            return true
        }) {
            if timeoutNanoseconds > 0 && DispatchTime.now().uptimeNanoseconds >= deadline {
                return .failure(RefusalError(refusal: .timeout))
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
        defer { state.withLock { $0.running -= 1 } }
        return .success(await body())
    }

    struct RefusalError: Error, Equatable { let refusal: Refusal }
}
