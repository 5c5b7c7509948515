#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import LineProtocol
import Synchronization
import TSI
import TSM

/// One partition of a shard's tsi1 index (`index/<n>`, `Spec/tsi.md` §1–3): its MANIFEST and
/// the active log file entries are appended to.
///
/// Appends are copied into the file under a short lock; making them durable (fsync) happens
/// outside it, one fsync serving every writer waiting (group commit), before a write that
/// created series is acknowledged. Once the active log reaches `maxLogFileSize` a new log takes
/// the appends and the old one is compacted into an `L1` index file in the background, as 1.6
/// does; the MANIFEST changes under a lock of its own that appends never take.
final class TSI1Partition: Sendable {
    let path: String
    let seriesFile: SeriesFile
    let maxLogFileSize: Int

    struct Log {
        var fd: Int32
        var name: String
        /// Where the next entry goes: the end of the entries replay kept (1.6 overwrites a
        /// damaged tail from there).
        var size: Int
        /// Bytes appended to any log since the partition opened: the group commit's position.
        var total: UInt64
        /// Files of rotated-out logs not yet fsynced: the next flush syncs and closes them.
        var unsynced: [Int32] = []
        var rotating = false
        /// What queries read of the files (`TSI1PartitionSnapshot`): the active log's postings,
        /// changed with every append under this lock, and the other files by name, newest first.
        var postings = TSI1LogPostings()
        var older: [(name: String, layer: TSI1Layer)] = []
    }

    struct Files {
        var manifest: Manifest
        /// The next file id (ids only grow, as 1.6's sequence).
        var nextID: Int
    }

    let log: Mutex<Log>
    let files: Mutex<Files>
    private let durable: GroupCommit<StoreError>
    /// Background compactions, waited for on close.
    let compactions = DispatchGroup()

    private init(path: String, seriesFile: SeriesFile, maxLogFileSize: Int, manifest: Manifest, active: String, fd: Int32, size: Int) {
        self.path = path
        self.seriesFile = seriesFile
        self.maxLogFileSize = maxLogFileSize
        log = Mutex(Log(fd: fd, name: active, size: size, total: 0))
        files = Mutex(Files(manifest: manifest, nextID: (manifest.files.compactMap { ManifestFileName.parse($0)?.id }.max() ?? 0) + 1))
        durable = GroupCommit(durable: 0)
    }

    deinit {
        compactions.wait()
        let (fd, unsynced) = log.withLock { ($0.fd, $0.unsynced) }
        for old in unsynced { close(old) }
        close(fd)
    }

    /// What opening found in the partition's files, oldest first.
    enum File {
        case log(name: String, entries: [LogEntry])
        case index(name: String, path: String)
    }

    /// Opens partition `number` of the index at `indexPath`, creating it as 1.6 does when it
    /// has no MANIFEST (an empty `L0-00000001.tsl` and the MANIFEST naming it), and replays its
    /// log files.
    static func open(indexPath: String, number: Int, seriesFile: SeriesFile, maxLogFileSize: Int) throws(StoreError) -> (TSI1Partition, [File]) {
        let path = indexPath + "/" + ManifestPartitions.directoryName(number)
        if mkdir(path, 0o777) != 0 && errno != EEXIST { throw .engine("mkdir \(path): \(String(cString: strerror(errno)))") }
        var manifest: Manifest
        do throws(ManifestError) {
            if let read = try Manifest.read(path: path + "/" + Manifest.fileName) {
                try read.validate()
                manifest = read
            } else {
                manifest = Manifest(files: [ManifestFileName.log(id: 1)])
                try Self.write(manifest, to: path)
            }
            if !manifest.files.contains(where: { ManifestFileName.kind($0) == .log }) {
                // Every partition writes to a log file: a MANIFEST without one gets the next id.
                let next = (manifest.files.compactMap { ManifestFileName.parse($0)?.id }.max() ?? 0) + 1
                manifest.files.insert(ManifestFileName.log(id: next), at: 0)
                try Self.write(manifest, to: path)
            }
        } catch {
            throw .engine("tsi1 partition \(path): \(error)")
        }
        // The newest log file (first in the MANIFEST) takes the appends.
        guard let active = manifest.files.first(where: { ManifestFileName.kind($0) == .log }) else {
            throw .engine("tsi1 partition \(path): no log file")
        }
        var found: [File] = []
        var activeSize = 0
        for name in manifest.files.reversed() {
            switch ManifestFileName.kind(name) {
            case .log?:
                let file = path + "/" + name
                guard access(file, F_OK) == 0 else { continue }
                let replay: LogFileReplay
                do throws(LogFileError) { replay = try LogFileReplay.read(path: file) } catch {
                    throw .engine("tsi1 log file \(file): \(error)")
                }
                found.append(.log(name: name, entries: replay.entries))
                if name == active { activeSize = replay.validLength }
            case .index?:
                found.append(.index(name: name, path: path + "/" + name))
            case nil:
                continue
            }
        }
        let fd = Glibc.open(path + "/" + active, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
        if fd < 0 { throw .engine("open \(path)/\(active): \(String(cString: strerror(errno)))") }
        let partition = TSI1Partition(path: path, seriesFile: seriesFile, maxLogFileSize: maxLogFileSize, manifest: manifest,
                                      active: active, fd: fd, size: activeSize)
        return (partition, found)
    }

    /// Writes a MANIFEST with 1.6's bytes, through a temporary file and a rename (1.6 writes
    /// over the old file; a crash then can leave it unreadable).
    static func write(_ manifest: Manifest, to path: String) throws(ManifestError) {
        let file = path + "/" + Manifest.fileName
        do throws(SeriesFileError) { try SeriesFileBytes.writeFile(file + ".tmp", manifest.encoded()) } catch {
            throw .io(error.description)
        }
        if rename(file + ".tmp", file) != 0 { throw .io("rename \(file): \(String(cString: strerror(errno)))") }
    }

    /// Appends entries to the active log file and returns once they are durable.
    func append(_ entries: [LogEntry]) throws(StoreError) {
        guard let end = try write(entries) else { return }
        try waitDurable(end)
    }

    /// The files as queries read them now.
    var snapshot: TSI1PartitionSnapshot {
        log.withLock { TSI1PartitionSnapshot(active: $0.postings, older: $0.older.map(\.layer), seriesFile: seriesFile) }
    }

    /// The memory the logs' postings hold, roughly.
    var postingsBytes: Int {
        log.withLock { l in
            l.older.reduce(l.postings.bytes) { sum, file in if case .log(let p) = file.layer { sum + p.bytes } else { sum } }
        }
    }

    /// Puts the series the logs replayed at open in their maps, in the background: built off
    /// the lock, then swapped in under it (with what the active log took since).
    func materializePending() {
        let work = log.withLock { l -> [(name: String, ids: [UInt64])] in
            var out: [(String, [UInt64])] = l.postings.pending.isEmpty ? [] : [(l.name, l.postings.pending)]
            for file in l.older { if case .log(let p) = file.layer, !p.pending.isEmpty { out.append((file.name, p.pending)) } }
            return out
        }
        guard !work.isEmpty else { return }
        compactions.enter()
        // Started a moment after open, not competing with the rest of start-up; lookups scan
        // the pending series meanwhile.
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .seconds(1)) { [self] in
            defer { compactions.leave() }
            for (name, ids) in work {
                var built = TSI1LogPostings.built(ids, seriesFile)
                log.withLock { l in
                    if l.name == name, l.postings.pending.count == ids.count {
                        let current = l.postings
                        l.postings = TSI1LogPostings()
                        built.absorb(current)
                        l.postings = built
                    } else if let i = l.older.firstIndex(where: { $0.name == name }), case .log(let p) = l.older[i].layer, p.pending.count == ids.count {
                        l.older[i].layer = .log(TSI1LogPostings())
                        built.absorb(p)
                        l.older[i].layer = .log(built)
                    }
                }
            }
        }
    }

