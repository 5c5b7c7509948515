import Coordinator
import Logging
import Meta
import Synchronization
import TSDB

/// An input's batch counters, under 1.x's names `batchesTx`, `pointsTx`, `batchesTxFail`:
/// every input counts its writes the same way.
public final class BatchCounters: Sendable {
    private let batches = Atomic<Int64>(0)
    private let points = Atomic<Int64>(0)
    private let failures = Atomic<Int64>(0)

    public init() {}

    func written(points count: Int) {
        batches.add(1, ordering: .relaxed)
        points.add(Int64(count), ordering: .relaxed)
    }

    func failed() { failures.add(1, ordering: .relaxed) }

    /// `batchesTx`, `pointsTx`, `batchesTxFail`, in 1.x's order.
    public var values: [(name: String, value: Int64)] {
        [("batchesTx", batches.load(ordering: .relaxed)), ("pointsTx", points.load(ordering: .relaxed)),
         ("batchesTxFail", failures.load(ordering: .relaxed))]
    }
}

extension PointBatcher {
    /// 1.x's `processBatches`, shared by the inputs: each batch is written in turn to
    /// `database`/`retentionPolicy`. `prepare` makes the database first (1.x's
    /// `createInternalStorage`); while it fails, `notReady` logs why, the batch is dropped and
    /// it is tried again before the next one.
    public func writeBatches(database: String, retentionPolicy: String, pointsWriter: PointsWriter,
                             counters: BatchCounters, logger: Logger,
                             prepare: @Sendable () async throws(MetaError) -> Void,
                             notReady: @Sendable (MetaError) -> Void) async {
        var ready = false
        for await batch in batches {
            if !ready {
                do throws(MetaError) {
                    try await prepare()
                    ready = true
                } catch {
                    notReady(error)
                    continue
                }
            }
            do throws(WriteError) {
                try await pointsWriter.writePoints(database: database, retentionPolicy: retentionPolicy, points: batch)
                counters.written(points: batch.count)
            } catch {
                logger.info("Failed to write point batch to database", metadata: ["db_instance": "\(database)", "error": "\(error)"])
                counters.failed()
            }
        }
    }

    /// Waits until the batcher has room again (a datagram input's read loop, which cannot
    /// pause its channel the way ``add(_:from:)`` does).
    public func room() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            whenRoom { continuation.resume() }
        }
    }
}
