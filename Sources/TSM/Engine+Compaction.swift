import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Engine {
    /// Which plans a compaction turn may pick.
    enum CompactionScope {
        /// Levels 1 to 3 only (what follows a snapshot).
        case levels
        /// Levels 1 to 3, then a full compaction if the shard is cold, else an optimize plan:
        /// 1.x's once-a-second planning.
        case any(now: UInt64)
        /// Every file into one, now.
        case full
    }

    /// A planned compaction: its inputs (marked in use) and whether it is a full one.
    struct CompactionJob {
        var inputs: [TSMFile]
        var full: Bool
    }

    /// 1.x's once-a-second engine check, done on this thread: a cache cold for
    /// `cache-snapshot-write-cold-duration` is snapshotted, then every compaction that is due
    /// runs (a full one when the shard has been cold for `compact-full-write-cold-duration`).
    /// `now` is monotonic ns (tests pass their own).
    public func maintain(now: UInt64 = Engine.monotonicNow()) throws(EngineError) {
        if cache.liveSize > 0 && idle(now) >= config.cacheSnapshotWriteColdDuration { try snapshot() }
        while try compactOnce(.any(now: now), throttle: nil) {}
    }

    /// The same check for a scheduled engine: due work is handed to the scheduler, nothing
    /// runs on this thread. (Without a scheduler this is ``maintain(now:)``.)
    public func tick(now: UInt64 = Engine.monotonicNow()) throws(EngineError) {
        guard let scheduler else { return try maintain(now: now) }
        let live = cache.liveSize
        if live >= config.cacheSnapshotMemorySize || (live > 0 && idle(now) >= config.cacheSnapshotWriteColdDuration) {
            try snapshotDue()
        }
        scheduler.requestCompaction(self)
    }

    /// Runs 1.x's level plans (levels 1 to 3) until none is left; returns the number of
    /// compactions run.
    @discardableResult
    public func compactLevels() throws(EngineError) -> Int {
        var runs = 0
        while try compactOnce(.levels, throttle: nil) { runs += 1 }
        return runs
    }

    /// Merges every TSM file (tombstones applied) into one: 1.x's full compaction.
    public func compactFull() throws(EngineError) {
        _ = try compactOnce(.full, throttle: nil)
    }

    /// After a snapshot: the level compactions that became due, scheduled or run here.
    func compactionsDue() throws(EngineError) {
        if let scheduler {
            scheduler.requestCompaction(self)
        } else {
            try compactLevels()
        }
    }

    /// The scheduler's compaction turn: one planned compaction; whether it ran one.
    func compactOnce(throttle: Throttle) -> Bool {
        do throws(EngineError) {
            return try compactOnce(.any(now: Self.monotonicNow()), throttle: throttle)
        } catch {
            scheduler?.report("compaction in \(path) failed: \(error)")
            return false
        }
    }

    /// Plans and runs one compaction in `scope`; false when none is due (or it gave way to a
    /// delete or a close).
    func compactOnce(_ scope: CompactionScope, throttle: Throttle?) throws(EngineError) -> Bool {
        guard let job = planCompaction(scope) else { return false }
        defer {
            activity.update { a in
                a.compacting.subtract(job.inputs.map(\.path))
                a.compactions -= 1
            }
        }
        hooks.withLock { $0.compactionMerging }?()
        let outputs: [String]
        do throws(TSMFileError) {
            outputs = try Compactor.merge(job.inputs, into: path, maxFileSize: config.maxTSMFileSize,
                                          shouldStop: { self.stopping.load(ordering: .relaxed) > 0 }, throttle: throttle)
        } catch {
            if error == .compactionAborted { return false }
            throw .tsm(error)
        }
        var opened: [TSMFile] = []
        do throws(TSMFileError) {
            for output in outputs { opened.append(TSMFile(reader: try TSMReader(path: output))) }
        } catch {
            throw .tsm(error)
        }
        fileStore.replace(job.inputs, with: opened)
        // The outputs are durable before the inputs go; a crash in between leaves duplicates
        // that reads resolve (the output sorts after its inputs and holds the same points).
        for input in job.inputs {
            unlink(input.path)
            unlink(TombstoneFile.path(forTSM: input.path))
        }
        if job.full { compactedSinceWrite.store(true, ordering: .relaxed) }
        return true
    }

    /// Picks the next compaction of `scope` among files no other compaction reads and marks
    /// its inputs in use; nil when none is due or a delete or a close is under way.
    private func planCompaction(_ scope: CompactionScope) -> CompactionJob? {
        activity.withLock { a -> CompactionJob? in
            guard a.deleting == 0, !a.closed else { return nil }
            let files = fileStore.files
            let generations = Self.generations(files)
            let busy = a.compacting
            func free(_ plan: [TSMFileName]) -> Bool { !files.contains { busy.contains($0.path) && plan.contains($0.name) } }
            var chosen: [TSMFileName]?
            var full = false
            switch scope {
            case .full:
                guard busy.isEmpty, files.count > 1 || files.contains(where: \.hasTombstones) else { return nil }
                chosen = files.map(\.name)
                full = true
            case .levels, .any:
                for level in 1...3 {
                    if let plan = Compactor.planLevel(level, generations: generations).first(where: free) {
                        chosen = plan
                        break
                    }
                }
                guard chosen == nil, case .any(let now) = scope else { break }
                if !compactedSinceWrite.load(ordering: .relaxed) && cache.liveSize == 0
                    && idle(now) >= config.compactFullWriteColdDuration {
                    guard busy.isEmpty else { return nil }
                    if files.count > 1 || files.contains(where: \.hasTombstones) {
                        chosen = files.map(\.name)
                        full = true
                    } else {
                        compactedSinceWrite.store(true, ordering: .relaxed)
                    }
                } else {
                    chosen = Compactor.planOptimize(generations: generations).first(where: free)
                }
            }
            guard let chosen, !chosen.isEmpty else { return nil }
            let wanted = Set(chosen)
            let inputs = files.filter { wanted.contains($0.name) }
            guard !inputs.isEmpty else { return nil }
            a.compacting.formUnion(inputs.map(\.path))
            a.compactions += 1
            return CompactionJob(inputs: inputs, full: full)
        }
    }

    /// ns since the last write (by the monotonic `now`).
    func idle(_ now: UInt64) -> Int64 {
        Int64(clamping: now &- Swift.min(now, lastWrite.load(ordering: .relaxed)))
    }

    /// The files grouped by generation, for the planner.
    static func generations(_ files: [TSMFile]) -> [Compactor.Generation] {
        var byID: [Int: Compactor.Generation] = [:]
        for file in files {
            byID[file.name.generation, default: Compactor.Generation(id: file.name.generation, files: [], hasTombstones: false)].files.append(file.name)
            if file.hasTombstones { byID[file.name.generation]!.hasTombstones = true }
        }
        return byID.values.sorted { $0.id < $1.id }
    }
}
