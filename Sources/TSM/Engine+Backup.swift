#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// What a backup reads from a shard (1.x's `Engine.CreateSnapshot`, `Backup`, `Export`).
extension Engine {
    /// Writes the cache to a TSM file, then hard-links every TSM file and tombstone file of the
    /// shard into a new directory `<shard>/<n>.tmp`, which the caller removes when done. Every
    /// point acknowledged before the call is in the linked files.
    ///
    /// No lock is held while linking: a compaction may unlink a listed file meanwhile, and
    /// then the list is taken again (its output holds the same points). A tombstone is linked
    /// before its TSM file: compactions unlink the TSM file first, so a tombstone missing while
    /// its TSM file still links never existed.
    public func backupSnapshot() throws(EngineError) -> String {
        try snapshot()
        for _ in 0..<1000 {
            let directory = path + "/" + String(backupDirectories.add(1, ordering: .relaxed).newValue) + ".tmp"
            Self.removeTree(directory)
            guard mkdir(directory, 0o777) == 0 else { throw .io("mkdir", path: directory, errno: errno) }
            var complete = true
            for file in fileStore.files {
                let name = file.path.split(separator: "/").last.map(String.init) ?? file.path
                let tombstone = TombstoneFile.path(forTSM: file.path)
                if link(tombstone, directory + "/" + (tombstone.split(separator: "/").last.map(String.init) ?? tombstone)) != 0 && errno != ENOENT {
                    let code = errno
                    Self.removeTree(directory)
                    throw .io("link", path: tombstone, errno: code)
                }
                if link(file.path, directory + "/" + name) != 0 {
                    let code = errno
                    guard code == ENOENT else {
                        Self.removeTree(directory)
                        throw .io("link", path: file.path, errno: code)
                    }
                    complete = false  // compacted away meanwhile: list the files again
                    break
                }
            }
            if complete { return directory }
            Self.removeTree(directory)
        }
        throw .io("backup snapshot: the files kept changing", path: path, errno: EAGAIN)
    }

    /// Removes a directory of plain files (a backup snapshot) and the directory.
    public static func removeTree(_ directory: String) {
        guard let names = try? fileNames(in: directory) else { return }
        for name in names { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    /// Writes to `destination` the blocks of the TSM file `source` whose time range overlaps
    /// `[min, max]` (whole blocks, as 1.x's export keeps them). Returns false when no block
    /// overlaps (nothing is written); a file whose blocks cannot be copied in order is copied
    /// whole, a superset as 1.x's block filter is.
    public static func filteredCopy(of source: String, to destination: String, min: Int64, max: Int64) throws(TSMFileError) -> Bool {
        switch try copyBlocks(of: source, to: destination, min: min, max: max) {
        case .written: return true
        case .empty: return false
        case .unordered: return try copyFile(source, to: destination)
        }
    }

    private enum BlockCopy { case written, empty, unordered }

    /// The block filter itself; the writer (and its file, unless finished) is gone on return.
    private static func copyBlocks(of source: String, to destination: String, min: Int64, max: Int64) throws(TSMFileError) -> BlockCopy {
        let reader = try TSMReader(path: source)
        unlink(destination)
        var writer = try TSMWriter(path: destination)
        do throws(TSMFileError) {
            for position in 0..<reader.keyCount {
                let key = reader.key(at: position)
                for entry in reader.entries(at: position).entries where entry.overlaps(min: min, max: max) {
                    try reader.withBlock(entry, key: key) { (block) throws(TSMFileError) in
                        try writer.writeBlock(key: key, minTime: entry.minTime, maxTime: entry.maxTime, bytes: block)
                    }
                }
            }
        } catch .keyOrder {
            return .unordered
        }
        do throws(TSMFileError) {
            try writer.finish()
        } catch .noValues {
            return .empty
        }
        return .written
    }

    /// Copies a file byte for byte (fsynced).
    private static func copyFile(_ source: String, to destination: String) throws(TSMFileError) -> Bool {
        let input = Glibc.open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .io("open", path: source, errno: errno) }
        defer { Glibc.close(input) }
        let output = Glibc.open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw .io("open", path: destination, errno: errno) }
        defer { Glibc.close(output) }
        try FileIO.copy(input, path: source, to: output, path: destination)
        guard fsync(output) == 0 else { throw .io("fsync", path: destination, errno: errno) }
        return true
    }
}
