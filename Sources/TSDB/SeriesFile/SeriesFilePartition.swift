import Checksum
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One partition directory of a 1.x series file (`_series/00` … `_series/07`): its segment
/// files in name order and, once 1.x has compacted the partition, its `index` file.
public struct SeriesFilePartition: Sendable {
    /// The directory.
    public let path: String
    /// The segments, in file-name order (as 1.x lists them).
    public let segments: [SeriesSegment]
    /// The on-disk index, or nil when the partition has none yet.
    public let index: SeriesFileIndex?

    public init(path: String, segments: [SeriesSegment], index: SeriesFileIndex?) {
        self.path = path
        self.segments = segments
        self.index = index
    }

    /// Reads every segment and the index (if any) of the partition at `path`.
    public static func open(path: String) throws(SeriesFileError) -> SeriesFilePartition {
        var segments: [SeriesSegment] = []
        for name in try SeriesFileDirectory.list(path) {
            guard let id = SeriesSegment.parseFileName(name) else { continue }
            segments.append(try SeriesSegment.read(path: path + "/" + name, id: id))
        }
        let indexPath = path + "/index"
        let index: SeriesFileIndex? = SeriesFileDirectory.exists(indexPath) ? try SeriesFileIndex.read(path: indexPath) : nil
        return SeriesFilePartition(path: path, segments: segments, index: index)
    }

    /// The segment with id `id`.
    public func segment(id: UInt16) -> SeriesSegment? { segments.first { $0.id == id } }

    /// The key of the insert entry at `offset`, or nil (1.x's `ReadSeriesKeyFromSegments`
    /// on `offset + 9`).
    public func key(atOffset offset: Int64) -> ArraySlice<UInt8>? {
        let (segmentID, position) = SeriesFileOffset.split(offset)
        return segment(id: segmentID)?.keyBytes(ofEntryAt: Int(position))
    }

    /// Every entry of every segment, in order, with its offset; throws at the first damage.
    public func entries() throws(SeriesFileError) -> [(offset: Int64, entry: SeriesEntry)] {
        var out: [(offset: Int64, entry: SeriesEntry)] = []
        for segment in segments {
            try segment.forEachEntry { entry in
                out.append((SeriesFileOffset.join(segment: segment.id, position: UInt32(truncatingIfNeeded: entry.position)), entry))
            }
        }
        return out
    }

    /// 1.x's view of the partition (`SeriesIndex` after `Recover`): the on-disk maps plus the
    /// entries after the index's `maxOffset`.
    public func lookup() -> SeriesFileLookup { SeriesFileLookup(partition: self) }
}

/// Series lookups as 1.x's `SeriesIndex` answers them after opening a partition: the on-disk
/// maps, plus in-memory maps replayed from the entries written after the index's
/// `maxOffset` (the entries stop at the first damaged one, as 1.x's replay stops at the first
/// flag it does not know).
public struct SeriesFileLookup: Sendable {
    public let partition: SeriesFilePartition
    /// Ids with a tombstone after the index's `maxOffset`.
    public private(set) var tombstones: Set<UInt64> = []
    /// Offsets of the inserts after the index's `maxOffset`.
    public private(set) var offsets: [UInt64: Int64] = [:]
    /// The same inserts by key hash: (offset, id) pairs.
    private var keys: [Int64: [(offset: Int64, id: UInt64)]] = [:]

    public init(partition: SeriesFilePartition) {
        self.partition = partition
        let maxOffset = partition.index?.header.maxOffset ?? 0
        let minSegment = SeriesFileOffset.split(maxOffset).segment
        for segment in partition.segments where segment.id >= minSegment {
            _ = try? segment.forEachEntry { entry in
                let offset = SeriesFileOffset.join(segment: segment.id, position: UInt32(truncatingIfNeeded: entry.position))
                guard offset > maxOffset else { return }
                switch entry.kind {
                case .insert:
                    let hash = segment.data[entry.key].withUnsafeBytes { SeriesFileHash.key($0) }
                    var list = keys[hash] ?? []
                    if let i = list.firstIndex(where: { partition.key(atOffset: $0.offset) == segment.data[entry.key] }) {
                        list[i] = (offset, entry.id)
                    } else {
                        list.append((offset, entry.id))
                    }
                    keys[hash] = list
                    offsets[entry.id] = offset
                case .tombstone:
                    tombstones.insert(entry.id)
                }
            }
        }
    }

