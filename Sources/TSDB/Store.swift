import Foundation
import Synchronization
import TSM

/// All shards of the server (1.x's `tsdb.Store`), opened on first use or at start.
public final class Store: Sendable {
    public let dataDir: String
    public let walDir: String
    public let engineConfig: EngineConfig
    public let limits: SeriesLimits
    private let shards = Mutex<[UInt64: Shard]>([:])
    private let databases = Mutex<[String: DatabaseSeries]>([:])

    public init(dataDir: String, walDir: String, engineConfig: EngineConfig = EngineConfig(), limits: SeriesLimits = SeriesLimits()) {
        self.dataDir = dataDir
        self.walDir = walDir
        self.engineConfig = engineConfig
        self.limits = limits
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

    /// The shard `id` of `database`/`retentionPolicy`, opened or created.
    public func shard(id: UInt64, database: String, retentionPolicy: String) throws(StoreError) -> Shard {
        if let open = shards.withLock({ $0[id] }) { return open }
        let shard = try Shard(id: id, database: database, retentionPolicy: retentionPolicy, dataDir: dataDir, walDir: walDir, config: engineConfig,
                              databaseSeries: series(of: database), limits: limits)
        return shards.withLock { all in
            if let raced = all[id] { return raced }
            all[id] = shard
            return shard
        }
    }

    /// Opens every shard found under the data and WAL directories (`<db>/<rp>/<id>`), as 1.x
    /// does at start, so WAL replay happens before the first request.
    public func openAll() throws(StoreError) -> Int {
        var found: Set<[String]> = []
        for root in [dataDir, walDir] {
            let fm = FileManager.default
            for db in (try? fm.contentsOfDirectory(atPath: root)) ?? [] {
                for rp in (try? fm.contentsOfDirectory(atPath: "\(root)/\(db)")) ?? [] {
                    for id in (try? fm.contentsOfDirectory(atPath: "\(root)/\(db)/\(rp)")) ?? [] where UInt64(id) != nil {
                        found.insert([db, rp, id])
                    }
                }
            }
        }
        for entry in found { _ = try shard(id: UInt64(entry[2])!, database: entry[0], retentionPolicy: entry[1]) }
        return found.count
    }

    /// Closes and deletes shards (`DROP SHARD`, dropped policies and databases): their data
    /// and WAL directories go; a shard that was never opened is removed from disk all the same.
    public func deleteShard(_ id: UInt64) {
        if let gone = shards.withLock({ $0.removeValue(forKey: id) }) { gone.databaseSeries.remove(gone.index.allSeries) }
        let fm = FileManager.default
        for root in [dataDir, walDir] {
            for db in (try? fm.contentsOfDirectory(atPath: root)) ?? [] {
                for rp in (try? fm.contentsOfDirectory(atPath: "\(root)/\(db)")) ?? [] {
                    try? fm.removeItem(atPath: "\(root)/\(db)/\(rp)/\(id)")
                }
            }
        }
    }

    /// `DROP DATABASE`: every shard of the database and its directories.
    public func deleteDatabase(_ name: String) {
        shards.withLock { all in all = all.filter { $0.value.database != name } }
        databases.withLock { $0[name] = nil }
        for root in [dataDir, walDir] { try? FileManager.default.removeItem(atPath: "\(root)/\(name)") }
    }

    /// `DROP RETENTION POLICY`: the policy's shards and directories.
    public func deleteRetentionPolicy(database: String, name: String) {
        let gone = shards.withLock { all in
            let dropped = all.values.filter { $0.database == database && $0.retentionPolicy == name }
            all = all.filter { !($0.value.database == database && $0.value.retentionPolicy == name) }
            return dropped
        }
        for shard in gone { shard.databaseSeries.remove(shard.index.allSeries) }
        for root in [dataDir, walDir] { try? FileManager.default.removeItem(atPath: "\(root)/\(database)/\(name)") }
    }

    /// Shards currently open.
    public var openShards: [Shard] { shards.withLock { Array($0.values) } }
}
