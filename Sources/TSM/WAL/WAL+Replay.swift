#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Snappy
import Synchronization

extension WAL {
    /// What `open` found.
    public struct Replay: Sendable {
        /// Every readable entry, segment by segment, in write order.
        public var entries: [WALEntry] = []
        /// Segments whose tail was torn or corrupt and has been cut off: path, bytes kept, why.
        public var truncated: [(path: String, keptBytes: Int, reason: WALError)] = []
    }

    /// Creates the directory if needed and replays every segment, cutting a torn or corrupt
    /// tail off at the last whole entry (as 1.x does); appends go to the last segment from then
    /// on. Call once, before any append.
    public func open() throws(WALError) -> Replay {
        if let (failed, code) = Directory.make(directory) { throw .io("mkdir", path: failed, errno: code) }
        var replay = Replay()
        let segments = try Self.segmentIDs(in: directory)
        var sizes: [Int: Int] = [:]
        for id in segments {
            let path = segmentPath(id)
            let bytes = try Self.readFile(path)
            let (entries, valid, failure) = bytes.withUnsafeBytes { Self.readEntries($0) }
            replay.entries += entries
            var size = bytes.count
            if let failure {
                guard truncate(path, off_t(valid)) == 0 else { throw .io("truncate", path: path, errno: errno) }
                replay.truncated.append((path, valid, failure))
                size = valid
            }
            if id != segments.last { sizes[id] = size }
        }
        state.withLock { $0.closedSizes = sizes }
        oldBytes.store(sizes.values.reduce(0, +), ordering: .relaxed)
        guard let last = segments.last else { return replay }
        let path = segmentPath(last)
        var info = stat()
        guard stat(path, &info) == 0 else { throw .io("stat", path: path, errno: errno) }
        if info.st_size == 0 {
            unlink(path)
            state.withLock { $0.nextID = last }
            return replay
        }
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path: path, errno: errno) }
        let size = Int(info.st_size)
        state.withLock { s in
            let segment = WALSegment(id: last, path: path, fd: fd)
            s.current = segment
            s.currentSize = size
            s.nextID = last + 1
            s.reserved = UInt64(size)
            s.contiguous = UInt64(size)
            s.unsynced = [(segment, nil)]
        }
        currentBytes.store(size, ordering: .relaxed)
        commit.markDurable(UInt64(size))
        return replay
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
                return (entries, i, .snappy(error.description))
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
    /// `mkdir -p`: nil on success, else the path that failed and `errno` — `ENOTDIR` for a
    /// part that exists but is not a directory, as Go's `MkdirAll` reports it.
    static func make(_ path: String) -> (String, Int32)? {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            guard mkdir(built, 0o755) != 0 else { continue }
            let code = errno
            guard code == EEXIST else { return (built, code) }
            var info = stat()
            if stat(built, &info) == 0 && info.st_mode & S_IFMT != S_IFDIR { return (built, ENOTDIR) }
        }
        return nil
    }
}
