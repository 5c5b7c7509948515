#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum
import Synchronization

/// A read-only, memory-mapped `.tsm` file: the index is located once (one offset per key, as
/// 1.x's `indirectIndex`), and blocks are read straight from the mapping.
///
/// Immutable after `init`, so it is safe to share between tasks.
public final class TSMReader: @unchecked Sendable {
    /// The file's path.
    public let path: String
    private let base: UnsafeRawPointer
    private let length: Int
    /// Offset of each key's index record, in key order.
    private let keyOffsets: TSMKeyOffsets
    private let indexStart: Int
    /// The smallest and largest timestamp of any block.
    public let minTime: Int64
    public let maxTime: Int64

    /// Maps `path` and locates its index: from its key-offsets file when it has one that
    /// matches (``TSMKeyOffsetsFile``), else by walking the index, which validates header,
    /// footer and every index record's bounds.
    public init(path: String) throws(TSMFileError) {
        // Anything but an empty file is checked from its mapping.
        let (mapped, length) = try FileIO.mapReadOnly(path)
        let bytes = UnsafeRawBufferPointer(start: mapped, count: length)
        let located: (offsets: TSMKeyOffsets, minTime: Int64, maxTime: Int64, indexStart: Int, mapped: Bool)
        do throws(TSMFileError) {
            let indexStart = try Self.parseHeader(bytes)
            if let (table, header) = TSMKeyOffsetsFile.map(forTSM: path, tsm: bytes, indexStart: indexStart) {
                located = (table, header.minTime, header.maxTime, indexStart, true)
                // The sampled records were faulted in, a huge page of the page cache each
                // where the kernel maps files that way (tens of MB a file): hand them back.
                let page = Int(sysconf(Int32(_SC_PAGESIZE)))
                let first = indexStart / page * page
                madvise(mapped + first, length - first, MADV_DONTNEED)
            } else {
                // The index is about to be read whole: map its pages in one call rather than
                // one fault per 16 pages. Linux 5.14+; elsewhere a no-op.
                let page = Int(sysconf(Int32(_SC_PAGESIZE)))
                let first = indexStart / page * page
                _ = madvise(mapped + first, length - first, 22 /* MADV_POPULATE_READ */)
                let walked = try Self.walkIndex(bytes, indexStart: indexStart)
                located = (walked.offsets, walked.minTime, walked.maxTime, indexStart, false)
                // Walking faulted every page of the index into this process: hand them back
                // (they stay in the page cache; a lookup faults in just the page it needs).
                // Otherwise every file's whole index would count in the server's resident
                // memory from its opening on.
                madvise(mapped + first, length - first, MADV_DONTNEED)
            }
        } catch {
            munmap(mapped, length)
            throw error
        }
        self.path = path
        self.base = UnsafeRawPointer(mapped)
        self.length = length
        self.keyOffsets = located.offsets
        self.indexStart = located.indexStart
        self.minTime = located.minTime
        self.maxTime = located.maxTime
        self.offsetsFromFile = located.mapped
    }

    /// Writes this file's key-offsets file when it has none and holds at least
    /// ``TSMKeyOffsetsFile/minimumKeys`` keys, so that the next open maps the table instead of
    /// walking the index. Blocking I/O (fsync): call it on a background thread. Returns
    /// whether a file was written.
    @discardableResult
    public func writeKeyOffsetsFile() throws(TSMFileError) -> Bool {
        guard !offsetsFromFile, keyCount >= TSMKeyOffsetsFile.minimumKeys else { return false }
        let header = TSMKeyOffsetsFile.Header(fileSize: length, indexStart: indexStart, count: keyCount,
                                              minTime: minTime, maxTime: maxTime, width: keyOffsets.width)
        try TSMKeyOffsetsFile.write(keyOffsets, header: header, forTSM: path)
        return true
    }

