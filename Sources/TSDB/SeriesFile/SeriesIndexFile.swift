#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum

/// A live partition's `index` file, mapped read-only: the Robin Hood maps a compaction wrote.
/// Lookups read the mapping; the pages they touch stay in the page cache, not in the heap.
final class MappedSeriesIndex: @unchecked Sendable {
    let header: SeriesFileIndexHeader
    private let base: UnsafeRawPointer
    private let length: Int

    private init(header: SeriesFileIndexHeader, base: UnsafeRawPointer, length: Int) {
        self.header = header
        self.base = base
        self.length = length
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// The maps over the mapping.
    var maps: SeriesFileIndexMaps { SeriesFileIndexMaps(header: header, bytes: UnsafeRawBufferPointer(start: base, count: length)) }

    /// Maps and checks the index at `path`; nil when there is no such file.
    static func open(path: String) throws(SeriesFileError) -> MappedSeriesIndex? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io("open \(path): \(SeriesFileBytes.errnoText(errno))")
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .io("stat \(path): \(SeriesFileBytes.errnoText(errno))") }
        let length = Int(st.st_size)
        if length == 0 { throw .io("EOF") }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw .io("mmap \(path): \(SeriesFileBytes.errnoText(errno))")
        }
        do throws(SeriesFileError) {
            let header = try SeriesFileIndex.checkedHeader(UnsafeRawBufferPointer(start: mapped, count: length))
            return MappedSeriesIndex(header: header, base: UnsafeRawPointer(mapped), length: length)
        } catch {
            munmap(mapped, length)
            throw error
        }
    }
}

/// Builds an index file's bytes as 1.x's partition compactor does (`Spec/series-file.md`,
/// "The index file"): both maps sized for `count` at a 90 % load factor, every live insert up
/// to `maxOffset` placed by Robin Hood insertion in segment order.
struct SeriesIndexFileBuilder {
    private var header: SeriesFileIndexHeader
    private var keyIDMap: [UInt8]
    private var idOffsetMap: [UInt8]
    private let capacity: Int64

    /// Maps for a partition of `count` series (deleted ones included, as 1.x counts them).
    init(count: UInt64) {
        var capacity: Int64 = 2
        let wanted = Int64(clamping: count) / 90 * 100 + Int64(clamping: count) % 90 * 100 / 90
        while capacity < wanted { capacity *= 2 }
        self.capacity = capacity
        header = SeriesFileIndexHeader(maxSeriesID: 0, maxOffset: 0, count: count, capacity: capacity)
        keyIDMap = [UInt8](repeating: 0, count: Int(capacity) * SeriesFileIndexHeader.slotSize)
        idOffsetMap = keyIDMap
    }

    /// Records an insert entry walked (it moves the header's max id and offset even when the
    /// series is deleted, as 1.x's does) and, when it is live, places it in both maps.
    /// `keyHashAt` gives the rhh hash of the key of the insert entry at an offset (a resident
    /// of the key map is moved on by its hash).
    mutating func add(id: UInt64, offset: Int64, key: UnsafeRawBufferPointer, live: Bool,
                      keyHashAt: (Int64) -> Int64) {
        header.maxSeriesID = id
        header.maxOffset = offset
        guard live else { return }
        insertIDOffset(id: id, offset: offset)
        insertKeyID(hash: SeriesFileHash.key(key), offset: offset, id: id, keyHashAt: keyHashAt)
    }

    /// The file's bytes: header, key/id map, id/offset map.
    var bytes: [UInt8] { header.bytes + keyIDMap + idOffsetMap }

    private static func slot(_ map: [UInt8], _ slot: Int64) -> (UInt64, UInt64) {
        map.withUnsafeBytes { b in
            let at = Int(slot) * SeriesFileIndexHeader.slotSize
            return (SeriesFileBytes.uint64(b, at) ?? 0, SeriesFileBytes.uint64(b, at + 8) ?? 0)
        }
    }

    private static func put(_ map: inout [UInt8], _ slot: Int64, _ a: UInt64, _ b: UInt64) {
        let at = Int(slot) * SeriesFileIndexHeader.slotSize
        for i in 0..<8 {
            map[at + i] = UInt8(truncatingIfNeeded: a >> UInt64(56 - 8 * i))
            map[at + 8 + i] = UInt8(truncatingIfNeeded: b >> UInt64(56 - 8 * i))
        }
    }

    /// 1.x stops at an empty slot or one holding the same offset, and swaps with a resident
    /// that has probed less than the value being placed.
    private mutating func insertIDOffset(id: UInt64, offset: Int64) {
        let mask = capacity - 1
        var (id, offset, distance) = (id, offset, Int64(0))
        var slot = SeriesFileHash.id(id) & mask
        for _ in 0...capacity {
            let (elemID, elemOffset) = Self.slot(idOffsetMap, slot)
            if elemOffset == 0 || Int64(bitPattern: elemOffset) == offset {
                Self.put(&idOffsetMap, slot, id, UInt64(bitPattern: offset))
                return
            }
            let d = SeriesFileHash.distance(hash: SeriesFileHash.id(elemID), slot: slot, capacity: capacity)
            if d < distance {
                Self.put(&idOffsetMap, slot, id, UInt64(bitPattern: offset))
                (id, offset, distance) = (elemID, Int64(bitPattern: elemOffset), d)
            }
            slot = (slot + 1) & mask
            distance += 1
        }
    }

    private mutating func insertKeyID(hash: Int64, offset: Int64, id: UInt64, keyHashAt: (Int64) -> Int64) {
        let mask = capacity - 1
        var (offset, id, distance) = (offset, id, Int64(0))
        var slot = hash & mask
        for _ in 0...capacity {
            let (elemOffset, elemID) = Self.slot(keyIDMap, slot)
            if elemOffset == 0 || Int64(bitPattern: elemOffset) == offset {
                Self.put(&keyIDMap, slot, UInt64(bitPattern: offset), id)
                return
            }
            let elemHash = keyHashAt(Int64(bitPattern: elemOffset))
            let d = SeriesFileHash.distance(hash: elemHash, slot: slot, capacity: capacity)
            if d < distance {
                Self.put(&keyIDMap, slot, UInt64(bitPattern: offset), id)
                (offset, id, distance) = (Int64(bitPattern: elemOffset), elemID, d)
            }
            slot = (slot + 1) & mask
            distance += 1
        }
    }
}
