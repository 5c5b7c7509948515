import Synchronization

/// The service-wide counters, updated from the write path and the workers.
final class ServiceCounters: Sendable {
    let createFailures = Atomic<Int64>(0)
    let pointsWritten = Atomic<Int64>(0)
    let writeFailures = Atomic<Int64>(0)
}
