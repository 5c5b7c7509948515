#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One segment of a live series-file partition, memory-mapped at its full size (1.x's
/// `SeriesSegment`): entries are appended by copying into the shared mapping, so they reach
/// the page cache — and survive a `kill -9` — as soon as they are written, and are read back
/// through the same mapping. Created as 1.x does: the header written to `<name>.initializing`,
/// the file extended with zeros to the segment's maximum size, then renamed.
///
/// Only the owning partition's writer (under its writer lock) appends; it copies an entry's
/// bytes and then advances `end` with release ordering, so a reader that loads `end` sees
/// every entry before it whole. Entries never change once written.
final class SeriesSegmentFile: @unchecked Sendable {
    let id: UInt16
    let path: String
    private let base: UnsafeMutableRawPointer
    /// Bytes mapped: the segment's maximum size, or the file's size if that is larger.
    let capacity: Int
    private let endPosition: Atomic<Int>
    /// Where the next entry goes (the first byte after the last valid entry).
    var end: Int { endPosition.load(ordering: .acquiring) }

    /// The mapped bytes (the whole capacity; only `0..<end` holds entries).
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: capacity) }

    private init(id: UInt16, path: String, base: UnsafeMutableRawPointer, capacity: Int, end: Int, highestInsert: UInt64 = 0) {
        self.id = id
        self.highestInsertAtOpen = highestInsert
        self.path = path
        self.base = base
        self.capacity = capacity
        endPosition = Atomic(end)
    }

    deinit { munmap(base, capacity) }

    /// The highest id inserted in the segment when it was opened as the active one (0: none,
    /// or not scanned).
    let highestInsertAtOpen: UInt64

    /// Maps an existing segment and checks its header. The partition's last segment
    /// (`active`) is scanned for the end of its entries, where appends go (1.x's
    /// `InitForWrite`: the first byte that is not a valid flag, or a truncated entry), and
    /// for its highest insert id; an earlier one is never appended to again and is not read
    /// (as 1.x opens it): its `end` is its length, and readers stop at its first zero flag.
    static func open(path: String, id: UInt16, active: Bool) throws(SeriesFileError) -> SeriesSegmentFile {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        if fd < 0 { throw .io("open \(path): \(SeriesFileBytes.errnoText(errno))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .io("stat \(path): \(SeriesFileBytes.errnoText(errno))") }
        let size = Int(st.st_size)
        // 1.x maps the maximum size whatever the file's length; a shorter file (written by a
        // tool that did not preallocate) is extended so that appends land in the file.
        let capacity = max(size, SeriesSegment.maximumSize(id: id))
        if size < capacity, ftruncate(fd, off_t(capacity)) != 0 {
            throw .io("truncate \(path): \(SeriesFileBytes.errnoText(errno))")
        }
        guard let mapped = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw .io("mmap \(path): \(SeriesFileBytes.errnoText(errno))")
        }
        let b = UnsafeRawBufferPointer(start: mapped, count: capacity)
        do throws(SeriesFileError) {
            if size == 0 { throw .io("EOF") }
            guard b[0] == 0x53, b[1] == 0x53, b[2] == 0x45, b[3] == 0x47 else { throw .invalidSegment }
            guard b[4] == SeriesSegment.version else { throw .invalidSegmentVersion(b[4]) }
        } catch {
            munmap(mapped, capacity)
            throw error
        }
        guard active else { return SeriesSegmentFile(id: id, path: path, base: mapped, capacity: capacity, end: size) }
        var end = SeriesSegment.headerSize
        var highest: UInt64 = 0
        while let entry = try? SeriesSegment.entry(in: UnsafeRawBufferPointer(rebasing: b[0..<size]), at: end) {
            if entry.kind == .insert { highest = max(highest, entry.id) }
            end = entry.end
        }
        return SeriesSegmentFile(id: id, path: path, base: mapped, capacity: capacity, end: end, highestInsert: highest)
    }

    /// Creates segment `id` in `directory` as 1.x does and maps it.
    static func create(directory: String, id: UInt16) throws(SeriesFileError) -> SeriesSegmentFile {
        let path = directory + "/" + fileName(id)
        let temporary = path + ".initializing"
        let fd = Glibc.open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        if fd < 0 { throw .io("open \(temporary): \(SeriesFileBytes.errnoText(errno))") }
        let header = SeriesSegment.magic + [SeriesSegment.version]
        let wrote = header.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let failed = wrote != header.count || ftruncate(fd, off_t(SeriesSegment.maximumSize(id: id))) != 0
        let code = errno
        close(fd)
        if failed { throw .io("write \(temporary): \(SeriesFileBytes.errnoText(code))") }
        if rename(temporary, path) != 0 { throw .io("rename \(temporary): \(SeriesFileBytes.errnoText(errno))") }
        return try open(path: path, id: id, active: true)
    }

    /// 1.x's segment file name: the id as four lower-case hex digits.
    static func fileName(_ id: UInt16) -> String {
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Whether `count` more bytes fit (1.x's `CanWrite`: up to the segment's maximum size).
    func canWrite(_ count: Int) -> Bool { end + count <= SeriesSegment.maximumSize(id: id) }

    /// Copies an entry to the end of the segment; returns its position. The caller checked
    /// `canWrite` and holds the partition's writer lock.
    func append(_ entry: UnsafeRawBufferPointer) -> Int {
        let position = end
        guard let source = entry.baseAddress else { return position }
        (base + position).copyMemory(from: source, byteCount: entry.count)
        endPosition.store(position + entry.count, ordering: .releasing)
        return position
    }

    /// The length-prefixed key of the insert entry at `position`, or an empty buffer.
    func key(ofEntryAt position: Int) -> UnsafeRawBufferPointer {
        let valid = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
        guard position >= SeriesSegment.headerSize, position < valid.count, valid[position] == SeriesEntry.Kind.insert.rawValue,
              let range = try? SeriesFileKey.extent(in: valid, at: position + SeriesSegment.entryHeaderSize)
        else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    /// The id of the entry at `position`.
    func id(ofEntryAt position: Int) -> UInt64 {
        SeriesFileBytes.uint64(UnsafeRawBufferPointer(rebasing: bytes[0..<end]), position + 1) ?? 0
    }

    /// Calls `body` with each entry in order from `start` (the first entry by default), up to
    /// `limit` (default: `end`).
    func forEachEntry(from start: Int = SeriesSegment.headerSize, upTo limit: Int? = nil, _ body: (SeriesEntry) -> Void) {
        let valid = UnsafeRawBufferPointer(rebasing: bytes[0..<min(limit ?? end, capacity)])
        var position = start
        while let entry = try? SeriesSegment.entry(in: valid, at: position) {
            body(entry)
            position = entry.end
        }
    }

    /// Writes the mapping's dirty pages to the file (on close; a `kill -9` loses nothing
    /// without it, the page cache holds them).
    func sync() { msync(base, end, MS_SYNC) }
}
