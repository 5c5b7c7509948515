#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Snappy

/// A shard's write-ahead log: numbered segment files `_00001.wal`, … of framed,
/// Snappy-compressed entries (Spec/wal.md), byte-compatible with 1.x.
///
/// `write` returns only after the entry is fsynced, so an acknowledged write survives a crash.
/// Not thread-safe: the engine owning it serialises access.
public struct WAL: ~Copyable {
    /// The directory holding the segments.
    public let directory: String
    /// A segment is closed and a new one started once it exceeds this size (1.x: 10 MiB).
    public let segmentSize: Int
    private var fd: Int32 = -1
    private var currentID = 0
    private var currentSize = 0
    private var scratch: [UInt8] = []

    /// 1.x's `DefaultSegmentSize`.
    public static let defaultSegmentSize = 10 * 1024 * 1024

    /// What `open` found.
    public struct Replay {
        /// Every readable entry, segment by segment, in write order.
        public var entries: [WALEntry] = []
        /// Segments whose tail was torn or corrupt and has been cut off: path, bytes kept, why.
        public var truncated: [(path: String, keptBytes: Int, reason: WALError)] = []
    }

    public init(directory: String, segmentSize: Int = WAL.defaultSegmentSize) {
        self.directory = directory
        self.segmentSize = segmentSize
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Creates the directory if needed, replays every segment (cutting a torn or corrupt tail
    /// off at the last whole entry, as 1.x does) and appends to the last segment from then on.
    public mutating func open() throws(WALError) -> Replay {
        if let (failed, code) = Directory.make(directory) { throw .io("mkdir", path: failed, errno: code) }
        var replay = Replay()
        let segments = try Self.segmentIDs(in: directory)
        for id in segments {
            let path = segmentPath(id)
            let bytes = try Self.readFile(path)
            let (entries, valid, failure) = bytes.withUnsafeBytes { Self.readEntries($0) }
            replay.entries += entries
            if let failure {
                guard truncate(path, off_t(valid)) == 0 else { throw .io("truncate", path: path, errno: errno) }
                replay.truncated.append((path, valid, failure))
            }
        }
        if let last = segments.last {
            let path = segmentPath(last)
            var info = stat()
            guard stat(path, &info) == 0 else { throw .io("stat", path: path, errno: errno) }
            currentID = last
            if info.st_size == 0 {
                unlink(path)
            } else {
                try openSegment(last, create: false)
                currentSize = Int(info.st_size)
            }
        }
        return replay
    }

    /// Appends `entry` and fsyncs; returns once it is durable.
    public mutating func write(_ entry: WALEntry) throws(WALError) {
        try append(entry)
        try sync()
    }

    /// Appends without fsync (for batching several entries under one `sync`).
    public mutating func append(_ entry: WALEntry) throws(WALError) {
        if fd < 0 || currentSize > segmentSize { try roll() }
        let framed = Self.frame(entry, scratch: &scratch)
        try writeAll(framed)
        currentSize += framed.count
    }

    /// One entry as it sits in a segment: type, big-endian length, Snappy block (compressed as
    /// Go's snappy does, so the bytes match 1.x's).
    public static func frame(_ entry: WALEntry, scratch: inout [UInt8]) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        entry.encode(into: &scratch)
        var framed: [UInt8] = [entry.typeByte, 0, 0, 0, 0]
        framed.reserveCapacity(5 + Snappy.maxCompressedLength(scratch.count))
        scratch.withUnsafeBytes { Snappy.compressGoCompatible($0, appendingTo: &framed) }
        let length = UInt32(framed.count - 5)
        framed[1] = UInt8(length >> 24)
        framed[2] = UInt8((length >> 16) & 0xFF)
        framed[3] = UInt8((length >> 8) & 0xFF)
        framed[4] = UInt8(length & 0xFF)
        return framed
    }

    /// Makes every appended entry durable.
    public mutating func sync() throws(WALError) {
        guard fd >= 0 else { return }
        guard fsync(fd) == 0 else { throw .io("fsync", path: segmentPath(currentID), errno: errno) }
    }

    /// Closes the current segment so the next write starts a new one; returns the IDs of all
    /// closed segments (what a cache snapshot may remove once its TSM file is written).
    public mutating func closeSegment() throws(WALError) -> [Int] {
        if fd >= 0 {
            try sync()
            close(fd)
            fd = -1
            currentSize = 0
        }
        return try Self.segmentIDs(in: directory)
    }

    /// Removes closed segments `ids` (after their contents are in TSM files).
    public func remove(segments ids: [Int]) {
        for id in ids where id != currentID || fd < 0 { unlink(segmentPath(id)) }
    }

    /// The path of segment `id`: `_00001.wal`.
    public func segmentPath(_ id: Int) -> String {
        let digits = String(id)
        return directory + "/_" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".wal"
    }

    // MARK: - Segment files

    private mutating func roll() throws(WALError) {
        if fd >= 0 {
            try sync()
            close(fd)
            fd = -1
        }
        currentID += 1
        try openSegment(currentID, create: true)
        currentSize = 0
    }

    private mutating func openSegment(_ id: Int, create: Bool) throws(WALError) {
        let path = segmentPath(id)
        let flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0)
        let opened = Glibc.open(path, flags, 0o644)
        guard opened >= 0 else { throw .io("open", path: path, errno: errno) }
        fd = opened
        if create {
            // The new file's directory entry must be durable too.
            let dir = Glibc.open(directory, O_RDONLY | O_CLOEXEC)
            if dir >= 0 {
                fsync(dir)
                close(dir)
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws(WALError) {
        let failure: Int32? = bytes.withUnsafeBytes { p in
            var done = 0
            while done < p.count {
                let n = Glibc.write(fd, p.baseAddress! + done, p.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
        if let code = failure { throw .io("write", path: segmentPath(currentID), errno: code) }
    }

    /// Segment IDs in `directory`, ascending (files named `_<digits>.wal`).
    static func segmentIDs(in directory: String) throws(WALError) -> [Int] {
        guard let dir = opendir(directory) else { throw .io("opendir", path: directory, errno: errno) }
        defer { closedir(dir) }
        var ids: [Int] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("_"), name.hasSuffix(".wal"), let id = Int(name.dropFirst().dropLast(4)) else { continue }
            ids.append(id)
        }
        return ids.sorted()
    }

    static func readFile(_ path: String) throws(WALError) -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path: path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("read", path: path, errno: errno)
            }
            if n == 0 { break }
            out += chunk[0..<n]
        }
        return out
    }

    /// Reads framed entries until the end or the first bad one: the entries, the length of
    /// the whole entries read, and what stopped the read early.
    public static func readEntries(_ bytes: UnsafeRawBufferPointer) -> (entries: [WALEntry], valid: Int, failure: WALError?) {
        var entries: [WALEntry] = []
        var i = 0
        while i < bytes.count {
            guard bytes.count - i >= 5 else { return (entries, i, .truncated) }
            let type = bytes[i]
            let length = Int(BigEndian.load(bytes, at: i + 1, as: UInt32.self))
            guard length <= bytes.count - i - 5 else { return (entries, i, .truncated) }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(i + 5)..<(i + 5 + length)])
            let body: [UInt8]
            do throws(SnappyError) {
                body = try Snappy.decompress(payload)
            } catch {
                return (entries, i, .snappy("\(error)"))
            }
            let decoded: Result<WALEntry, WALError> = body.withUnsafeBytes { p in
                do throws(WALError) { return .success(try WALEntry.decode(type: type, p)) } catch { return .failure(error) }
            }
            switch decoded {
            case .success(let entry): entries.append(entry)
            case .failure(let error): return (entries, i, error)
            }
            i += 5 + length
        }
        return (entries, i, nil)
    }
}

/// Directory helpers shared by the WAL and the engine.
enum Directory {
    /// `mkdir -p`: nil on success, else the path that failed and `errno`.
    static func make(_ path: String) -> (String, Int32)? {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST { return (built, errno) }
        }
        return nil
    }
}
