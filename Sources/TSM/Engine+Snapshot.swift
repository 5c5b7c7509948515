import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Engine {
    /// Writes the cache to a new TSM file now (a shutdown, a cold shard, tests), after any
    /// snapshot already running; then runs the compactions that became due (or schedules them).
    public func snapshot() throws(EngineError) {
        guard claimSnapshot(waiting: true) else { return }
        try snapshotClaimed()
    }

    /// The live cache reached `cache-snapshot-memory-size`: snapshot it in the background, or
    /// now on this thread when the engine has no scheduler (unless one is running already).
    func snapshotDue() throws(EngineError) {
        guard let scheduler else {
            if claimSnapshot(waiting: false) { try snapshotClaimed() }
            return
        }
        let queue = activity.withLock { a -> Bool in
            guard !a.snapshotQueued, !a.snapshotting, !a.closed else { return false }
            a.snapshotQueued = true
            return true
        }
        if queue { scheduler.snapshot(self) }
    }

    /// The scheduler's snapshot job.
    func runQueuedSnapshot() {
        activity.withLock { $0.snapshotQueued = false }
        guard claimSnapshot(waiting: false) else { return }
        do throws(EngineError) {
            try snapshotClaimed()
        } catch {
            scheduler?.report("cache snapshot of \(path) failed: \(error)")
        }
    }

    /// Takes the one snapshot slot unless the engine is closed, a snapshot runs or a delete
    /// does (waiting for those to end when `waiting`).
    private func claimSnapshot(waiting: Bool) -> Bool {
        activity.wait { a -> Bool? in
            if a.closed { return false }
            if a.snapshotting || a.deleting > 0 { return waiting ? nil : false }
            a.snapshotting = true
            return true
        }
    }

    /// Writes the snapshot whose slot this thread holds, releases the slot, then runs or
    /// schedules the compactions that became due.
    private func snapshotClaimed() throws(EngineError) {
        // 1.x's cache compaction statistics: a snapshot that wrote a file (or failed to) counts,
        // one of an empty cache does not (1.x never snapshots an empty cache in the background).
        let stats = counters.cache
        stats.active.add(1, ordering: .relaxed)
        let started = Self.monotonicNow()
        func finished(ok: Bool) {
            let elapsed = Int64(clamping: Self.monotonicNow() &- started)
            stats.durationNs.add(elapsed, ordering: .relaxed)
            cache.counters.compactionTimeMs.add(elapsed / 1_000_000, ordering: .relaxed)
            if ok { stats.runs.add(1, ordering: .relaxed) } else { stats.errors.add(1, ordering: .relaxed) }
        }
        do throws(EngineError) {
            if try writeSnapshot() { finished(ok: true) }
        } catch {
            finished(ok: false)
            stats.active.subtract(1, ordering: .relaxed)
            activity.update { $0.snapshotting = false }
            throw error
        }
        stats.active.subtract(1, ordering: .relaxed)
        activity.update { $0.snapshotting = false }
        try compactionsDue()
    }

    /// The snapshot itself: the WAL moves to a new segment, then the cache's live store is
    /// set aside (in that order: every point in the closed segments is in the snapshot or in a
    /// TSM file), the snapshot is written to the next generation's level-1 file with no lock
    /// held, the file is published, the snapshot dropped and the closed segments removed. Reads
    /// see the snapshot's points in the cache until the file is published, and in the file after.
    /// A failed write puts the snapshot back into the cache and keeps the segments. Returns
    /// whether the cache held anything (a file was written).
    @discardableResult
    func writeSnapshot() throws(EngineError) -> Bool {
        let segments: [Int]
        do throws(WALError) { segments = try wal.rollForSnapshot() } catch { throw .wal(error) }
        let taken: [(key: [UInt8], values: WALValues)]
        do throws(CacheError) { taken = try cache.snapshot() } catch { throw .cache(error) }
        guard !taken.isEmpty else {
            cache.clearSnapshot(written: true)
            wal.remove(segments: segments)
            return false
        }
        hooks.withLock { $0.snapshotWriting }?()
        let final = path + "/" + Self.fileName(generation: generation.add(1, ordering: .relaxed).newValue, sequence: 1)
        let temporary = final + ".tmp"
        do throws(TSMFileError) {
            var writer = try TSMWriter(path: temporary)
            for (key, values) in taken { try writer.write(key: key, values: values) }
            try writer.finish()
            guard rename(temporary, final) == 0 else { throw TSMFileError.io("rename", path: temporary, errno: errno) }
            Self.syncDirectory(path)
            let reader = try TSMReader(path: final)
            // A large cache's snapshot holds hundreds of thousands of keys: without its
            // key-offsets file a restart before the next compaction would walk its index.
            writeKeyOffsetsFile(of: reader)
            fileStore.replace([], with: [TSMFile(reader: reader)])
        } catch {
            unlink(temporary)
            cache.clearSnapshot(written: false)
            throw .tsm(error)
        }
        cache.clearSnapshot(written: true)
        wal.remove(segments: segments)
        return true
    }
}