    /// The offset of `id`'s insert entry, or 0 (`FindOffsetByID`).
    public func offset(forID id: UInt64) -> Int64 {
        if let offset = offsets[id], offset != 0 { return offset }
        return partition.index?.offset(forID: id) ?? 0
    }

    /// Whether `id` is deleted, or unknown (`IsDeleted`).
    public func isDeleted(_ id: UInt64) -> Bool { tombstones.contains(id) || offset(forID: id) == 0 }

    /// The live id of a key (length prefix included), or 0 (`FindIDBySeriesKey`).
    public func id(forKey key: some Collection<UInt8>) -> UInt64 {
        let bytes = Array(key)
        return bytes.withUnsafeBytes { k in
            let hash = SeriesFileHash.key(k)
            if let match = keys[hash]?.first(where: { partition.key(atOffset: $0.offset).map { $0.elementsEqual(bytes) } ?? false }),
               match.id != 0, !isDeleted(match.id) {
                return match.id
            }
            guard let index = partition.index else { return 0 }
            let id = index.id(forKey: k) { partition.key(atOffset: $0) }
            return id != 0 && isDeleted(id) ? 0 : id
        }
    }
}

/// A whole series file (`<data>/<db>/_series`): its partitions, read at once.
public struct SeriesFileReader: Sendable {
    /// One series of the file.
    public struct Series: Sendable {
        /// Its id.
        public let id: UInt64
        /// The partition it lives in (0–7).
        public let partition: Int
        /// Its decoded key; ranges index `keyBytes`.
        public let key: SeriesFileKey
        /// The key's bytes as stored (length prefix included).
        public let keyBytes: [UInt8]
        /// Whether a tombstone follows its insert.
        public let deleted: Bool

        /// The key as `SHOW SERIES` prints it.
        public var escapedKey: String {
            String(decoding: keyBytes.withUnsafeBytes { key.escaped(in: $0) }, as: UTF8.self)
        }
    }

    /// The directory.
    public let path: String
    /// The partitions by directory name (`00` … `07`).
    public let partitions: [(name: String, partition: SeriesFilePartition)]

    /// Reads every partition directory under `path`.
    public static func open(path: String) throws(SeriesFileError) -> SeriesFileReader {
        var partitions: [(name: String, partition: SeriesFilePartition)] = []
        for name in try SeriesFileDirectory.list(path) where SeriesFileDirectory.isDirectory(path + "/" + name) {
            partitions.append((name, try SeriesFilePartition.open(path: path + "/" + name)))
        }
        return SeriesFileReader(path: path, partitions: partitions)
    }

    /// Every series inserted in the file, in id order, with its deleted flag; throws at the
    /// first damaged entry or key.
    public func series() throws(SeriesFileError) -> [Series] {
        var out: [Series] = []
        for (name, partition) in partitions {
            let number = Int(name, radix: 16) ?? -1
            var deleted = Set<UInt64>()
            var inserted: [(UInt64, [UInt8])] = []
            for segment in partition.segments {
                try segment.forEachEntry { entry in
                    switch entry.kind {
                    case .tombstone: deleted.insert(entry.id)
                    case .insert: inserted.append((entry.id, Array(segment.data[entry.key])))
                    }
                }
            }
            for (id, bytes) in inserted {
                let key = try bytes.withSeriesFileBytes { (b: UnsafeRawBufferPointer) throws(SeriesFileError) -> SeriesFileKey in
                    try SeriesFileKey.decode(b, at: 0)
                }
                out.append(Series(id: id, partition: number, key: key, keyBytes: bytes, deleted: deleted.contains(id)))
            }
        }
        return out.sorted { $0.id < $1.id }
    }
}

/// Directory helpers with Go's error texts.
public enum SeriesFileDirectory {
    /// The names in a directory, sorted (Go's `ioutil.ReadDir` order).
    public static func list(_ path: String) throws(SeriesFileError) -> [String] {
        guard let dir = opendir(path) else { throw .io("open \(path): \(SeriesFileBytes.errnoText(errno))") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Whether `path` exists (any kind of file).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Whether `path` is a directory (following links).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
