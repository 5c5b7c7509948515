import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Engine settings: the `[data]` keys of influxdb.conf that the engine reads.
public struct EngineConfig: Sendable {
    /// `cache-snapshot-memory-size`: snapshot once the live cache holds this many bytes.
    public var cacheSnapshotMemorySize: Int = 25 * 1024 * 1024
    /// `cache-max-memory-size`: reject writes past this many cached bytes; 0 = unlimited.
    public var cacheMaxMemorySize: Int = 1024 * 1024 * 1024
    /// WAL segment size (1.x: fixed 10 MiB).
    public var walSegmentSize: Int = WAL.defaultSegmentSize
    /// `cache-snapshot-write-cold-duration`: snapshot a cache that has seen no write this long (ns).
    public var cacheSnapshotWriteColdDuration: Int64 = 10 * 60 * 1_000_000_000
    /// `wal-fsync-delay`: wait this long before fsyncing so that concurrent writes share one
    /// fsync (ns; 0 = fsync at once, 1.x's default; concurrent writes share it all the same).
    public var walFsyncDelay: Int64 = 0
    /// `compact-full-write-cold-duration`: fully compact a shard with no write this long (ns).
    public var compactFullWriteColdDuration: Int64 = 4 * 3600 * 1_000_000_000
    /// 1.x's `maxTSMFileSize`: a compaction starts a new output file past this size.
    public var maxTSMFileSize: Int = 2048 * 1024 * 1024

    public init() {}
}

/// One shard's TSM engine: WAL + cache + TSM files (Spec/engine.md).
///
/// A write is in the cache and durable in the WAL when `write` returns. Writers run
/// concurrently: the cache is partitioned, the WAL takes each writer's entry with a short
/// reservation and one fsync serves every writer waiting (group commit). When the live cache
/// passes `cache-snapshot-memory-size`, a snapshot writes it to a new level-1 TSM file and
/// compactions merge files — in the background on an ``EngineScheduler``, or on the calling
/// thread when the engine has none (tools and tests). Neither holds a lock that writers or
/// readers wait on: readers take the ``FileStore``'s list of files as it is and never wait.
/// Disk work happens on the caller's thread, which must not be a NIO event loop or Swift's
/// cooperative pool.
public final class Engine: Sendable {
    /// Directory of the `.tsm` files.
    public let path: String
    /// Directory of the WAL segments.
    public let walPath: String
    public let config: EngineConfig
    let wal: WAL
    /// The cache of points not yet in TSM files.
    public let cache: Cache
    /// The TSM files.
    public let fileStore = FileStore()
    let scheduler: EngineScheduler?
    let activity = ConditionMonitor(Activity())
    /// Deletes in progress, plus one once closed: a running compaction gives up when non-zero.
    let stopping = Atomic<Int>(0)
    /// Serialises deletes (their tombstone files); nothing else takes it.
    let deletes = Mutex(())
    /// The highest TSM generation in use.
    let generation = Atomic<Int>(0)
    /// Numbers the directories of backup snapshots (`<n>.tmp`).
    let backupDirectories = Atomic<Int>(0)
    /// Monotonic ns of the last write.
    let lastWrite = Atomic<UInt64>(0)
    /// Whether the files are fully compacted since the last write.
    let compactedSinceWrite = Atomic<Bool>(true)
    /// Test hooks (see ``EngineHooks``).
    let hooks = Mutex(EngineHooks())
    /// 1.x's snapshot and compaction statistics (``statistics(tags:)``).
    let counters = EngineCounters()
    /// Where the engine tells the operator about damaged files it worked around.
    let log: StorageLog

    /// What background work is running or due.
    struct Activity {
        var snapshotting = false
        var snapshotQueued = false
        /// Paths of the files that running compactions read.
        var compacting: Set<String> = []
        var compactions = 0
        var deleting = 0
        var closed = false
    }

    /// An engine for the shard at `path` (TSM files) and `walPath`. With a `scheduler`,
    /// snapshots and compactions run in the background on it; without, on the thread whose
    /// write made them due. `log` receives what 1.x would log as the shard opens (corrupt
    /// files renamed, WAL tails cut off).
    public init(path: String, walPath: String, config: EngineConfig = EngineConfig(), scheduler: EngineScheduler? = nil,
                log: @escaping StorageLog = { _ in }) {
        self.path = path
        self.walPath = walPath
        self.config = config
        self.scheduler = scheduler
        self.log = log
        wal = WAL(directory: walPath, segmentSize: config.walSegmentSize, fsyncDelay: config.walFsyncDelay)
        cache = Cache(maxSize: config.cacheMaxMemorySize)
    }