    /// Sets what queries read once opening has read the files: the active log's postings and
    /// the other files, newest first.
    func install(postings: TSI1LogPostings, older: [(name: String, layer: TSI1Layer)]) {
        log.withLock {
            $0.postings = postings
            $0.older = older
        }
    }

    /// Puts `layer`, named `name`, where the file `replacing` was for queries, and drops the
    /// files `dropping` (a compaction's output taking its inputs' place).
    func replaceLayer(_ replacing: String, with name: String, _ layer: TSI1Layer, dropping: String? = nil) {
        log.withLock { l in
            guard let at = l.older.firstIndex(where: { $0.name == replacing }) else { return }
            l.older[at] = (name, layer)
            if let dropping { l.older.removeAll { $0.name == dropping } }
        }
    }

    /// Copies entries to the end of the active log file (not yet durable); returns the group
    /// commit position they end at, or nil when there is nothing to write. `inserted`: the
    /// series the entries insert, with their keys, for the postings queries read.
    /// `dropped`: measurements the entries drop, which the active log's postings forget (in
    /// the log's order: inserts written after still count).
    func write(_ entries: [LogEntry], inserted: [(id: UInt64, key: SeriesKey)] = [], dropped: [[UInt8]] = []) throws(StoreError) -> UInt64? {
        guard !entries.isEmpty else { return nil }
        let bytes = LogFileReplay.encode(entries)
        let end = try log.withLock { (l: inout Log) throws(StoreError) -> UInt64 in
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { b in
                    b.baseAddress.map { pwrite(l.fd, $0 + done, b.count - done, off_t(l.size + done)) } ?? 0
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .engine("write \(path)/\(l.name): \(String(cString: strerror(errno)))")
                }
                done += n
            }
            l.size += bytes.count
            l.total += UInt64(bytes.count)
            for (id, key) in inserted { l.postings.insert(id, key) }
            for name in dropped { l.postings.drop(name) }
            return l.total
        }
        durable.advanced()
        return end
    }

    /// Returns once the logs are durable up to `end`: one flush serves every writer waiting,
    /// and syncs (then closes) the logs rotated out since the last one.
    func waitDurable(_ end: UInt64) throws(StoreError) {
        try durable.waitDurable(end) { () throws(StoreError) -> UInt64 in
            let (fds, total) = log.withLock { l -> ([Int32], UInt64) in
                defer { l.unsynced = [] }
                return (l.unsynced + [l.fd], l.total)
            }
            for (i, fd) in fds.enumerated() {
                if fsync(fd) != 0 { throw .engine("fsync \(path): \(String(cString: strerror(errno)))") }
                if i < fds.count - 1 { close(fd) }
            }
            return total
        }
        rotateIfFull()
    }
}
