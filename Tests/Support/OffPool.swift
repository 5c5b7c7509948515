import Dispatch

/// Runs blocking work (waiting for a process to exit, reading its output to the end) on a
/// Dispatch thread, so that tests running side by side keep the cooperative pool's few
/// threads (two on the CI machine) for their own work.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