    /// What `open` recovered.
    public struct OpenReport: Sendable {
        public var tsmFiles = 0
        public var walEntries = 0
        /// WAL segments whose torn or corrupt tail was cut off, with the reason.
        public var truncatedSegments: [String] = []
        /// TSM files that could not be read and were renamed to `<name>.bad`.
        public var badFiles: [String] = []
    }

    /// Opens the TSM files (removing leftover `.tmp` files of an interrupted snapshot or
    /// compaction) and replays the WAL into the cache. Call once, before anything else.
    ///
    /// A TSM file whose bytes are damaged (too short, wrong magic or version, an index out of
    /// bounds, an unreadable tombstone file) is renamed `<name>.bad` and logged as 1.x's
    /// `FileStore.Open` does, and the shard opens with its other files (1.x fails the shard
    /// until it is opened again, which then finds the file renamed). A file the system cannot
    /// open or map fails the shard and stays as it is: its bytes may be sound.
    public func open() throws(EngineError) -> OpenReport {
        try Self.makeDirectory(path)
        var report = OpenReport()
        let names = try Self.fileNames(in: path)
        // Also the index disk buffers of the writers of those files (`TSMWriter`).
        for name in names where name.hasSuffix(".tsm.tmp") || name.hasSuffix(".tsm.tmp.idx.tmp") || name.hasSuffix(".tsm.offsets.tmp") {
            unlink(path + "/" + name)
        }
        // Key-offsets files of TSM files gone meanwhile (a crash, or 1.x compacted them away).
        let present = Set(names)
        for name in names where name.hasSuffix(".tsm.offsets") && !present.contains(String(name.dropLast(8))) { unlink(path + "/" + name) }
        // A backup snapshot (`<n>.tmp`, hard links) left by a process that stopped mid-backup.
        for name in names where name.hasSuffix(".tmp") && name.count > 4 && name.dropLast(4).allSatisfy(\.isNumber) {
            Self.removeTree(path + "/" + name)
        }
        // Files open (their indexes parsed) in parallel: a shard's restart is mostly this.
        let tsmNames = names.filter { $0.hasSuffix(".tsm") }.sorted()
        let directory = path
        let opened = Parallel.results(tsmNames.count) { (i) throws(TSMFileError) in try TSMFile.open(directory + "/" + tsmNames[i]) }
        var files: [TSMFile] = []
        for (i, result) in opened.enumerated() {
            switch result {
            case .success(let file): files.append(file)
            case .failure(let error):
                guard error.isCorruption else { throw .tsm(error) }
                try setAside(directory + "/" + tsmNames[i], id: i, error)
                report.badFiles.append(directory + "/" + tsmNames[i])
            }
        }
        fileStore.replace([], with: files)
        writeKeyOffsetsFiles(of: files)
        // A renamed file's generation stays taken (as in 1.x, which counts every `.tsm` name):
        // a new file never takes the name of one set aside.
        let setAsideGeneration = report.badFiles.compactMap { TSMFileName(path: $0)?.generation }.max() ?? 0
        generation.store(Swift.max(fileStore.maxGeneration, setAsideGeneration), ordering: .relaxed)
        report.tsmFiles = files.count
        let replay: WAL.Replay
        do throws(WALError) { replay = try wal.open() } catch { throw .wal(error) }
        report.walEntries = replay.entries.count
        report.truncatedSegments = replay.truncated.map { "\($0.path): kept \($0.keptBytes) bytes: \($0.reason)" }
        for cut in replay.truncated {
            // 1.x's CacheLoader logs this at info; the entries after `pos` are lost: a warning here.
            log(StorageEvent(.warning, "File corrupt", [("engine", "tsm1"), ("service", "cacheloader"), ("error", cut.reason.description),
                                                        ("path", cut.path), ("pos", String(cut.keptBytes))]))
        }
        for entry in replay.entries {
            switch entry {
            // Replay ignores the memory limit, as 1.x does: these writes were acknowledged.
            case .write(let series): try? cache.write(series, ignoringLimit: true)
            case .deleteRange(let keys, let min, let max): cache.deleteRange(keys: keys, min: min, max: max)
            case .delete(let keys): cache.deleteRange(keys: keys, min: .min, max: .max)
            }
        }
        if !files.isEmpty || cache.liveSize > 0 {
            // 1.x counts a shard's coldness from its files' modification times.
            compactedSinceWrite.store(false, ordering: .relaxed)
            let now = Self.monotonicNow()
            lastWrite.store(now &- Swift.min(now, Self.sinceLastModified([path, walPath])), ordering: .relaxed)
        }
        return report
    }

