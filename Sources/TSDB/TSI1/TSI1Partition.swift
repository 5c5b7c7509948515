#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TSI
import TSM

/// One partition of a shard's tsi1 index (`index/<n>`, `Spec/tsi.md` §1–2): its MANIFEST and
/// the active log file entries are appended to. Appends are copied into the file under a short
/// lock; making them durable (fsync) happens outside it, one fsync serving every writer
/// waiting (group commit), before a write that created series is acknowledged.
final class TSI1Partition: Sendable {
    let path: String
    /// The files the MANIFEST lists, newest first.
    let manifest: Manifest

    struct Log {
        var fd: Int32
        /// Where the next entry goes: the end of the entries replay kept (1.6 overwrites a
        /// damaged tail from there).
        var size: Int
    }

    private let log: Mutex<Log>
    private let durable: GroupCommit<StoreError>

    private init(path: String, manifest: Manifest, fd: Int32, size: Int) {
        self.path = path
        self.manifest = manifest
        log = Mutex(Log(fd: fd, size: size))
        durable = GroupCommit(durable: UInt64(size))
    }

    deinit { close(log.withLock { $0.fd }) }

    /// What opening found in the partition's files, oldest first.
    struct Contents {
        /// The log files' entries, oldest file first.
        var logEntries: [LogEntry] = []
        /// Index files the MANIFEST lists (read by the caller), oldest first.
        var indexFiles: [String] = []
    }

    /// Opens partition `number` of the index at `indexPath`, creating it as 1.6 does when it
    /// has no MANIFEST (an empty `L0-00000001.tsl` and the MANIFEST naming it), and replays its
    /// log files.
    static func open(indexPath: String, number: Int) throws(StoreError) -> (TSI1Partition, Contents) {
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
        } catch {
            throw .engine("tsi1 partition \(path): \(error)")
        }
        if !manifest.files.contains(where: { ManifestFileName.kind($0) == .log }) {
            // Every partition writes to a log file: a MANIFEST without one gets the next id.
            let next = (manifest.files.compactMap { ManifestFileName.parse($0)?.id }.max() ?? 0) + 1
            manifest.files.insert(ManifestFileName.log(id: next), at: 0)
            do throws(ManifestError) { try Self.write(manifest, to: path) } catch { throw .engine("tsi1 partition \(path): \(error)") }
        }
        // The newest log file (first in the MANIFEST) takes the appends.
        guard let active = manifest.files.first(where: { ManifestFileName.kind($0) == .log }) else {
            throw .engine("tsi1 partition \(path): no log file")
        }
        var contents = Contents()
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
                contents.logEntries += replay.entries
                if name == active { activeSize = replay.validLength }
            case .index?:
                contents.indexFiles.append(path + "/" + name)
            case nil:
                continue
            }
        }
        let fd = Glibc.open(path + "/" + active, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
        if fd < 0 { throw .engine("open \(path)/\(active): \(String(cString: strerror(errno)))") }
        return (TSI1Partition(path: path, manifest: manifest, fd: fd, size: activeSize), contents)
    }

    /// Writes the MANIFEST as 1.6 does (over the old file, not through a rename).
    private static func write(_ manifest: Manifest, to path: String) throws(ManifestError) {
        let bytes = manifest.encoded()
        let file = path + "/" + Manifest.fileName
        let fd = Glibc.open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        if fd < 0 { throw .io("open \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if wrote != bytes.count { throw .io("write \(file): \(String(cString: strerror(errno)))") }
    }

    /// Appends entries to the active log file and returns once they are durable.
    func append(_ entries: [LogEntry]) throws(StoreError) {
        guard let end = try write(entries) else { return }
        try waitDurable(end)
    }

    /// Copies entries to the end of the active log file (not yet durable); returns where they
    /// end, or nil when there is nothing to write.
    func write(_ entries: [LogEntry]) throws(StoreError) -> Int? {
        guard !entries.isEmpty else { return nil }
        let bytes = LogFileReplay.encode(entries)
        let end = try log.withLock { (l: inout Log) throws(StoreError) -> Int in
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { b in
                    b.baseAddress.map { pwrite(l.fd, $0 + done, b.count - done, off_t(l.size + done)) } ?? 0
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .engine("write \(path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
            l.size += bytes.count
            return l.size
        }
        durable.advanced()
        return end
    }

    /// Returns once the log file is durable up to `end`: one fsync serves every writer waiting.
    func waitDurable(_ end: Int) throws(StoreError) {
        try durable.waitDurable(UInt64(end)) { () throws(StoreError) -> UInt64 in
            let (fd, size) = log.withLock { ($0.fd, $0.size) }
            if fsync(fd) != 0 { throw .engine("fsync \(path): \(String(cString: strerror(errno)))") }
            return UInt64(size)
        }
    }
}
