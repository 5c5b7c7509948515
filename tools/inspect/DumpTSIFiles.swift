#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TSDB
import TSI

// What `dumptsi` reads, as influx_inspect 1.6 sees it: the database's series file, and a
// tsi1 partition's files (log files replayed into 1.6's in-memory view, index files through
// `Sources/TSI`), merged as 1.6's `FileSet` merges them. Everything is read-only: where 1.6
// creates a missing file or directory on open, this reads it as empty.

/// A series key taken apart (1.6's `ParseSeriesKey`): raw name, tags in stored order.
struct DumpTSISeries {
    let name: [UInt8]
    let tags: [(key: [UInt8], value: [UInt8])]

    /// `name` then `models.Tags.HashKey()`: `,key=value` for each tag with a value, commas,
    /// spaces and equals signs escaped (the name is not), as `dumptsi` prints a series.
    var printed: [UInt8] {
        var out = name
        for tag in tags where !tag.value.isEmpty {
            out.append(UInt8(ascii: ","))
            Self.escape(tag.key, into: &out)
            out.append(UInt8(ascii: "="))
            Self.escape(tag.value, into: &out)
        }
        return out
    }

    private static func escape(_ bytes: [UInt8], into out: inout [UInt8]) {
        for c in bytes {
            if c == UInt8(ascii: ",") || c == UInt8(ascii: " ") || c == UInt8(ascii: "=") { out.append(UInt8(ascii: "\\")) }
            out.append(c)
        }
    }
}

/// A database's series file (`_series`) opened read-only, answering what 1.6's `SeriesFile`
/// answers `dumptsi`: keys by id (`SeriesKey`), `IsDeleted`, and every id inserted
/// (`SeriesIDIterator`). A missing directory or partition reads as empty (1.6 creates it).
struct DumpTSISeriesFile {
    private let partitions: [SeriesFileLookup]

    static func open(_ path: String) throws(CommandError) -> DumpTSISeriesFile {
        try DumpTSIPaths.requireDirectoryOrAbsent(path)
        var partitions: [SeriesFileLookup] = []
        for number in 0..<SeriesFile.partitionCount {
            let hex = String(number, radix: 16)
            let dir = GoPath.join(path, hex.count < 2 ? "0" + hex : hex)
            try DumpTSIPaths.requireDirectoryOrAbsent(dir)
            let partition: SeriesFilePartition
            if DumpTSIPaths.exists(dir) {
                do throws(SeriesFileError) { partition = try SeriesFilePartition.open(path: dir) } catch {
                    throw CommandError(error.description)
                }
            } else {
                partition = SeriesFilePartition(path: dir, segments: [], index: nil)
            }
            partitions.append(partition.lookup())
        }
        return DumpTSISeriesFile(partitions: partitions)
    }

    private func lookup(_ id: UInt64) -> SeriesFileLookup? {
        id == 0 ? nil : partitions[Int((id - 1) % UInt64(partitions.count))]
    }

    /// The series of `id`, or nil when the series file has no key for it (an unknown id, or
    /// one whose entry a compaction dropped).
    func series(_ id: UInt64) -> DumpTSISeries? {
        guard let lookup = lookup(id) else { return nil }
        let offset = lookup.offset(forID: id)
        guard offset != 0, let slice = lookup.partition.key(atOffset: offset) else { return nil }
        let bytes = Array(slice)
        return bytes.withUnsafeBytes { b -> DumpTSISeries? in
            guard let key = try? SeriesFileKey.decode(b, at: 0) else { return nil }
            return DumpTSISeries(name: Array(b[key.measurement]), tags: key.tags.map { (Array(b[$0.key]), Array(b[$0.value])) })
        }
    }

    /// 1.6's `IsDeleted`: tombstoned, or unknown.
    func isDeleted(_ id: UInt64) -> Bool { lookup(id)?.isDeleted(id) ?? false }

    /// Every id with an insert entry in any segment, sorted (1.6's `SeriesIDIterator`); a
    /// segment is read up to its first damaged entry.
    func ids() -> [UInt64] {
        var ids: [UInt64] = []
        for lookup in partitions {
            for segment in lookup.partition.segments {
                _ = try? segment.forEachEntry { entry in
                    if entry.kind == .insert { ids.append(entry.id) }
                }
            }
        }
        return ids.sorted()
    }
}

/// A measurement, tag key or tag value as a file lists it: its name and whether the file
/// marks it deleted.
struct DumpTSIElement {
    let name: [UInt8]
    let deleted: Bool
}

