import Coordinator
import LineProtocol
import Synchronization

/// The write path into the service: the points writer hands it every accepted write, and it
/// queues the write in each running subscription of that database and retention policy. A
/// subscription whose buffer is full drops the write and counts it, as 1.x does: a write is
/// never held up by a slow destination.
final class WriteRouter: WriteSubscriber {
    /// The running subscriptions by route, replaced whole when they change; the lock is held
    /// only to look one up or swap the table.
    private let routes = Mutex<[Route: [Subscription]]>([:])
    let counters: ServiceCounters

    init(counters: ServiceCounters) {
        self.counters = counters
    }

    func pointsWritten(database: String, retentionPolicy: String, points: [Point]) {
        let route = Route(database: database, retentionPolicy: retentionPolicy)
        guard let subscriptions = routes.withLock({ $0[route] }) else { return }
        let batch = WriteBatch(database: database, retentionPolicy: retentionPolicy, points: points)
        for subscription in subscriptions where !subscription.offer(batch) {
            counters.writeFailures.add(1, ordering: .relaxed)
        }
    }

    /// Routes writes to `subscriptions` from now on.
    func publish(_ subscriptions: some Sequence<Subscription>) {
        var table: [Route: [Subscription]] = [:]
        for subscription in subscriptions {
            table[Route(database: subscription.key.database, retentionPolicy: subscription.key.retentionPolicy), default: []].append(subscription)
        }
        // The old table is released after the lock, not under it.
        routes.withLock { swap(&$0, &table) }
    }
}
