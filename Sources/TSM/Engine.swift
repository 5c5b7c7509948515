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
    /// `wal-fsync-delay`: wait this long before fsyncing a write so that concurrent writes
    /// share one fsync (ns; 0 = fsync every write at once, 1.x's default).
    public var walFsyncDelay: Int64 = 0
    /// `compact-full-write-cold-duration`: fully compact a shard with no write this long (ns).
    public var compactFullWriteColdDuration: Int64 = 4 * 3600 * 1_000_000_000

    public init() {}
}

/// One shard's TSM engine: WAL + cache + TSM files (Spec/engine.md).
///
/// A write is in the WAL (fsynced) and the cache when `write` returns. When the live cache
/// passes `cache-snapshot-memory-size` it is written to a new level-1 TSM file and the WAL
/// segments it came from are removed. Reads merge the files (newer generations win) and the
/// cache (newest). Thread-safe: one lock around the state; disk work happens in the caller's
/// thread, which must not be a NIO event loop.
public final class Engine: Sendable {
    /// Directory of the `.tsm` files.
    public let path: String
    /// Directory of the WAL segments.
    public let walPath: String
    public let config: EngineConfig
    let state: Mutex<State>

    struct State: ~Copyable {
        var wal: WAL
        var cache: Cache
        var files: [TSMReader] = []
        /// Per file (same order as `files`): deleted ranges by key, from its `.tombstone`.
        var tombstones: [[[UInt8]: [(min: Int64, max: Int64)]]] = []
        var generation = 0
        /// Monotonic ns of the last write, and whether the files changed since the last full compaction.
        var lastWrite: UInt64 = 0
        /// Group commit: WAL entries appended, and the highest one known to be fsynced.
        var appended = 0
        var synced = 0
        var fsyncs = 0
        var compactedSinceWrite = true
    }

    public init(path: String, walPath: String, config: EngineConfig = EngineConfig()) {
        self.path = path
        self.walPath = walPath
        self.config = config
        state = Mutex(State(wal: WAL(directory: walPath, segmentSize: config.walSegmentSize), cache: Cache(maxSize: config.cacheMaxMemorySize)))
    }

    /// What `open` recovered.
    public struct OpenReport: Sendable {
        public var tsmFiles = 0
        public var walEntries = 0
        /// WAL segments whose torn or corrupt tail was cut off, with the reason.
        public var truncatedSegments: [String] = []
    }

    /// Opens the TSM files (removing leftover `.tmp` files of an interrupted snapshot) and
    /// replays the WAL into the cache.
    public func open() throws(EngineError) -> OpenReport {
        try Self.makeDirectory(path)
        var report = OpenReport()
        let names = try Self.fileNames(in: path)
        for name in names where name.hasSuffix(".tsm.tmp") { unlink(path + "/" + name) }
        let tsm = names.filter { $0.hasSuffix(".tsm") }.sorted()
        return try state.withLock { (s) throws(EngineError) -> OpenReport in
            do throws(TSMFileError) {
                for name in tsm {
                    let file = try TSMReader(path: path + "/" + name)
                    s.files.append(file)
                    s.tombstones.append(try Self.loadTombstones(for: file))
                    if let generation = Int(name.prefix(9)) { s.generation = max(s.generation, generation) }
                }
            } catch {
                throw .tsm(error)
            }
            report.tsmFiles = s.files.count
            let replay: WAL.Replay
            do throws(WALError) { replay = try s.wal.open() } catch { throw .wal(error) }
            report.walEntries = replay.entries.count
            report.truncatedSegments = replay.truncated.map { "\($0.path): kept \($0.keptBytes) bytes: \($0.reason)" }
            // Replay ignores the memory limit, as 1.x does: these writes were acknowledged.
            let limit = s.cache.maxSize
            s.cache.maxSize = 0
            defer { s.cache.maxSize = limit }
            for entry in replay.entries {
                switch entry {
                case .write(let series): try? s.cache.write(series)
                case .deleteRange(let keys, let min, let max): s.cache.deleteRange(keys: keys, min: min, max: max)
                case .delete(let keys): s.cache.deleteRange(keys: keys, min: .min, max: .max)
                }
            }
            return report
        }
    }

