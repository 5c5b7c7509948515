#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One TSM file of a shard and its tombstones (the ranges deleted from it since it was
/// written). Reference-counted: a query or a compaction that took the file keeps it mapped
/// after a compaction has replaced and unlinked it.
public final class TSMFile: Sendable {
    public let reader: TSMReader
    public let name: TSMFileName
    private let deleted: Mutex<[[UInt8]: [(min: Int64, max: Int64)]]>
    /// Size of the `.tombstone` file (0 when there is none).
    let tombstoneBytes: Atomic<Int>

    init(reader: TSMReader, tombstones: [[UInt8]: [(min: Int64, max: Int64)]] = [:], tombstoneBytes: Int = 0) {
        self.reader = reader
        self.name = TSMFileName(path: reader.path) ?? TSMFileName(generation: 0, sequence: 0)
        self.deleted = Mutex(tombstones)
        self.tombstoneBytes = Atomic(tombstoneBytes)
    }

    /// Opens `path` with its `.tombstone` file.
    static func open(_ path: String) throws(TSMFileError) -> TSMFile {
        let reader = try TSMReader(path: path)
        var tombstones: [[UInt8]: [(min: Int64, max: Int64)]] = [:]
        let tombstonePath = TombstoneFile.path(forTSM: path)
        do throws(TombstoneError) {
            for t in try TombstoneFile.read(tombstonePath) { tombstones[t.key, default: []].append((t.min, t.max)) }
        } catch {
            throw .tombstone(error)
        }
        // Once, as the shard opens: the statistics then follow the file as deletes append to it.
        var info = stat()
        let tombstoneBytes = stat(tombstonePath, &info) == 0 ? Int(info.st_size) : 0
        return TSMFile(reader: reader, tombstones: tombstones, tombstoneBytes: tombstoneBytes)
    }

    /// Bytes on disk: the TSM file and its tombstones (1.x's `FileStore` `diskBytes` adds both).
    public var diskBytes: Int { reader.size + tombstoneBytes.load(ordering: .relaxed) }

    public var path: String { reader.path }

    /// The deleted ranges of `key` in this file.
    public func tombstones(for key: [UInt8]) -> [(min: Int64, max: Int64)] {
        deleted.withLock { $0.isEmpty ? [] : $0[key] ?? [] }
    }

    /// Whether anything was deleted from this file.
    public var hasTombstones: Bool { deleted.withLock { !$0.isEmpty } }

    /// Appends deleted ranges to the `.tombstone` file (fsynced), then applies them to reads;
    /// returns how many bytes the tombstone file grew by. The caller serialises deletes of a
    /// shard.
    @discardableResult
    func addTombstones(_ ranges: [Tombstone]) throws(TombstoneError) -> Int {
        guard !ranges.isEmpty else { return 0 }
        let size = try TombstoneFile.append(ranges, to: TombstoneFile.path(forTSM: path))
        deleted.withLock { all in
            for t in ranges { all[t.key, default: []].append((t.min, t.max)) }
        }
        return size - tombstoneBytes.exchange(size, ordering: .relaxed)
    }
}

/// The shard's TSM files, oldest first: an immutable list replaced whole when a snapshot adds
/// a file or a compaction swaps its inputs for its output. Readers take the list as it is and
/// never wait for a snapshot or a compaction.
public final class FileStore: Sendable {
    private let state = Mutex<[TSMFile]>([])
    /// 1.x's file store statistics, kept as files come and go (``statistics(tags:)``).
    private let diskBytesTotal = Atomic<Int>(0)
    private let fileCount = Atomic<Int>(0)

    public init() {}

    /// Bytes of the TSM files and their tombstones.
    public var diskBytes: Int { diskBytesTotal.load(ordering: .relaxed) }

    /// Number of files, without the lock (what the statistics report).
    public var numFiles: Int { fileCount.load(ordering: .relaxed) }

    /// A file's tombstones grew (a delete): counted in ``diskBytes``.
    func tombstonesGrew(by bytes: Int) { diskBytesTotal.add(bytes, ordering: .relaxed) }

    /// The files now, ordered by name (generation, then sequence): later ones win.
    public var files: [TSMFile] { state.withLock { $0 } }

    /// Number of files.
    public var count: Int { state.withLock { $0.count } }

    /// Publishes `added` and drops `removed` (by path) in one step.
    func replace(_ removed: [TSMFile], with added: [TSMFile]) {
        let gone = Set(removed.map(\.path))
        state.withLock { files in
            var change = 0
            files.removeAll { file in
                guard gone.contains(file.path) else { return false }
                change -= file.diskBytes
                return true
            }
            for file in added { change += file.diskBytes }
            files += added
            files.sort { $0.name < $1.name }
            diskBytesTotal.add(change, ordering: .relaxed)
            fileCount.store(files.count, ordering: .relaxed)
        }
    }

    /// The highest generation of any file (0 when there is none).
    var maxGeneration: Int { state.withLock { $0.map(\.name.generation).max() ?? 0 } }
}
