#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A shard's write-ahead log: numbered segment files `_00001.wal`, … of framed,
/// Snappy-compressed entries (Spec/wal.md), byte-compatible with 1.x.
///
/// Many writers at once: each frames and compresses its entry with no lock held, reserves its
/// place at the end of the current segment (a short lock), writes it there with `pwrite` (no
/// lock), then waits until it is durable. One fsync serves every writer waiting at the time
/// (``GroupCommit``); with `wal-fsync-delay` the fsync waits that long first so that more
/// writers share it. An entry counts as durable only once every entry before it is written
/// too, so a crash never leaves an acknowledged entry behind a hole.
public final class WAL: Sendable {
    /// The directory holding the segments.
    public let directory: String
    /// A segment is closed and a new one started once it exceeds this size (1.x: 10 MiB).
    public let segmentSize: Int
    /// `wal-fsync-delay` in ns: how long a flush waits before its fsync.
    let fsyncDelay: Int64
    let state = Mutex(State())
    let commit = GroupCommit<WALError>()
    /// Held while a segment file is created (only by the thread rolling; appends never wait for it).
    private let rolling = Mutex(())
    private let fsyncCount = Atomic<Int>(0)
    private let entryCount = Atomic<Int>(0)
    /// 1.x's WAL statistics (``statistics(tags:)``): sizes kept as segments grow, roll and go
    /// (never a `stat` when they are read), and the engine's writes.
    let currentBytes = Atomic<Int>(0)
    let oldBytes = Atomic<Int>(0)
    let writesOK = Atomic<Int64>(0)
    let writesFailed = Atomic<Int64>(0)

    /// 1.x's `DefaultSegmentSize`.
    public static let defaultSegmentSize = 10 * 1024 * 1024

    struct State {
        var current: WALSegment?
        var currentSize = 0
        /// The ID the next segment gets.
        var nextID = 1
        /// Log positions (bytes since open, across segments): reserved by appends, and the
        /// end of the prefix that is completely written.
        var reserved: UInt64 = 0
        var contiguous: UInt64 = 0
        /// Writes completed beyond `contiguous`: start → end.
        var completed: [UInt64: UInt64] = [:]
        /// Segments that may hold bytes not yet fsynced, with the position where each ends
        /// (nil for the current one).
        var unsynced: [(segment: WALSegment, end: UInt64?)] = []
        /// A segment was created since the last fsync: the directory needs one too.
        var directoryDirty = false
        /// The current segment had a failed write: the next append starts a new one.
        var mustRoll = false
        /// Segments where a write failed, and the position of the failure: entries after it
        /// sit behind a hole that replay stops at, so they are not durable.
        var broken: [Int: UInt64] = [:]
        /// Size of each closed segment still on disk (what `oldSegmentsDiskBytes` adds up).
        var closedSizes: [Int: Int] = [:]
    }

    public init(directory: String, segmentSize: Int = WAL.defaultSegmentSize, fsyncDelay: Int64 = 0) {
        self.directory = directory
        self.segmentSize = segmentSize
        self.fsyncDelay = fsyncDelay
    }

    /// Where an appended entry ends in the log, and its segment.
    public struct Position: Sendable {
        public let end: UInt64
        let segment: Int
    }

    /// Appends a framed entry (``frame(_:scratch:)``) without waiting for it to be durable.
    public func append(_ framed: [UInt8]) throws(WALError) -> Position {
        var place = reserve(framed.count, pastSize: false)
        if place == nil {
            // A new segment is due. This thread creates it unless another one already is: then
            // the entry goes into the old segment, past its nominal size, instead of waiting.
            let rolledHere = try rolling.withLockIfAvailable { (_) throws(WALError) -> Bool in
                try rollLocked(force: false)
                return true
            }
            if rolledHere == nil { place = reserve(framed.count, pastSize: true) }
            if place == nil {
                try roll(force: false)
                place = reserve(framed.count, pastSize: true)
            }
        }
        guard let (segment, offset, start) = place else { throw .io("append", path: directory, errno: EAGAIN) }
        let end = start + UInt64(framed.count)
        let failure = Self.writeAll(framed, fd: segment.fd, at: offset)
        let broken = state.withLock { s -> Bool in
            if failure != nil, s.broken[segment.id] == nil {
                s.broken[segment.id] = start
                // Later appends go to a fresh segment.
                if s.current === segment { s.mustRoll = true }
            }
            if start == s.contiguous {
                s.contiguous = end
                while let next = s.completed.removeValue(forKey: s.contiguous) { s.contiguous = next }
            } else {
                s.completed[start] = end
            }
            return s.broken[segment.id].map { $0 <= start } ?? false
        }
        commit.advanced()
        entryCount.add(1, ordering: .relaxed)
        if let failure { throw .io("write", path: segment.path, errno: failure) }
        if broken { throw .io("write", path: segment.path, errno: EIO) }
        return Position(end: end, segment: segment.id)
    }

    /// Returns once the entry ending at `position` and everything before it are fsynced.
    public func waitDurable(_ position: Position) throws(WALError) {
        try commit.waitDurable(position.end) { () throws(WALError) -> UInt64 in try flush() }
        let failedAt = state.withLock { $0.broken[position.segment] }
        if let failedAt, failedAt < position.end {
            throw .io("write", path: segmentPath(position.segment), errno: EIO)
        }
    }

    /// Appends `entry` and returns once it is durable.
    public func write(_ entry: WALEntry) throws(WALError) {
        var scratch: [UInt8] = []
        try waitDurable(append(Self.frame(entry, scratch: &scratch)))
    }