    /// Writes points: cache first (which may refuse with 1.x's limit or conflict errors), then
    /// the WAL, fsynced. Snapshots the cache when it is full enough.
    public func write(_ series: [(key: [UInt8], values: WALValues)]) throws(EngineError) {
        let delay = config.walFsyncDelay
        let (sequence, conflict) = try state.withLock { (s) throws(EngineError) -> (Int, CacheError?) in
            var conflict: CacheError?
            do throws(CacheError) {
                try s.cache.write(series)
            } catch {
                if error != .fieldTypeConflict { throw .cache(error) }
                conflict = error
            }
            do throws(WALError) {
                try s.wal.append(.write(series))
                s.appended += 1
                if delay <= 0 {
                    try s.wal.sync()
                    s.fsyncs += 1
                    s.synced = s.appended
                }
            } catch {
                throw .wal(error)
            }
            s.lastWrite = Self.monotonicNow()
            s.compactedSinceWrite = false
            if s.cache.liveSize >= config.cacheSnapshotMemorySize { try snapshot(&s) }
            return (s.appended, conflict)
        }
        if delay > 0 {
            // Writes arriving during the delay are covered by whichever fsync runs first.
            var pause = timespec(tv_sec: Int(delay / 1_000_000_000), tv_nsec: Int(delay % 1_000_000_000))
            nanosleep(&pause, nil)
            try state.withLock { (s) throws(EngineError) in
                guard s.synced < sequence else { return }
                do throws(WALError) { try s.wal.sync() } catch { throw .wal(error) }
                s.fsyncs += 1
                s.synced = s.appended
            }
        }
        if let conflict { throw .cache(conflict) }
    }

    /// WAL entries known to be fsynced, and the fsyncs issued for writes (fewer than the
    /// entries when `wal-fsync-delay` groups them).
    public var walStatistics: (durableEntries: Int, fsyncs: Int) { state.withLock { ($0.synced, $0.fsyncs) } }

    /// 1.x's once-a-second engine check: snapshot a cache that has been cold for
    /// `cache-snapshot-write-cold-duration`, then fully compact a shard cold for
    /// `compact-full-write-cold-duration`. `now` is monotonic ns (tests pass their own).
    public func maintain(now: UInt64 = Engine.monotonicNow()) throws(EngineError) {
        try state.withLock { (s) throws(EngineError) in
            let idle = Int64(clamping: now &- s.lastWrite)
            if s.cache.liveSize > 0 && idle >= config.cacheSnapshotWriteColdDuration { try snapshot(&s) }
            if !s.compactedSinceWrite && s.cache.liveSize == 0 && idle >= config.compactFullWriteColdDuration {
                if s.files.count > 1 || s.tombstones.contains(where: { !$0.isEmpty }) {
                    try compact(s.files.compactMap { TSMFileName(path: $0.path) }, &s)
                }
                s.compactedSinceWrite = true
            } else {
                for plan in Compactor.planOptimize(generations: Self.generations(s)) { try compact(plan, &s) }
            }
        }
    }

    /// Monotonic clock, ns.
    public static func monotonicNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Writes the cache to a new TSM file now (what a cold shard or shutdown does).
    public func snapshot() throws(EngineError) {
        try state.withLock { (s) throws(EngineError) in try snapshot(&s) }
    }

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

    /// Deletes the points of `keys` with `min <= time <= max`: logged in the WAL (fsynced),
    /// removed from the cache, and recorded in the `.tombstone` file of every TSM file that
    /// holds one of the keys in that range.
    public func deleteRange(keys: [[UInt8]], min: Int64, max: Int64) throws(EngineError) {
        try state.withLock { (s) throws(EngineError) in
            do throws(WALError) { try s.wal.write(.deleteRange(keys: keys, min: min, max: max)) } catch { throw .wal(error) }
            s.cache.deleteRange(keys: keys, min: min, max: max)
            for (n, file) in s.files.enumerated() {
                let hit = keys.filter { key in file.entries(for: key)?.entries.contains { $0.overlaps(min: min, max: max) } ?? false }
                guard !hit.isEmpty else { continue }
                do throws(TombstoneError) {
                    try TombstoneFile.append(hit.map { Tombstone(key: $0, min: min, max: max) }, to: TombstoneFile.path(forTSM: file.path))
                } catch {
                    throw .tombstone(error)
                }
                for key in hit { s.tombstones[n][key, default: []].append((min, max)) }
            }
        }
    }

    static func loadTombstones(for file: TSMReader) throws(TSMFileError) -> [[UInt8]: [(min: Int64, max: Int64)]] {
        var out: [[UInt8]: [(min: Int64, max: Int64)]] = [:]
        do throws(TombstoneError) {
            for t in try TombstoneFile.read(TombstoneFile.path(forTSM: file.path)) { out[t.key, default: []].append((t.min, t.max)) }
        } catch {
            throw .invalidFile("\(TombstoneFile.path(forTSM: file.path)): \(error)")
        }
        return out
    }

    /// Runs 1.x's level plans (levels 1 to 3) and merges each planned group; returns the
    /// number of files written. Called after every snapshot.
    @discardableResult
    public func compactLevels() throws(EngineError) -> Int {
        try state.withLock { (s) throws(EngineError) -> Int in
            var written = 0
            for level in 1...3 {
                for plan in Compactor.planLevel(level, generations: Self.generations(s)) {
                    try compact(plan, &s)
                    written += 1
                }
            }
            return written
        }
    }

    /// Merges every TSM file (tombstones applied) into one: 1.x's full compaction.
    public func compactFull() throws(EngineError) {
        try state.withLock { (s) throws(EngineError) in
            guard s.files.count > 1 || s.tombstones.contains(where: { !$0.isEmpty }) else { return }
            try compact(s.files.compactMap { TSMFileName(path: $0.path) }, &s)
        }
    }

