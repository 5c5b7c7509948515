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

    /// A planned compaction: its inputs (marked in use) and which kind it is.
    struct CompactionJob {
        var inputs: [TSMFile]
        var kind: CompactionKind
        var full: Bool { kind == .full }
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
        // 1.x's statistics of the job's kind: running while merging, its wall time added
        // whatever the outcome, a success or an error counted (a compaction that gives way to a
        // delete or a close is neither, as 1.x's aborted ones).
        let stats = counters.compactions(job.kind)
        stats.active.add(1, ordering: .relaxed)
        let started = Self.monotonicNow()
        defer {
            stats.durationNs.add(Int64(clamping: Self.monotonicNow() &- started), ordering: .relaxed)
            stats.active.subtract(1, ordering: .relaxed)
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
            stats.errors.add(1, ordering: .relaxed)
            throw .tsm(error)
        }
        var opened: [TSMFile] = []
        do throws(TSMFileError) {
            for output in outputs {
                let reader = try TSMReader(path: output)
                // Here, off every lock: the next restart maps the output's key offsets.
                writeKeyOffsetsFile(of: reader)
                opened.append(TSMFile(reader: reader))
            }
        } catch {
            stats.errors.add(1, ordering: .relaxed)
            throw .tsm(error)
        }
        fileStore.replace(job.inputs, with: opened)
        // The outputs are durable before the inputs go; a crash in between leaves duplicates
        // that reads resolve (the output sorts after its inputs and holds the same points).
        for input in job.inputs {
            unlink(input.path)
            unlink(TombstoneFile.path(forTSM: input.path))
            unlink(TSMKeyOffsetsFile.path(forTSM: input.path))
        }
        if job.full { compactedSinceWrite.store(true, ordering: .relaxed) }
        stats.runs.add(1, ordering: .relaxed)
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
            var kind = CompactionKind.full
            switch scope {
            case .full:
                guard busy.isEmpty, files.count > 1 || files.contains(where: \.hasTombstones) else { return nil }
                chosen = files.map(\.name)
            case .levels, .any:
                // Every level is planned (not only up to the first with work): the plans not
                // yet running are the levels' queue statistics, as 1.x's once-a-second planning
                // sets them.
                let levelPlans = (1...3).map { Compactor.planLevel($0, generations: generations).filter(free) }
                for (i, plans) in levelPlans.enumerated() {
                    counters.levels[i].queue.store(Int64(plans.count), ordering: .relaxed)
                    if chosen == nil, let plan = plans.first {
                        chosen = plan
                        kind = .level(i + 1)
                    }
                }
                guard case .any(let now) = scope else { break }
                let cold = !compactedSinceWrite.load(ordering: .relaxed) && cache.liveSize == 0
                    && idle(now) >= config.compactFullWriteColdDuration
                let fullDue = cold && (files.count > 1 || files.contains(where: \.hasTombstones))
                let optimizePlans = cold ? [] : Compactor.planOptimize(generations: generations).filter(free)
                counters.full.queue.store(fullDue && busy.isEmpty ? 1 : 0, ordering: .relaxed)
                counters.optimize.queue.store(Int64(optimizePlans.count), ordering: .relaxed)
                guard chosen == nil else { break }
                if cold {
                    guard busy.isEmpty else { return nil }
                    if fullDue {
                        chosen = files.map(\.name)
                        kind = .full
                    } else {
                        compactedSinceWrite.store(true, ordering: .relaxed)
                    }
                } else if let plan = optimizePlans.first {
                    chosen = plan
                    kind = .optimize
                }
            }
            guard let chosen, !chosen.isEmpty else { return nil }
            let wanted = Set(chosen)
            let inputs = files.filter { wanted.contains($0.name) }
            guard !inputs.isEmpty else { return nil }
            a.compacting.formUnion(inputs.map(\.path))
            a.compactions += 1
            return CompactionJob(inputs: inputs, kind: kind)
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
