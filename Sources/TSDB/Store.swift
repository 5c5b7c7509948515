import Foundation
import NIOPosix
import Synchronization
import TSM

/// All shards of the server (1.x's `tsdb.Store`): every shard on disk is opened by ``open()``
/// before the server accepts requests; a shard created by a write is opened then, once.
///
/// Disk work (opening shards, writes, deletes) runs on `pool`, a NIO thread pool, never on
/// Swift's cooperative pool or an event loop: async callers go through ``blocking(_:)``.
public final class Store: Sendable {
    public let dataDir: String
    public let walDir: String
    public let engineConfig: EngineConfig
    public let limits: SeriesLimits
    /// Background snapshots and compactions (nil: they run on the writer's thread).
    public let scheduler: EngineScheduler?
    /// Where blocking store work runs.
    public let pool: NIOThreadPool
    let shards = ConditionMonitor<[UInt64: Slot]>([:])
    private let databases = Mutex<[String: DatabaseSeries]>([:])
    /// The index new shards get (`[data] index-version`).
    public let indexVersion: IndexVersion
    /// `[data] max-index-log-file-size`: a tsi1 log file this big is compacted.
    public let maxIndexLogFileSize: Int
    /// `[data] series-id-set-cache-size`: tag values whose id sets each tsi1 index caches.
    public let seriesIDSetCacheSize: Int
    /// Each database's series file, once a tsi1 shard of it opened.
    let seriesFiles = ConditionMonitor<[String: SeriesFileSlot]>([:])
    /// Where the store and its shards tell the operator what went wrong while opening (the
    /// server logs it as 1.x would).
    private let log: StorageLog

    enum Slot {
        case opening
        case open(Shard)
        /// A shard on disk that failed to open, and why (1.x's `[shard N] …`).
        case failed(String)
    }

    public init(dataDir: String, walDir: String, engineConfig: EngineConfig = EngineConfig(), limits: SeriesLimits = SeriesLimits(),
                scheduler: EngineScheduler? = nil, indexVersion: IndexVersion = .inmem, maxIndexLogFileSize: Int = 1 << 20,
                seriesIDSetCacheSize: Int = 100, pool: NIOThreadPool = .singleton, log: @escaping StorageLog = { _ in }) {
        self.indexVersion = indexVersion
        self.maxIndexLogFileSize = maxIndexLogFileSize
        self.seriesIDSetCacheSize = seriesIDSetCacheSize
        self.dataDir = dataDir
        self.walDir = walDir
        self.engineConfig = engineConfig
        self.limits = limits
        self.scheduler = scheduler
        self.pool = pool
        self.log = log
    }