    /// Whether the key offsets came from the key-offsets file rather than a walk of the index.
    public let offsetsFromFile: Bool

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), length)
    }

    /// How far from the start of the file pages have been handed back (``releasePages(before:)``).
    private let released = Atomic<Int>(0)

    /// Hands back the mapped pages before `offset` (rounded down to a page) once they are
    /// 16 MiB past the last hand-back: a compaction reads each input front to back, and the
    /// pages it has read would otherwise all count in the server's resident memory until the
    /// input is removed. They stay in the page cache; a later read faults them in again.
    public func releasePages(before offset: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let target = Swift.min(offset, length) / page * page
        let done = released.load(ordering: .relaxed)
        guard target - done >= 16 << 20 else { return }
        guard released.compareExchange(expected: done, desired: target, ordering: .relaxed).exchanged else { return }
        madvise(UnsafeMutableRawPointer(mutating: base) + done, target - done, MADV_DONTNEED)
    }

    private var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: length) }

    /// Number of keys (series + field) in the file.
    public var keyCount: Int { keyOffsets.count }

    /// File size in bytes.
    public var size: Int { length }

    /// Where the record of the key at `position` starts, or nil when a mapped key-offsets
    /// table points outside the index (a damaged file: its key reads as absent rather than
    /// trapping). A walked table was checked as it was built.
    @inline(__always)
    private func record(_ position: Int) -> Int? {
        let at = keyOffsets[position]
        guard offsetsFromFile else { return at }
        return TSMKeyOffsetsFile.record(in: bytes, at: at, indexStart: indexStart) == nil ? nil : at
    }

    /// The key at `position` (0 ..< keyCount), in byte order.
    public func key(at position: Int) -> [UInt8] {
        Array(keyBytes(at: position))
    }

    /// Compares the key at `position` with the key of `other` at `otherPosition` in byte
    /// order, in place: negative, zero or positive.
    public func compareKey(at position: Int, with other: TSMReader, at otherPosition: Int) -> Int {
        let a = keyBytes(at: position), b = other.keyBytes(at: otherPosition)
        let n = Swift.min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    /// The bytes of the key at `position`, in the mapping.
    func keyBytes(at position: Int) -> UnsafeRawBufferPointer {
        guard let at = record(position) else { return UnsafeRawBufferPointer(rebasing: bytes[0..<0]) }
        let n = Int(BigEndian.load(bytes, at: at, as: UInt16.self))
        return UnsafeRawBufferPointer(rebasing: bytes[(at + 2)..<(at + 2 + n)])
    }

    /// Every key, in byte order.
    public var keys: [[UInt8]] { (0..<keyCount).map(key(at:)) }

    /// The block type and index entries of `key`, or nil if the file does not hold it.
    public func entries(for key: [UInt8]) -> (type: BlockType, entries: [TSMIndexEntry])? {
        guard let position = search(key) else { return nil }
        return entries(at: position)
    }

    /// The block type and index entries of the key at `position`.
    public func entries(at position: Int) -> (type: BlockType, entries: [TSMIndexEntry]) {
        guard var at = record(position) else { return (.float, []) }
        at += 2 + Int(BigEndian.load(bytes, at: at, as: UInt16.self))
        // Validated by the walk, or (mapped) refused here as a damaged record.
        guard let type = BlockType(rawValue: bytes[at]) else { return (.float, []) }
        let count = Int(BigEndian.load(bytes, at: at + 1, as: UInt16.self))
        at += 3
        var out: [TSMIndexEntry] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            out.append(TSMIndexEntry(
                minTime: BigEndian.load(bytes, at: at, as: Int64.self),
                maxTime: BigEndian.load(bytes, at: at + 8, as: Int64.self),
                offset: BigEndian.load(bytes, at: at + 16, as: Int64.self),
                size: BigEndian.load(bytes, at: at + 24, as: UInt32.self)))
            at += TSMFormat.indexEntrySize
        }
        return (type, out)
    }

    /// Calls `body` with the block of `entry` (without its CRC) after checking the CRC.
    public func withBlock<R>(_ entry: TSMIndexEntry, key: [UInt8] = [], _ body: (UnsafeRawBufferPointer) throws(TSMFileError) -> R) throws(TSMFileError) -> R {
        // The walk checked every block's bounds; a mapped key-offsets table skips the walk.
        guard entry.offset >= Int64(TSMFormat.headerSize), entry.size > UInt32(TSMFormat.checksumSize),
              entry.offset <= Int64(indexStart) - Int64(entry.size) else {
            throw .invalidFile("index: block at offset \(entry.offset), size \(entry.size) out of bounds")
        }
        let start = Int(entry.offset)
        let crc = BigEndian.load(bytes, at: start, as: UInt32.self)
        let block = UnsafeRawBufferPointer(rebasing: bytes[(start + TSMFormat.checksumSize)..<(start + Int(entry.size))])
        guard CRC32.checksum(block) == crc else {
            throw .checksumMismatch(key: String(decoding: key, as: UTF8.self), offset: entry.offset)
        }
        return try body(block)
    }

    /// The points of `key` with `min <= time <= max`, ascending; the last block wins where
    /// blocks overlap (1.x's `Values.Deduplicate`).
    public func read<V: TSMValue>(key: [UInt8], min: Int64 = .min, max: Int64 = .max, as: V.Type = V.self) throws(TSMFileError) -> (timestamps: [Int64], values: [V]) {
        guard let (type, entries) = entries(for: key) else { return ([], []) }
        guard type == V.blockType else { throw .block(.blockTypeMismatch(expected: V.blockType, found: type)) }
        var ts: [Int64] = []
        var vs: [V] = []
        // 1.x writes up to 1000 points per block: one allocation instead of regrowing per block,
        // capped at what one block may decode to, so that a damaged index listing very many
        // blocks cannot make it reserve more.
        let blocks = entries.reduce(0) { $0 + ($1.overlaps(min: min, max: max) ? 1 : 0) }
        let expected = Swift.min(blocks * TSMFormat.maxPointsPerBlock, TSMLimits.maxValuesPerBlock)
        ts.reserveCapacity(expected)
        vs.reserveCapacity(expected)
        var overlapping = false
        var lastMax = Int64.min
        for (n, entry) in entries.enumerated() where entry.overlaps(min: min, max: max) {
            if n > 0 && entry.minTime <= lastMax { overlapping = true }
            lastMax = entry.maxTime
            try withBlock(entry, key: key) { (block) throws(TSMFileError) in
                do throws(EncodingError) {
                    try Block.decode(block, timestamps: &ts, values: &vs)
                } catch {
                    throw .block(error)
                }
            }
        }
        if overlapping { (ts, vs) = Self.deduplicate(ts, vs) }
        // Trim to the range: blocks at the edges hold points outside it.
        let lower = ts.firstIndex { $0 >= min } ?? ts.count
        let upper = ts.lastIndex { $0 <= max }.map { $0 + 1 } ?? lower
        guard lower > 0 || upper < ts.count else { return (ts, vs) }
        return (Array(ts[lower..<Swift.max(lower, upper)]), Array(vs[lower..<Swift.max(lower, upper)]))
    }

    /// Sorts by time, keeping the value written last for each timestamp.
    static func deduplicate<V>(_ ts: [Int64], _ vs: [V]) -> ([Int64], [V]) {
        let order = ts.indices.sorted { ts[$0] != ts[$1] ? ts[$0] < ts[$1] : $0 < $1 }
        var outT: [Int64] = [], outV: [V] = []
        for i in order {
            if let last = outT.last, last == ts[i] {
                outV[outV.count - 1] = vs[i]
            } else {
                outT.append(ts[i])
                outV.append(vs[i])
            }
        }
        return (outT, outV)
    }

    /// Binary search over the keys.
    private func search(_ key: [UInt8]) -> Int? {
        var lo = 0, hi = keyOffsets.count
        return key.withUnsafeBytes { k -> Int? in
            while lo < hi {
                let mid = (lo + hi) / 2
                let candidate = keyBytes(at: mid)
                let common = Swift.min(candidate.count, k.count)
                var order = common == 0 ? 0 : Int(memcmp(candidate.baseAddress!, k.baseAddress!, common))
                if order == 0 { order = candidate.count - k.count }
                if order == 0 { return mid }
                if order < 0 { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
    }

    /// Walks the index once, checking every bound, the key order and the block types. A
    /// damage 1.x also detects is reported in 1.x's words (`verifyVersion`,
    /// `mmapAccessor.init`, `indirectIndex.UnmarshalBinary`); 1.x does not check block bounds,
    /// key order or block types when it opens a file, so those texts are Sundial's.
    static func parseIndex(_ bytes: UnsafeRawBufferPointer) throws(TSMFileError) -> (offsets: TSMKeyOffsets, indexStart: Int, minTime: Int64, maxTime: Int64) {
        let indexStart = try parseHeader(bytes)
        let walked = try walkIndex(bytes, indexStart: indexStart)
        return (walked.offsets, indexStart, walked.minTime, walked.maxTime)
    }

    /// Checks the header and the footer; returns where the index starts.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws(TSMFileError) -> Int {
        guard bytes.count >= 4 else { throw .invalidFile("init: error reading magic number of file: \(bytes.isEmpty ? "EOF" : "unexpected EOF")") }
        guard BigEndian.load(bytes, at: 0, as: UInt32.self) == TSMFormat.magic else { throw .invalidFile("can only read from tsm file") }
        guard bytes.count >= 5 else { throw .invalidFile("init: error reading version: EOF") }
        // Go prints the version with %b: in binary.
        guard bytes[4] == TSMFormat.version else { throw .invalidFile("init: file is version \(String(bytes[4], radix: 2)). expected 1") }
        guard bytes.count >= 8 else { throw .invalidFile("mmapAccessor: byte slice too small for indirectIndex") }
        let indexEnd = bytes.count - TSMFormat.footerSize
        guard indexEnd >= TSMFormat.headerSize else { throw .invalidFile("mmapAccessor: invalid indexStart") }
        let rawStart = BigEndian.load(bytes, at: indexEnd, as: UInt64.self)
        guard rawStart >= UInt64(TSMFormat.headerSize), rawStart < UInt64(indexEnd) else { throw .invalidFile("mmapAccessor: invalid indexStart") }
        return Int(rawStart)
    }

    /// The index records from `indexStart` to the footer, checked.
    static func walkIndex(_ bytes: UnsafeRawBufferPointer, indexStart: Int) throws(TSMFileError) -> (offsets: TSMKeyOffsets, minTime: Int64, maxTime: Int64) {
        let indexEnd = bytes.count - TSMFormat.footerSize
        // A key with one block takes 2 + key + 3 + 28 bytes: reserve for keys of ~100 bytes.
        var offsets = TSMKeyOffsets.Builder(fileLength: bytes.count, expected: (indexEnd - indexStart) / 128)
        var minTime = Int64.max, maxTime = Int64.min
        var at = indexStart
        var previous: Range<Int>?
        while at < indexEnd {
            guard indexEnd - at >= 2 else { throw .invalidFile("indirectIndex: not enough data for key length value") }
            let n = Int(BigEndian.load(bytes, at: at, as: UInt16.self))
            guard indexEnd - at - 2 - n >= 3 else { throw .invalidFile("indirectIndex: not enough data for index entries count") }
            let key = (at + 2)..<(at + 2 + n)
            if let p = previous {
                // memcmp: keys share long prefixes, and a restart checks every key.
                let common = Swift.min(p.count, key.count)
                let order = memcmp(bytes.baseAddress! + p.lowerBound, bytes.baseAddress! + key.lowerBound, common)
                guard order < 0 || (order == 0 && p.count < key.count) else {
                    throw .invalidFile("index: keys out of order at offset \(at)")
                }
            }
            previous = key
            offsets.append(at)
            var p = key.upperBound
            guard BlockType(rawValue: bytes[p]) != nil else { throw .invalidFile("index: unknown block type \(bytes[p]) at offset \(p)") }
            let count = Int(BigEndian.load(bytes, at: p + 1, as: UInt16.self))
            p += 3
            guard count > 0 else { throw .invalidFile("index: no blocks for the key at offset \(at)") }
            guard indexEnd - p >= 8 else { throw .invalidFile("indirectIndex: not enough data for min time") }
            guard (indexEnd - p) / TSMFormat.indexEntrySize >= count else { throw .invalidFile("indirectIndex: not enough data for max time") }
            for _ in 0..<count {
                let lo = BigEndian.load(bytes, at: p, as: Int64.self)
                let hi = BigEndian.load(bytes, at: p + 8, as: Int64.self)
                let offset = BigEndian.load(bytes, at: p + 16, as: Int64.self)
                let size = Int64(BigEndian.load(bytes, at: p + 24, as: UInt32.self))
                guard lo <= hi, offset >= Int64(TSMFormat.headerSize), size > Int64(TSMFormat.checksumSize),
                      offset <= Int64(indexStart) - size else {
                    throw .invalidFile("index: block at offset \(offset), size \(size) out of bounds (entry at offset \(p))")
                }
                minTime = Swift.min(minTime, lo)
                maxTime = Swift.max(maxTime, hi)
                p += TSMFormat.indexEntrySize
            }
            at = p
        }
        return (offsets.finish(), minTime, maxTime)
    }
}
