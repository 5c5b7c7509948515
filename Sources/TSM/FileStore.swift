import Synchronization

/// One TSM file of a shard and its tombstones (the ranges deleted from it since it was
/// written). Reference-counted: a query or a compaction that took the file keeps it mapped
/// after a compaction has replaced and unlinked it.
public final class TSMFile: Sendable {
    public let reader: TSMReader
    public let name: TSMFileName
    private let deleted: Mutex<[[UInt8]: [(min: Int64, max: Int64)]]>

    init(reader: TSMReader, tombstones: [[UInt8]: [(min: Int64, max: Int64)]] = [:]) {
        self.reader = reader
        self.name = TSMFileName(path: reader.path) ?? TSMFileName(generation: 0, sequence: 0)
        self.deleted = Mutex(tombstones)
    }

    /// Opens `path` with its `.tombstone` file.
    static func open(_ path: String) throws(TSMFileError) -> TSMFile {
        let reader = try TSMReader(path: path)
        var tombstones: [[UInt8]: [(min: Int64, max: Int64)]] = [:]
        do throws(TombstoneError) {
            for t in try TombstoneFile.read(TombstoneFile.path(forTSM: path)) { tombstones[t.key, default: []].append((t.min, t.max)) }
        } catch {
            throw .invalidFile("\(TombstoneFile.path(forTSM: path)): \(error)")
        }
        return TSMFile(reader: reader, tombstones: tombstones)
    }

    public var path: String { reader.path }

    /// The deleted ranges of `key` in this file.
    public func tombstones(for key: [UInt8]) -> [(min: Int64, max: Int64)] {
        deleted.withLock { $0.isEmpty ? [] : $0[key] ?? [] }
    }

    /// Whether anything was deleted from this file.
    public var hasTombstones: Bool { deleted.withLock { !$0.isEmpty } }

    /// Appends deleted ranges to the `.tombstone` file (fsynced), then applies them to reads.
    /// The caller serialises deletes of a shard.
    func addTombstones(_ ranges: [Tombstone]) throws(TombstoneError) {
        guard !ranges.isEmpty else { return }
        try TombstoneFile.append(ranges, to: TombstoneFile.path(forTSM: path))
        deleted.withLock { all in
            for t in ranges { all[t.key, default: []].append((t.min, t.max)) }
        }
    }
}

/// The shard's TSM files, oldest first: an immutable list replaced whole when a snapshot adds
/// a file or a compaction swaps its inputs for its output. Readers take the list as it is and
/// never wait for a snapshot or a compaction.
public final class FileStore: Sendable {
    private let state = Mutex<[TSMFile]>([])

    public init() {}

    /// The files now, ordered by name (generation, then sequence): later ones win.
    public var files: [TSMFile] { state.withLock { $0 } }

    /// Number of files.
    public var count: Int { state.withLock { $0.count } }

    /// Publishes `added` and drops `removed` (by path) in one step.
    func replace(_ removed: [TSMFile], with added: [TSMFile]) {
        let gone = Set(removed.map(\.path))
        state.withLock { files in
            files.removeAll { gone.contains($0.path) }
            files += added
            files.sort { $0.name < $1.name }
        }
    }

    /// The highest generation of any file (0 when there is none).
    var maxGeneration: Int { state.withLock { $0.map(\.name.generation).max() ?? 0 } }
}
