#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TSM

/// What the snapshotter asks of the store (1.x's `BackupShard`, `ShardRelativePath`,
/// `RestoreShard`, `CreateShard`).
extension Store {
    /// The open shard `id`, if any.
    public func openShard(_ id: UInt64) -> Shard? {
        shardSlot(id)
    }

    /// A shard's directory relative to the data directory: `db/rp/id`, as 1.x names the
    /// shards of a backup.
    public static func relativePath(of shard: Shard) -> String {
        "\(shard.database)/\(shard.retentionPolicy)/\(shard.id)"
    }

    /// Puts files into shard `id` and opens it again with them (1.x's `RestoreShard`): the
    /// shard is taken out of service (writers to it wait), closed, given the files, then
    /// reopened — its series and field types learnt from the new files' keys. `files` are
    /// names in `staging` (`*.tsm` and `*.tombstone`); a TSM file whose name is taken gets
    /// the next free generation, its tombstone following it. Blocks: call on the store's pool.
    public func restoreShard(_ id: UInt64, from staging: String, files: [String]) throws(StoreError) {
        guard let shard = takeForRestore(id) else { throw .engine("shard \(id) doesn't exist on this server") }
        shard.engine.close()
        shard.releaseSeries()
        var generation = ((try? Engine.fileNames(in: shard.path)) ?? []).filter { $0.hasSuffix(".tsm") }.compactMap { TSMFileName(path: $0)?.generation }.max() ?? 0
        var failure: StoreError?
        for name in files.filter({ $0.hasSuffix(".tsm") }).sorted() {
            var target = name
            if access(shard.path + "/" + name, F_OK) == 0 || TSMFileName(path: name) == nil {
                generation += 1
                target = Engine.fileName(generation: generation, sequence: TSMFileName(path: name)?.sequence ?? 1)
            }
            if rename(staging + "/" + name, shard.path + "/" + target) != 0 {
                failure = .engine("restore \(name): errno \(errno)")
                break
            }
            let tombstone = String(name.dropLast(4)) + ".tombstone"
            if files.contains(tombstone) {
                rename(staging + "/" + tombstone, shard.path + "/" + String(target.dropLast(4)) + ".tombstone")
            }
        }
        // A tombstone file without its TSM file (an incremental backup taken after a delete):
        // it supersedes the tombstones of that file, if the shard holds it (tombstone files
        // only grow, so the newer one holds the older one's ranges).
        for name in files where name.hasSuffix(".tombstone") && !files.contains(String(name.dropLast(10)) + ".tsm") {
            if access(shard.path + "/" + String(name.dropLast(10)) + ".tsm", F_OK) == 0 {
                rename(staging + "/" + name, shard.path + "/" + name)
            }
        }
        let fd = Glibc.open(shard.path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); Glibc.close(fd) }
        let reopened = reopen(shard)
        if let failure { throw failure }
        _ = try reopened.get()
    }

    /// Claims shard `id`'s slot for a restore (waiting for an open under way); nil when the
    /// store does not hold it open.
    private func takeForRestore(_ id: UInt64) -> Shard? {
        shards.wait { all -> Shard?? in
            switch all[id] {
            case .open(let shard)?:
                all[id] = .opening
                return .some(shard)
            case .opening?: return nil
            default: return .some(nil)
            }
        }
    }

    /// Opens `shard` again in its claimed slot.
    private func reopen(_ shard: Shard) -> Result<Shard, StoreError> {
        do throws(StoreError) {
            let opened = try makeShard(id: shard.id, database: shard.database, retentionPolicy: shard.retentionPolicy, indexEveryKey: true)
            shards.update { $0[shard.id] = .open(opened) }
            return .success(opened)
        } catch {
            let why = "[shard \(shard.id)] \(error)"
            shards.update { $0[shard.id] = .failed(why) }
            return .failure(.engine(why))
        }
    }
}