/// One file of a partition.
enum DumpTSIFile {
    case log(DumpTSILogFile)
    case index(DumpTSIIndexFile)

    var path: String {
        switch self {
        case .log(let f): f.path
        case .index(let f): f.path
        }
    }

    /// 1.6's `ParseFilename` id (0 when the name does not parse).
    var id: Int { ManifestFileName.parse(path)?.id ?? 0 }

    func measurements() -> [DumpTSIElement] {
        switch self {
        case .log(let f): f.measurements()
        case .index(let f): f.measurements()
        }
    }

    /// nil when the file does not have the measurement (1.6's nil iterator).
    func tagKeys(_ name: [UInt8]) throws(CommandError) -> [DumpTSIElement]? {
        switch self {
        case .log(let f): f.tagKeys(name)
        case .index(let f): try f.tagKeys(name)
        }
    }

    func tagValues(_ name: [UInt8], _ key: [UInt8]) throws(CommandError) -> [DumpTSIElement]? {
        switch self {
        case .log(let f): f.tagValues(name, key)
        case .index(let f): try f.tagValues(name, key)
        }
    }

    /// The series of a tag value, or nil where 1.6's file returns no iterator (no such value,
    /// or no series).
    func tagValueSeries(_ name: [UInt8], _ key: [UInt8], _ value: [UInt8]) throws(CommandError) -> [UInt64]? {
        switch self {
        case .log(let f): f.tagValueSeries(name, key, value)
        case .index(let f): try f.tagValueSeries(name, key, value)
        }
    }
}

/// A log file (`L0-*.tsl`) replayed as 1.6's `LogFile.open` replays it into its in-memory
/// index: a series entry (any flag but the three tag/measurement tombstones) looks the key
/// up in the series file (skipped when it has none) and adds the id to, or with flag `0x01`
/// removes it from, its measurement and each tag value, creating them as needed and
/// clearing the measurement's deleted mark; a measurement tombstone marks it deleted and
/// drops its keys and series; key and value tombstones mark those deleted.
final class DumpTSILogFile {
    struct Value {
        var name: [UInt8]
        var deleted = false
        var series = Set<UInt64>()
    }

    struct Key {
        var name: [UInt8]
        var deleted = false
        var values: [[UInt8]: Value] = [:]
    }

    struct Measurement {
        var name: [UInt8]
        var deleted = false
        var keys: [[UInt8]: Key] = [:]
        var series = Set<UInt64>()
    }

    let path: String
    /// The bytes replay kept (1.6's `LogFile.size`, which picks the active log file).
    let size: Int
    private(set) var measurementsByName: [[UInt8]: Measurement] = [:]

    /// An empty log file: one 1.6 would create.
    init(empty path: String) {
        self.path = path
        size = 0
    }