    /// The files grouped by generation, for the planner.
    static func generations(_ s: borrowing State) -> [Compactor.Generation] {
        var byID: [Int: Compactor.Generation] = [:]
        for (n, file) in s.files.enumerated() {
            guard let name = TSMFileName(path: file.path) else { continue }
            byID[name.generation, default: Compactor.Generation(id: name.generation, files: [], hasTombstones: false)].files.append(name)
            if !s.tombstones[n].isEmpty { byID[name.generation]!.hasTombstones = true }
        }
        return byID.values.sorted { $0.id < $1.id }
    }

    private func compact(_ names: [TSMFileName], _ s: inout State) throws(EngineError) {
        let wanted = Set(names)
        let picked = s.files.indices.filter { TSMFileName(path: s.files[$0].path).map(wanted.contains) ?? false }
        guard !picked.isEmpty else { return }
        let output: String?
        do throws(TSMFileError) {
            output = try Compactor.merge(picked.map { (s.files[$0], s.tombstones[$0]) }, into: path)
        } catch {
            throw .tsm(error)
        }
        let removed = picked.map { s.files[$0].path }
        for i in picked.reversed() {
            s.files.remove(at: i)
            s.tombstones.remove(at: i)
        }
        if let output {
            do throws(TSMFileError) { s.files.append(try TSMReader(path: output)) } catch { throw .tsm(error) }
            s.tombstones.append([:])
            let order = s.files.indices.sorted { s.files[$0].path < s.files[$1].path }
            s.files = order.map { s.files[$0] }
            s.tombstones = order.map { s.tombstones[$0] }
        }
        // The output is durable before the inputs go; a crash in between leaves duplicates
        // that reads resolve (newest generation wins, equal data).
        for old in removed {
            unlink(old)
            unlink(TombstoneFile.path(forTSM: old))
        }
    }

    /// Every key in the files or the cache, in byte order.
    public var keys: [[UInt8]] {
        state.withLock { s in
            var all = Set(s.cache.keys)
            for file in s.files { all.formUnion(file.keys) }
            return all.sorted { $0.lexicographicallyPrecedes($1) }
        }
    }

    /// Number of TSM files.
    public var fileCount: Int { state.withLock { $0.files.count } }

    /// Bytes in the live cache.
    public var cacheSize: Int { state.withLock { $0.cache.size } }

    private func snapshot(_ s: inout State) throws(EngineError) {
        let taken: [(key: [UInt8], values: WALValues)]
        do throws(CacheError) { taken = try s.cache.snapshot() } catch { throw .cache(error) }
        guard !taken.isEmpty else {
            s.cache.clearSnapshot(written: true)
            return
        }
        let segments: [Int]
        do throws(WALError) {
            segments = try s.wal.closeSegment()
            s.synced = s.appended
        } catch {
            s.cache.clearSnapshot(written: false)
            throw .wal(error)
        }
        let generation = s.generation + 1
        let name = Self.fileName(generation: generation, sequence: 1)
        let final = path + "/" + name
        let temporary = final + ".tmp"
        do throws(TSMFileError) {
            var writer = try TSMWriter(path: temporary)
            for (key, values) in taken { try writer.write(key: key, values: values) }
            try writer.finish()
            guard rename(temporary, final) == 0 else { throw TSMFileError.io("rename", path: temporary, errno: errno) }
            Self.syncDirectory(path)
            s.files.append(try TSMReader(path: final))
            s.tombstones.append([:])
        } catch {
            unlink(temporary)
            s.cache.clearSnapshot(written: false)
            throw .tsm(error)
        }
        s.generation = generation
        s.cache.clearSnapshot(written: true)
        s.wal.remove(segments: segments)
        for level in 1...3 {
            for plan in Compactor.planLevel(level, generations: Self.generations(s)) { try compact(plan, &s) }
        }
    }

    /// 1.x's TSM file name: `%09d-%09d.tsm`, generation and sequence (compaction level).
    public static func fileName(generation: Int, sequence: Int) -> String {
        func pad(_ n: Int) -> String { let d = String(n); return String(repeating: "0", count: max(0, 9 - d.count)) + d }
        return "\(pad(generation))-\(pad(sequence)).tsm"
    }

    static func makeDirectory(_ path: String) throws(EngineError) {
        if let (failed, code) = Directory.make(path) { throw .io("mkdir", path: failed, errno: code) }
    }

    static func fileNames(in directory: String) throws(EngineError) -> [String] {
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
        close(fd)
    }
}

/// Why the engine refused an operation.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case cache(CacheError)
    case wal(WALError)
    case tsm(TSMFileError)
    case tombstone(TombstoneError)
    case io(String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .cache(let e): e.description
        case .wal(let e): e.description
        case .tsm(let e): e.description
        case .tombstone(let e): e.description
        case .io(let op, let path, let code): "\(op) \(path): errno \(code)"
        }
    }
}