    /// Writes, in the background, the key-offsets files that files walked at open lack (a data
    /// directory of 1.x's or of an earlier Sundial), so that the next restart maps them. A file
    /// compacted away meanwhile loses the one just written.
    private func writeKeyOffsetsFiles(of files: [TSMFile]) {
        let missing = files.filter { !$0.reader.offsetsFromFile && $0.reader.keyCount >= TSMKeyOffsetsFile.minimumKeys }
        guard !missing.isEmpty, let scheduler else { return }
        scheduler.background {
            for file in missing where self.writeKeyOffsetsFile(of: file.reader) {
                if access(file.path, F_OK) != 0 { unlink(TSMKeyOffsetsFile.path(forTSM: file.path)) }
            }
        }
    }

    /// Writes `reader`'s key-offsets file (blocking: a snapshot's, a compaction's or the
    /// background's thread). Without it a restart walks the index, so a failure is a warning,
    /// not a failed snapshot or compaction. Returns whether a file was written.
    @discardableResult
    func writeKeyOffsetsFile(of reader: TSMReader) -> Bool {
        do throws(TSMFileError) {
            return try reader.writeKeyOffsetsFile()
        } catch {
            log(StorageEvent(.warning, "Cannot write key-offsets file", [("engine", "tsm1"), ("path", reader.path), ("error", error.description)]))
            return false
        }
    }

    /// Renames a TSM file that cannot be read to `<name>.bad`, logging it as 1.x does. If the
    /// rename fails the shard cannot open without the file: 1.x's error.
    private func setAside(_ file: String, id: Int, _ error: TSMFileError) throws(EngineError) {
        log(StorageEvent(.error, "Cannot read corrupt tsm file, renaming",
                         [("engine", "tsm1"), ("service", "filestore"), ("path", file), ("id", String(id)), ("error", error.description)]))
        unlink(TSMKeyOffsetsFile.path(forTSM: file))
        guard rename(file, file + ".bad") == 0 else {
            let code = errno
            log(StorageEvent(.error, "Cannot rename corrupt tsm file",
                             [("engine", "tsm1"), ("service", "filestore"), ("path", file), ("id", String(id)), ("error", errnoText(code))]))
            throw .io("cannot rename corrupt file", path: file, errno: code)
        }
        Self.syncDirectory(path)
    }

    /// Writes points: cache first (which may refuse with 1.x's limit or conflict errors), then
    /// the WAL; returns once they are durable. Keys given more than once are merged, so that
    /// the WAL entry holds one record per key as 1.x's does (`keysAreUnique` skips the check).
    public func write(_ series: [(key: [UInt8], values: WALValues)], keysAreUnique: Bool = false) throws(EngineError) {
        var (batch, conflict) = keysAreUnique ? (series, false) : Self.mergingDuplicateKeys(series)
        do throws(CacheError) {
            try cache.write(batch)
        } catch {
            if error != .fieldTypeConflict { throw .cache(error) }
            conflict = true
        }
        var scratch: [UInt8] = []
        let framed = WAL.frame(.write(batch), scratch: &scratch)
        batch = []
        do throws(WALError) {
            let position = try wal.append(framed)
            lastWrite.store(Self.monotonicNow(), ordering: .relaxed)
            compactedSinceWrite.store(false, ordering: .relaxed)
            try wal.waitDurable(position)
        } catch {
            wal.writesFailed.add(1, ordering: .relaxed)
            throw .wal(error)
        }
        wal.writesOK.add(1, ordering: .relaxed)
        // A scheduled engine snapshots from 1.x's once-a-second check (``tick(now:)``), as 1.x
        // does: the cache may pass `cache-snapshot-memory-size` by up to a second's writes, and
        // fewer, larger level-1 files are written. An engine on its own checks here.
        if scheduler == nil && cache.liveSize >= config.cacheSnapshotMemorySize { try snapshotDue() }
        if conflict { throw .cache(.fieldTypeConflict) }
    }

    /// One entry per key, values of repeated keys appended in order; a repeat of another type
    /// is dropped as a conflict (the cache would refuse it).
    static func mergingDuplicateKeys(_ series: [(key: [UInt8], values: WALValues)]) -> ([(key: [UInt8], values: WALValues)], Bool) {
        guard series.count > 1 else { return (series, false) }
        var position: [ByteKey: Int] = [:]
        position.reserveCapacity(series.count)
        var merged: [(key: [UInt8], values: WALValues)] = []
        var conflict = false
        for (key, values) in series {
            let k = ByteKey(key)
            if let at = position[k] {
                if !merged[at].values.append(values) { conflict = true }
            } else {
                position[k] = merged.count
                merged.append((key, values))
            }
        }
        return (merged, conflict)
    }