    /// Reads and replays the log file at `path`. 1.6 opens it for writing (`O_WRONLY|O_CREATE`)
    /// before it reads it, and fails where that fails; a missing file in a writable directory
    /// is created there, and is read as empty here.
    init(path: String, seriesFile: DumpTSISeriesFile, console: Console) throws(CommandError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            let parent = GoPath.dir(path)
            guard code == ENOENT, DumpTSIPaths.isDirectory(parent) else { throw CommandError(goPathError("open", path, code)) }
            if access(parent, W_OK) != 0 { throw CommandError(goPathError("open", path, errno)) }
            size = 0
            return
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw CommandError(goPathError("open", path, EISDIR)) }
        if access(path, W_OK) != 0 { throw CommandError(goPathError("open", path, errno)) }
        let replay: LogFileReplay
        do throws(LogFileError) { replay = try LogFileReplay.read(path: path) } catch {
            switch error {
            case .varintOverflow(_, _, let returned):
                throw CommandError("parsing binary-encoded uint64 value failed; binary.Uvarint() returned \(returned)")
            case .lengthOutOfRange:
                DumpTSICommand.goPanic("slice bounds out of range", console)
            default:
                throw CommandError(error.description)
            }
        }
        size = replay.validLength
        for entry in replay.entries { execute(entry, seriesFile) }
    }

    private func execute(_ e: LogEntry, _ seriesFile: DumpTSISeriesFile) {
        switch e.kind {
        case .measurementTombstone?:
            var m = measurementsByName[e.name] ?? Measurement(name: e.name)
            m.deleted = true
            m.keys = [:]
            m.series = []
            measurementsByName[e.name] = m
        case .tagKeyTombstone?:
            var m = measurementsByName[e.name] ?? Measurement(name: e.name)
            var k = m.keys[e.key] ?? Key(name: e.key)
            k.deleted = true
            m.keys[e.key] = k
            measurementsByName[e.name] = m
        case .tagValueTombstone?:
            var m = measurementsByName[e.name] ?? Measurement(name: e.name)
            var k = m.keys[e.key] ?? Key(name: e.key)
            var v = k.values[e.value] ?? Value(name: e.value)
            v.deleted = true
            k.values[e.value] = v
            m.keys[e.key] = k
            measurementsByName[e.name] = m
        default:
            guard let series = seriesFile.series(e.seriesID) else { return }
            let deleted = e.flag == LogEntryKind.seriesTombstone.rawValue
            var m = measurementsByName[series.name] ?? Measurement(name: series.name)
            m.deleted = false
            if deleted { m.series.remove(e.seriesID) } else { m.series.insert(e.seriesID) }
            for tag in series.tags {
                var k = m.keys[tag.key] ?? Key(name: tag.key)
                var v = k.values[tag.value] ?? Value(name: tag.value)
                if deleted { v.series.remove(e.seriesID) } else { v.series.insert(e.seriesID) }
                k.values[tag.value] = v
                m.keys[tag.key] = k
            }
            measurementsByName[series.name] = m
        }
    }

    // 1.6's `SeriesN`, `MeasurementN`, `TagKeyN`, `TagValueN`.
    var seriesCount: Int { measurementsByName.values.reduce(0) { $0 + $1.series.count } }
    var measurementCount: Int { measurementsByName.count }
    var tagKeyCount: Int { measurementsByName.values.reduce(0) { $0 + $1.keys.count } }
    var tagValueCount: Int { measurementsByName.values.reduce(0) { n, m in m.keys.values.reduce(n) { $0 + $1.values.count } } }

    func measurements() -> [DumpTSIElement] {
        DumpTSIMerge.sorted(measurementsByName.values.map { DumpTSIElement(name: $0.name, deleted: $0.deleted) })
    }

    func tagKeys(_ name: [UInt8]) -> [DumpTSIElement]? {
        guard let m = measurementsByName[name] else { return nil }
        return DumpTSIMerge.sorted(m.keys.values.map { DumpTSIElement(name: $0.name, deleted: $0.deleted) })
    }

    func tagValues(_ name: [UInt8], _ key: [UInt8]) -> [DumpTSIElement]? {
        guard let k = measurementsByName[name]?.keys[key] else { return nil }
        return DumpTSIMerge.sorted(k.values.values.map { DumpTSIElement(name: $0.name, deleted: $0.deleted) })
    }

    func tagValueSeries(_ name: [UInt8], _ key: [UInt8], _ value: [UInt8]) -> [UInt64]? {
        guard let v = measurementsByName[name]?.keys[key]?.values[value], !v.series.isEmpty else { return nil }
        return v.series.sorted()
    }
}

/// An index file (`L<n>-*.tsi`) with 1.6's lookups: tag blocks by measurement name, keys and
/// values through the blocks' hash indexes.
struct DumpTSIIndexFile {
    let path: String
    let file: IndexFile
    private let blocks: [[UInt8]: TagBlock]

