import Coordinator
import Logging
import Meta
import TSDB

/// An input's batch counters, under 1.x's names `batchesTx`, `pointsTx`, `batchesTxFail`.
public protocol BatchStatistics: Sendable {
    func batchWritten(points: Int)
    func batchFailed()
}

extension PointBatcher {
    /// 1.x's `processBatches`, shared by the inputs: each batch is written in turn to
    /// `database`/`retentionPolicy`. `prepare` makes the database first (1.x's
    /// `createInternalStorage`); while it fails, `notReady` logs why, the batch is dropped and
    /// it is tried again before the next one.
    public func writeBatches(database: String, retentionPolicy: String, pointsWriter: PointsWriter,
                             statistics: some BatchStatistics, logger: Logger,
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
                statistics.batchWritten(points: batch.count)
            } catch {
                logger.info("Failed to write point batch to database", metadata: ["db_instance": "\(database)", "error": "\(error)"])
                statistics.batchFailed()
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
