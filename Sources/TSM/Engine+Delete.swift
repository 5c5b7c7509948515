import Synchronization
extension Engine {
    /// Deletes the points of `keys` with `min <= time <= max`: logged in the WAL (fsynced),
    /// removed from the cache, and recorded in the `.tombstone` file of every TSM file that
    /// holds one of the keys in that range.
    ///
    /// As in 1.x, a delete stops the shard's compactions (a running one gives up; its inputs
    /// stay) and waits for a running snapshot, so that no file being written misses it; both
    /// start again once the delete is done. Writes and reads go on throughout.
    public func deleteRange(keys: [[UInt8]], min: Int64, max: Int64) throws(EngineError) {
        stopping.add(1, ordering: .relaxed)
        activity.update { $0.deleting += 1 }
        defer {
            activity.update { $0.deleting -= 1 }
            stopping.subtract(1, ordering: .relaxed)
        }
        activity.wait { a in a.snapshotting || a.compactions > 0 ? nil : () }
        try deletes.withLock { (_) throws(EngineError) in
            do throws(WALError) { try wal.write(.deleteRange(keys: keys, min: min, max: max)) } catch { throw .wal(error) }
            cache.deleteRange(keys: keys, min: min, max: max)
            for file in fileStore.files where file.reader.maxTime >= min && file.reader.minTime <= max {
                let hit = keys.filter { key in file.reader.entries(for: key)?.entries.contains { $0.overlaps(min: min, max: max) } ?? false }
                do throws(TombstoneError) {
                    fileStore.tombstonesGrew(by: try file.addTombstones(hit.map { Tombstone(key: $0, min: min, max: max) }))
                } catch {
                    throw .tombstone(error)
                }
            }
        }
        scheduler?.requestCompaction(self)
    }
}
