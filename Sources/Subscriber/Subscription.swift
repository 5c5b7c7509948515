import Logging
import Synchronization

/// How a subscription spreads its writes over its destinations (`DESTINATIONS ALL|ANY`).
enum BalanceMode: String, Sendable {
    /// Every write to every destination, one after the other, in the order they were given.
    case all = "ALL"
    /// Each write to one destination, round robin; a destination that fails passes the write
    /// on to the next, until one takes it or all have failed.
    case any = "ANY"
}

/// One destination of a subscription, with its counters.
final class Destination: Sendable {
    /// The URL as stored in meta.
    let url: String
    let writer: any DestinationWriter
    let pointsWritten = Atomic<Int64>(0)
    let writeFailures = Atomic<Int64>(0)

    init(url: String, writer: any DestinationWriter) {
        self.url = url
        self.writer = writer
    }
}

/// A running subscription (1.x's `chanWriter` over a `balancewriter`): a buffer of
/// `write-buffer-size` writes and up to `write-concurrency` of them in flight at once.
final class Subscription: Sendable {
    let key: SubscriptionKey
    let mode: BalanceMode
    let destinations: [Destination]
    private let concurrency: Int
    private let counters: ServiceCounters
    private let logger: Logger
    private let queue: AsyncStream<WriteBatch>
    private let intake: AsyncStream<WriteBatch>.Continuation
    /// ANY's round-robin position, advanced by every attempt (so a failed attempt moves on).
    private let cursor = Atomic<Int>(0)

    init(key: SubscriptionKey, mode: BalanceMode, destinations: [Destination], settings: SubscriberSettings,
         counters: ServiceCounters, logger: Logger) {
        self.key = key
        self.mode = mode
        self.destinations = destinations
        self.concurrency = max(1, settings.writeConcurrency)
        self.counters = counters
        self.logger = logger
        // The oldest writes are kept and new ones refused when full, as a full Go channel does.
        let buffer = AsyncStream.makeStream(of: WriteBatch.self, bufferingPolicy: .bufferingOldest(max(1, settings.writeBufferSize)))
        queue = buffer.stream
        intake = buffer.continuation
    }

    /// Queues `batch` without waiting; false when the buffer is full (or the subscription
    /// closed) and the write is dropped.
    func offer(_ batch: WriteBatch) -> Bool {
        if case .enqueued = intake.yield(batch) { return true }
        return false
    }

    /// No more writes: the buffered ones are still sent, then ``run()`` returns.
    func close() {
        intake.finish()
    }

    /// Sends the buffered writes, `write-concurrency` at a time, until closed (then the rest
    /// of the buffer is sent, as 1.x's workers drain their channel) or cancelled; then closes
    /// the destinations.
    func run() async {
        await withDiscardingTaskGroup { group in
            // A slot is taken before a write leaves the buffer, so that the buffer and the
            // writes in flight hold at most `write-buffer-size` + `write-concurrency`.
            let slots = AsyncStream.makeStream(of: Void.self)
            for _ in 0..<concurrency { slots.continuation.yield() }
            var freed = slots.stream.makeAsyncIterator()
            var batches = queue.makeAsyncIterator()
            while await freed.next() != nil, let batch = await batches.next() {
                group.addTask {
                    await self.deliver(batch)
                    slots.continuation.yield()
                }
            }
        }
        for destination in destinations { await destination.writer.close() }
    }

    /// One write, spread as the mode says; logged and counted as 1.x's `chanWriter.Run`.
    func deliver(_ batch: WriteBatch) async {
        let count = Int64(batch.points.count)
        var lastError: (any Error)?
        for attempt in 0..<destinations.count {
            let index = switch mode {
            case .all: attempt
            case .any: Int(UInt(bitPattern: cursor.wrappingAdd(1, ordering: .relaxed).oldValue) % UInt(destinations.count))
            }
            let destination = destinations[index]
            do {
                try await destination.writer.write(batch)
                destination.pointsWritten.add(count, ordering: .relaxed)
                // As 1.x: an ANY write that another destination failed first still counts as
                // failed for the subscription, though it was delivered.
                if mode == .any { break }
            } catch {
                destination.writeFailures.add(1, ordering: .relaxed)
                lastError = error
            }
        }
        if let lastError {
            logger.info("\(lastError)")
            counters.writeFailures.add(1, ordering: .relaxed)
        } else {
            counters.pointsWritten.add(count, ordering: .relaxed)
        }
    }

    /// This subscription's entries in the statistics.
    var statistics: [DestinationStatistics] {
        destinations.map {
            DestinationStatistics(database: key.database, retentionPolicy: key.retentionPolicy, name: key.name, mode: mode.rawValue,
                                  destination: $0.url, pointsWritten: $0.pointsWritten.load(ordering: .relaxed),
                                  writeFailures: $0.writeFailures.load(ordering: .relaxed))
        }
    }
}