    /// Maps and decodes the file as 1.6's `IndexFile.Open` does (every tag block included).
    init(path: String) throws(CommandError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw CommandError(goPathError("open", path, errno)) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw CommandError(goPathError("stat", path, errno)) }
        // 1.6 maps an empty file as no bytes, which are too short for the magic.
        guard st.st_size > 0 else { throw CommandError("short buffer") }
        let size = Int(st.st_size)
        // 1.6 returns mmap's error as it is: the errno text alone.
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw CommandError(goErrnoText(errno))
        }
        let bytes = UnsafeRawBufferPointer(start: base, count: size)
        do throws(IndexFileError) {
            file = try IndexFile(unsafeBytes: bytes) { b in _ = munmap(UnsafeMutableRawPointer(mutating: b.baseAddress), b.count) }
            var blocks: [[UInt8]: TagBlock] = [:]
            for m in file.measurements { blocks[Array(m.name)] = try file.tagBlock(of: m) }
            self.blocks = blocks
        } catch {
            throw CommandError(Self.goText(error))
        }
    }

    /// 1.6's texts for the errors it names; Sundial's description for damage 1.6 does not
    /// check (or panics on).
    static func goText(_ error: IndexFileError) -> String {
        switch error {
        case .truncated(let what, _) where what == "index file magic": "short buffer"
        case .invalidMagic: "invalid index file"
        case .unsupportedVersion(let what, _) where ["index file", "measurement block", "tag block"].contains(what):
            "unsupported \(what) version"
        case .sizeMismatch(let what, _, _) where what.hasPrefix("tag block"): "tag block size mismatch"
        default: error.description
        }
    }

    func measurements() -> [DumpTSIElement] {
        file.measurements.map { DumpTSIElement(name: Array($0.name), deleted: $0.isTombstoned) }
    }

    func tagKeys(_ name: [UInt8]) throws(CommandError) -> [DumpTSIElement]? {
        guard let block = blocks[name] else { return nil }
        do throws(IndexFileError) {
            return try block.keys().map { DumpTSIElement(name: Array($0.name), deleted: $0.isTombstoned) }
        } catch {
            throw CommandError(Self.goText(error))
        }
    }

    func tagValues(_ name: [UInt8], _ key: [UInt8]) throws(CommandError) -> [DumpTSIElement]? {
        guard let block = blocks[name] else { return nil }
        do throws(IndexFileError) {
            guard let k = try block.key(named: key) else { return nil }
            return try k.values().map { DumpTSIElement(name: Array($0.name), deleted: $0.isTombstoned) }
        } catch {
            throw CommandError(Self.goText(error))
        }
    }

    func tagValueSeries(_ name: [UInt8], _ key: [UInt8], _ value: [UInt8]) throws(CommandError) -> [UInt64]? {
        guard let block = blocks[name] else { return nil }
        do throws(IndexFileError) {
            guard let v = try block.value(key: key, value: value), v.series.count != 0 else { return nil }
            return try v.series.ids()
        } catch {
            throw CommandError(Self.goText(error))
        }
    }

    /// The sections 1.6 decodes when it opens an index (`buildSeriesSet`, the sketches).
    func checkSets() throws(CommandError) {
        do throws(IndexFileError) {
            _ = try file.tombstoneSeriesIDSet()
            _ = try file.seriesIDSet()
        } catch {
            throw CommandError(Self.goText(error))
        }
    }

    func checkSketches(measurements: Bool) throws(CommandError) {
        do throws(IndexFileError) {
            if measurements {
                _ = try file.measurementSketch()
                _ = try file.tombstoneMeasurementSketch()
            } else {
                _ = try file.seriesSketch()
                _ = try file.tombstoneSeriesSketch()
            }
        } catch {
            throw CommandError(Self.goText(error))
        }
    }
}

/// 1.6's merge iterators over a file set's files (newest first): names come out in byte
/// order; where several files have a name, the element is the first file's (its deleted
/// mark wins), and the others are skipped.
enum DumpTSIMerge {
    static func sorted(_ elements: [DumpTSIElement]) -> [DumpTSIElement] {
        elements.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    static func merge(_ lists: [[DumpTSIElement]]) -> [DumpTSIElement] {
        var heads = [Int](repeating: 0, count: lists.count)
        var out: [DumpTSIElement] = []
        while true {
            var lowest: [UInt8]?
            for i in lists.indices where heads[i] < lists[i].count {
                let name = lists[i][heads[i]].name
                if lowest.map({ name.lexicographicallyPrecedes($0) }) ?? true { lowest = name }
            }
            guard let name = lowest else { return out }
            var first: DumpTSIElement?
            for i in lists.indices where heads[i] < lists[i].count && lists[i][heads[i]].name == name {
                if first == nil { first = lists[i][heads[i]] }
                heads[i] += 1
            }
            if let first { out.append(first) }
        }
    }

    /// `tsdb.MergeSeriesIDIterators` over the files' iterators: nil with none, one file's ids
    /// as it gives them, or the union of several as a sorted set.
    static func series(_ lists: [[UInt64]]) -> [UInt64]? {
        switch lists.count {
        case 0: nil
        case 1: lists[0]
        default: Set(lists.joined()).sorted()
        }
    }
}

/// File system checks with Go's error texts.
enum DumpTSIPaths {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Where 1.6's `os.MkdirAll` would fail: something that is not a directory is in the way.
    static func requireDirectoryOrAbsent(_ path: String) throws(CommandError) {
        if exists(path) && !isDirectory(path) { throw CommandError(goPathError("mkdir", path, ENOTDIR)) }
    }
}