    /// Runs blocking store work on the store's thread pool and returns its result.
    public func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        do {
            return try await pool.runIfActive(work)
        } catch {
            return work()  // the pool is shut down (the process is stopping): run it here
        }
    }

    /// The series of a database across its shards.
    public func series(of database: String) -> DatabaseSeries {
        databases.withLock { all in
            if let existing = all[database] { return existing }
            let made = DatabaseSeries()
            all[database] = made
            return made
        }
    }

    /// The series of every database the store has opened shards of, by name.
    var databaseSeries: [String: DatabaseSeries] { databases.withLock { $0 } }

    /// The shard `id` of `database`/`retentionPolicy`, opened or created — by one caller at a
    /// time: a caller that finds it being opened waits for that and takes its outcome.
    ///
    /// A shard on disk that fails to open at start (`remembering`) is left out, with its error:
    /// queries skip it and every other shard answers. A write to it opens it again, as 1.x's
    /// points writer does (`CreateShard` on `ErrShardNotFound`): a cause since removed (a
    /// corrupt file renamed at the failed open, say) lets the write through; otherwise the
    /// write gets the error. A failure to create a new shard for a write (its database dropped
    /// meanwhile, say) is only reported to that writer. Blocks: call on the store's pool.
    public func shard(id: UInt64, database: String, retentionPolicy: String, remembering: Bool = false) throws(StoreError) -> Shard {
        var waited = false
        var wasFailed = false
        let claim = shards.wait { all -> Result<Shard?, StoreError>? in
            switch all[id] {
            case .open(let shard)?: return .success(shard)
            case .opening?:
                waited = true
                return nil
            // Someone else's attempt just ended in failure: its outcome is ours too.
            case .failed(let why)? where waited: return .failure(.engine(why))
            case .failed?, nil:
                if case .failed? = all[id] { wasFailed = true }
                all[id] = .opening
                return .success(nil)
            }
        }
        if let existing = try claim.get() { return existing }
        let path = "\(dataDir)/\(database)/\(retentionPolicy)/\(id)"
        do throws(StoreError) {
            let shard = try makeShard(id: id, database: database, retentionPolicy: retentionPolicy)
            shards.update { $0[id] = .open(shard) }
            return shard
        } catch {
            // 1.x's ShardError text, and its store's log line (at info in 1.x).
            let why = "[shard \(id)] \(error)"
            shards.update { $0[id] = remembering || wasFailed ? .failed(why) : nil }
            log(StorageEvent(.error, "Failed to open shard", [("service", "store"), ("db_shard_id", String(id)), ("path", path), ("error", why)]))
            throw .engine(why)
        }
    }

    /// Opens (or creates) shard `id` with the store's settings; the caller holds its slot.
    /// `indexEveryKey`: its TSM files may hold series its index lacks (a restore put them there).
    func makeShard(id: UInt64, database: String, retentionPolicy: String, indexEveryKey: Bool = false) throws(StoreError) -> Shard {
        try Shard(id: id, database: database, retentionPolicy: retentionPolicy, dataDir: dataDir, walDir: walDir,
                  config: engineConfig, scheduler: scheduler, databaseSeries: series(of: database), limits: limits,
                  indexVersion: indexVersion, maxIndexLogFileSize: maxIndexLogFileSize,
                  seriesIDSetCacheSize: seriesIDSetCacheSize, indexEveryKey: indexEveryKey, seriesFile: { () throws(StoreError) in try self.seriesFile(of: database) }, log: log)
    }

    /// The shard directories on disk: `<db>/<rp>/<id>` under the data and WAL directories,
    /// `<id>` numeric (a database's `_series` directory is not a retention policy).
    public func shardsOnDisk() -> [(database: String, retentionPolicy: String, id: UInt64)] {
        var found: Set<[String]> = []
        let fm = FileManager.default
        func directories(_ path: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { name in
                var isDirectory: ObjCBool = false
                return fm.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
            }
        }
        for root in [dataDir, walDir] {
            for db in directories(root) {
                for rp in directories("\(root)/\(db)") where rp != "_series" {
                    for id in directories("\(root)/\(db)/\(rp)") where !id.isEmpty && id.allSatisfy(\.isASCII) && UInt64(id) != nil {
                        found.insert([db, rp, id])
                    }
                }
            }
        }
        return found.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], $0[1], UInt64($0[2])!) }
    }

    /// Opens every shard on disk, as 1.x does at start (WAL replay before the first request):
    /// in parallel, as many at once as there are cores. A shard that fails is logged with its
    /// id, path and error and left out; every other shard opens. Returns the shards opened and
    /// the failures.
    public func open() async -> (opened: Int, failed: [String]) {
        let found = shardsOnDisk()
        let results = await blocking {
            Parallel.results(found.count) { (i) throws(StoreError) in
                let (db, rp, id) = found[i]
                _ = try self.shard(id: id, database: db, retentionPolicy: rp, remembering: true)
            }
        }
        let failed = results.compactMap { result -> String? in
            if case .failure(let error) = result { return error.description }
            return nil
        }
        return (found.count - failed.count, failed)
    }

    /// Closes and deletes a shard (`DROP SHARD`, retention): background work on it stops, then
    /// its data and WAL directories go; a shard never opened is removed from disk all the same.
    public func deleteShard(_ id: UInt64) async {
        await blocking {
            if case .open(let gone)? = self.shards.update({ $0.removeValue(forKey: id) }) {
                gone.engine.close()
                gone.forgetAllSeries()
            }
            let fm = FileManager.default
            for root in [self.dataDir, self.walDir] {
                for db in (try? fm.contentsOfDirectory(atPath: root)) ?? [] {
                    for rp in (try? fm.contentsOfDirectory(atPath: "\(root)/\(db)")) ?? [] where rp != "_series" {
                        try? fm.removeItem(atPath: "\(root)/\(db)/\(rp)/\(id)")
                    }
                }
            }
        }
    }

    /// `DROP DATABASE`: every shard of the database and its directories.
    public func deleteDatabase(_ name: String) async {
        await blocking {
            let gone = self.removeShards { $0.database == name }
            for shard in gone { shard.engine.close() }
            self.databases.withLock { $0[name] = nil }
            self.closeSeriesFile(of: name)
            for root in [self.dataDir, self.walDir] { try? FileManager.default.removeItem(atPath: "\(root)/\(name)") }
        }
    }

    /// `DROP RETENTION POLICY`: the policy's shards and directories.
    public func deleteRetentionPolicy(database: String, name: String) async {
        await blocking {
            let gone = self.removeShards { $0.database == database && $0.retentionPolicy == name }
            for shard in gone {
                shard.engine.close()
                shard.forgetAllSeries()
            }
            for root in [self.dataDir, self.walDir] { try? FileManager.default.removeItem(atPath: "\(root)/\(database)/\(name)") }
        }
    }

    private func removeShards(where matches: (Shard) -> Bool) -> [Shard] {
        shards.update { all in
            var gone: [Shard] = []
            for (id, slot) in all {
                if case .open(let shard) = slot, matches(shard) {
                    gone.append(shard)
                    all[id] = nil
                }
            }
            return gone
        }
    }

    /// Stops every shard's background work (running compactions give up, snapshots finish).
    public func close() async {
        let all = openShards
        await blocking {
            for shard in all { shard.engine.close() }
            self.closeSeriesFiles()
        }
    }

    /// Every shard the store holds (1.x `Store.ShardIDs`): open ones and those that failed to open.
    public var shardIDs: [UInt64] {
        shards.withLock { all in all.compactMap { id, slot in if case .opening = slot { nil } else { id } } }
    }

    /// Shard `id` if it is open.
    func shardSlot(_ id: UInt64) -> Shard? {
        shards.withLock { all in if case .open(let shard)? = all[id] { shard } else { nil } }
    }

    /// Shards currently open.
    public var openShards: [Shard] {
        shards.withLock { all in all.values.compactMap { if case .open(let s) = $0 { s } else { nil } } }
    }

    /// Shards that failed to open, with their errors.
    public var failedShards: [UInt64: String] {
        shards.withLock { all in all.compactMapValues { if case .failed(let why) = $0 { why } else { nil } } }
    }
}