    /// Closes the current segment so that the next append starts a new one; returns the IDs
    /// of every closed segment (what a cache snapshot taken after this call may remove once its
    /// TSM file is written).
    public func rollForSnapshot() throws(WALError) -> [Int] {
        let closed = try roll(force: true)
        return try Self.segmentIDs(in: directory).filter { $0 <= closed }
    }

    /// Removes closed segments `ids` (after their contents are in TSM files).
    public func remove(segments ids: [Int]) {
        let (current, freed) = state.withLock { s -> (Int?, Int) in
            var freed = 0
            for id in ids where id != s.current?.id { freed += s.closedSizes.removeValue(forKey: id) ?? 0 }
            return (s.current?.id, freed)
        }
        for id in ids where id != current { unlink(segmentPath(id)) }
        oldBytes.subtract(freed, ordering: .relaxed)
    }

    /// The path of segment `id`: `_00001.wal`.
    public func segmentPath(_ id: Int) -> String {
        let digits = String(id)
        return directory + "/_" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".wal"
    }

    /// Entries appended and fsyncs issued since open.
    public var statistics: (entries: Int, fsyncs: Int) {
        (entryCount.load(ordering: .relaxed), fsyncCount.load(ordering: .relaxed))
    }

    /// Bytes in the current segment.
    public var currentSegmentSize: Int { state.withLock { $0.current == nil ? 0 : $0.currentSize } }

    // MARK: - Reservation, segments, fsync

    /// A place at the end of the current segment: nil when there is none, or when it is full
    /// (unless `pastSize`) or broken.
    private func reserve(_ count: Int, pastSize: Bool) -> (WALSegment, Int, UInt64)? {
        state.withLock { s -> (WALSegment, Int, UInt64)? in
            guard let segment = s.current, !s.mustRoll, pastSize || s.currentSize <= segmentSize else { return nil }
            let offset = s.currentSize
            let start = s.reserved
            s.currentSize += count
            s.reserved += UInt64(count)
            currentBytes.store(s.currentSize, ordering: .relaxed)
            return (segment, offset, start)
        }
    }

    /// Starts a new segment (see ``rollLocked(force:)``).
    @discardableResult
    private func roll(force: Bool) throws(WALError) -> Int {
        try rolling.withLock { (_) throws(WALError) -> Int in try rollLocked(force: force) }
    }

    /// Starts a new segment, creating its file while holding only `rolling` (appends go on
    /// into the old segment meanwhile). Without `force`, nothing happens if another thread has
    /// rolled already. Returns the highest ID of a closed segment (0 if none).
    @discardableResult
    private func rollLocked(force: Bool) throws(WALError) -> Int {
        let (id, needed) = state.withLock { s in
            let due = s.current == nil || s.mustRoll || s.currentSize > segmentSize
            return (s.nextID, force ? (s.current != nil && s.currentSize > 0) || s.mustRoll : due)
        }
        guard needed else { return state.withLock { s in s.current.map { $0.id - 1 } ?? s.nextID - 1 } }
        if let (failed, code) = Directory.make(directory) { throw .io("mkdir", path: failed, errno: code) }
        let path = segmentPath(id)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open", path: path, errno: errno) }
        let segment = WALSegment(id: id, path: path, fd: fd)
        state.withLock { s in
            if let old = s.unsynced.firstIndex(where: { $0.end == nil }) { s.unsynced[old].end = s.reserved }
            if let closed = s.current {
                s.closedSizes[closed.id] = s.currentSize
                oldBytes.add(s.currentSize, ordering: .relaxed)
            }
            currentBytes.store(0, ordering: .relaxed)
            s.current = segment
            s.currentSize = 0
            s.mustRoll = false
            s.nextID = id + 1
            s.unsynced.append((segment, nil))
            s.directoryDirty = true
        }
        return id - 1
    }

    /// The group commit's flush: after `wal-fsync-delay`, fsyncs every segment that may hold
    /// unsynced bytes (and the directory after a new segment); returns the position reached.
    private func flush() throws(WALError) -> UInt64 {
        if fsyncDelay > 0 {
            var pause = timespec(tv_sec: Int(fsyncDelay / 1_000_000_000), tv_nsec: Int(fsyncDelay % 1_000_000_000))
            nanosleep(&pause, nil)
        }
        let (target, segments, directoryDirty) = state.withLock { s in
            defer { s.directoryDirty = false }
            return (s.contiguous, s.unsynced.map(\.segment), s.directoryDirty)
        }
        for segment in segments where fsync(segment.fd) != 0 {
            throw .io("fsync", path: segment.path, errno: errno)
        }
        if directoryDirty {
            let dir = Glibc.open(directory, O_RDONLY | O_CLOEXEC)
            if dir >= 0 {
                fsync(dir)
                close(dir)
            }
        }
        fsyncCount.add(1, ordering: .relaxed)
        state.withLock { s in s.unsynced.removeAll { $0.end.map { $0 <= target } ?? false } }
        return target
    }

    /// `pwrite` of all of `bytes` at `offset`; errno on failure.
    private static func writeAll(_ bytes: [UInt8], fd: Int32, at offset: Int) -> Int32? {
        bytes.withUnsafeBytes { p in
            var done = 0
            while done < p.count {
                let n = pwrite(fd, p.baseAddress! + done, p.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
    }
}

/// One open segment file; closed when the last writer or flush holding it lets go.
final class WALSegment: Sendable {
    let id: Int
    let path: String
    let fd: Int32

    init(id: Int, path: String, fd: Int32) {
        self.id = id
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }
}