    /// WAL entries appended and fsyncs issued (fewer than the entries when concurrent writers
    /// share them).
    public var walStatistics: (entries: Int, fsyncs: Int) { wal.statistics }

    /// The points of `key` in `[min, max]`, ascending: TSM files by generation, then the cache;
    /// for equal timestamps the newest wins. The whole range at once (``cursor(key:min:max:ascending:)``
    /// reads it a piece at a time).
    public func read(key: [UInt8], min: Int64 = .min, max: Int64 = .max) throws(EngineError) -> WALValues? {
        var cursor = self.cursor(key: key, min: min, max: max)
        guard var all = try cursor.next() else { return nil }
        while let piece = try cursor.next() {
            if !all.append(piece) { all = piece }
        }
        return all
    }

    /// Stops background work: running compactions give up, a running snapshot finishes, and
    /// nothing new starts. Writes after this still reach the WAL.
    public func close() {
        activity.update { $0.closed = true }
        stopping.add(1, ordering: .relaxed)
        activity.wait { a in a.snapshotting || a.compactions > 0 ? nil : () }
    }

    /// Number of TSM files.
    public var fileCount: Int { fileStore.count }

    /// Bytes in the cache (live and snapshot).
    public var cacheSize: Int { cache.size }

    /// Monotonic clock, ns.
    public static func monotonicNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// 1.x's TSM file name: `%09d-%09d.tsm`, generation and sequence (compaction level).
    public static func fileName(generation: Int, sequence: Int) -> String {
        func pad(_ n: Int) -> String { let d = String(n); return String(repeating: "0", count: max(0, 9 - d.count)) + d }
        return "\(pad(generation))-\(pad(sequence)).tsm"
    }

    /// ns since the newest file in `directories` was modified (0 if none).
    static func sinceLastModified(_ directories: [String]) -> UInt64 {
        var newest = timespec()
        for dir in directories {
            for name in (try? fileNames(in: dir)) ?? [] where name.hasSuffix(".tsm") || name.hasSuffix(".wal") || name.hasSuffix(".tombstone") {
                var info = stat()
                guard stat(dir + "/" + name, &info) == 0 else { continue }
                if (info.st_mtim.tv_sec, info.st_mtim.tv_nsec) > (newest.tv_sec, newest.tv_nsec) { newest = info.st_mtim }
            }
        }
        guard newest.tv_sec > 0 else { return 0 }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let delta = (Int64(now.tv_sec) - Int64(newest.tv_sec)) * 1_000_000_000 + Int64(now.tv_nsec) - Int64(newest.tv_nsec)
        return UInt64(Swift.max(0, delta))
    }

    static func makeDirectory(_ path: String) throws(EngineError) {
        if let (failed, code) = Directory.make(path) { throw .io("mkdir", path: failed, errno: code) }
    }

    /// The names of a directory's entries (`.` and `..` included), as `readdir` lists them.
    public static func fileNames(in directory: String) throws(EngineError) -> [String] {
        guard let dir = opendir(directory) else { throw .io("opendir", path: directory, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            names.append(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        return names
    }

    static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        Glibc.close(fd)
    }
}

/// Places where background work holds no lock, for tests to stop it there and show that
/// writes and reads go on meanwhile.
struct EngineHooks: Sendable {
    /// A snapshot has taken the cache and is about to write its file.
    var snapshotWriting: (@Sendable () -> Void)?
    /// A compaction has planned its inputs and is about to merge them.
    var compactionMerging: (@Sendable () -> Void)?
}

/// Why the engine refused an operation.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case cache(CacheError)
    case wal(WALError)
    case tsm(TSMFileError)
    case tombstone(TombstoneError)
    case io(String, path: String, errno: Int32)
    /// A block of a TSM file could not be read (checksum, decoding): the file and why.
    case read(path: String, TSMFileError)

    public var description: String {
        switch self {
        case .read(let path, let e): "\(e) (file \(path))"
        case .cache(let e): e.description
        case .wal(let e): e.description
        case .tsm(let e): e.description
        case .tombstone(let e): e.description
        case .io(let op, let path, let code): "\(op) \(path): \(errnoText(code))"
        }
    }
}
