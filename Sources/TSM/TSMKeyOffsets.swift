#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum

/// Where each key's index record starts in a `.tsm` file, in key order (1.x's
/// `indirectIndex.offsets`): 4 bytes a key in a file under 4 GiB, else 8, little-endian.
///
/// Either built by walking the file's index or mapped from the file's key-offsets file
/// (``TSMKeyOffsetsFile``), so that a restart need not walk every index again. Immutable.
final class TSMKeyOffsets: @unchecked Sendable {
    let count: Int
    /// 4 or 8.
    let width: Int
    private let base: UnsafeRawPointer
    /// What to give back in `deinit`: a heap table, or a mapping of `mappedLength` bytes
    /// whose table starts at `base`.
    private let mapping: UnsafeMutableRawPointer?
    private let mappedLength: Int

    /// A table built in memory: takes ownership of `table` (from `malloc`), `count` entries of
    /// `width` bytes.
    init(owning table: UnsafeMutableRawPointer, count: Int, width: Int) {
        self.base = UnsafeRawPointer(table)
        self.count = count
        self.width = width
        self.mapping = nil
        self.mappedLength = 0
    }

    /// A table inside a mapping of `length` bytes at `mapping`, `count` entries from `offset`.
    init(mapping: UnsafeMutableRawPointer, length: Int, offset: Int, count: Int, width: Int) {
        self.base = UnsafeRawPointer(mapping) + offset
        self.count = count
        self.width = width
        self.mapping = mapping
        self.mappedLength = length
    }

    deinit {
        if let mapping { munmap(mapping, mappedLength) } else { free(UnsafeMutableRawPointer(mutating: base)) }
    }

    /// The offset of the `position`th key's record; the caller keeps `position` in `0..<count`.
    @inline(__always)
    subscript(position: Int) -> Int {
        width == 4 ? Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position &* 4, as: UInt32.self)))
                   : Int(truncatingIfNeeded: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position &* 8, as: UInt64.self)))
    }

    /// The table's bytes, as the key-offsets file holds them.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count * width) }

    /// Collects offsets while an index is walked, into a buffer that grows by doubling.
    struct Builder: ~Copyable {
        private var table: UnsafeMutableRawPointer
        private var capacity: Int
        private(set) var count = 0
        let width: Int

        init(fileLength: Int, expected: Int) {
            width = fileLength <= Int(UInt32.max) ? 4 : 8
            capacity = Swift.max(16, expected)
            guard let table = malloc(capacity * width) else { fatalError("out of memory") }
            self.table = table
        }

        deinit { free(table) }

        mutating func append(_ offset: Int) {
            if count == capacity {
                // realloc: a table of tens of millions of keys grows without a second copy.
                guard let grown = realloc(table, capacity * 2 * width) else { fatalError("out of memory") }
                table = grown
                capacity *= 2
            }
            if width == 4 {
                table.storeBytes(of: UInt32(truncatingIfNeeded: offset).littleEndian, toByteOffset: count * 4, as: UInt32.self)
            } else {
                table.storeBytes(of: UInt64(offset).littleEndian, toByteOffset: count * 8, as: UInt64.self)
            }
            count += 1
        }

        /// The finished table, trimmed to its entries.
        consuming func finish() -> TSMKeyOffsets {
            let exact = realloc(table, Swift.max(1, count * width)) ?? table
            let (count, width) = (self.count, self.width)
            discard self
            return TSMKeyOffsets(owning: exact, count: count, width: width)
        }
    }
}

/// A `.tsm` file's key-offsets file, `<name>.tsm.offsets`: Sundial's own, beside the file it
/// describes, so that opening a file with millions of keys maps a table instead of walking its
/// index (`Spec/engine.md`, "Key-offsets files"). 1.x ignores it; a file it describes that was
/// replaced or rewritten no longer matches its header and it is ignored and rewritten.
enum TSMKeyOffsetsFile {
    static let magic: [UInt8] = Array("STKO".utf8)
    static let version: UInt8 = 1
    static let headerSize = 56
    /// Files with fewer keys are walked at open (quickly) and get no key-offsets file.
    static let minimumKeys = 1 << 16
    /// Keys checked against the TSM file when a key-offsets file is opened.
    static let samples = 64

    static func path(forTSM path: String) -> String { path + ".offsets" }

    /// What the header says of the TSM file.
    struct Header: Equatable {
        var fileSize: Int
        var indexStart: Int
        var count: Int
        var minTime: Int64
        var maxTime: Int64
        var width: Int

        func encoded() -> [UInt8] {
            var out = TSMKeyOffsetsFile.magic
            out.append(TSMKeyOffsetsFile.version)
            out.append(UInt8(width))
            out.append(contentsOf: [0, 0])
            for v in [UInt64(fileSize), UInt64(indexStart), UInt64(count), UInt64(bitPattern: minTime), UInt64(bitPattern: maxTime)] {
                withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
            }
            let crc = out.withUnsafeBytes { CRC32.checksum($0) }
            withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: [0, 0, 0, 0])
            return out
        }

        static func decode(_ bytes: UnsafeRawBufferPointer) -> Header? {
            guard bytes.count >= TSMKeyOffsetsFile.headerSize, bytes.prefix(4).elementsEqual(TSMKeyOffsetsFile.magic),
                  bytes[4] == TSMKeyOffsetsFile.version, bytes[5] == 4 || bytes[5] == 8 else { return nil }
            func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
            let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 48, as: UInt32.self))
            guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<48])) == crc,
                  u64(8) <= UInt64(Int.max), u64(16) <= UInt64(Int.max), u64(24) <= UInt64(Int.max) else { return nil }
            return Header(fileSize: Int(u64(8)), indexStart: Int(u64(16)), count: Int(u64(24)),
                          minTime: Int64(bitPattern: u64(32)), maxTime: Int64(bitPattern: u64(40)), width: Int(bytes[5]))
        }
    }

    /// Writes `offsets` for the TSM file at `path` (fsynced, then renamed into place, so that a
    /// crash leaves either no file or a whole one).
    static func write(_ offsets: TSMKeyOffsets, header: Header, forTSM path: String) throws(TSMFileError) {
        let final = Self.path(forTSM: path), temporary = final + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open", path: temporary, errno: errno) }
        do throws(TSMFileError) {
            try FileIO.writeAll(fd, header.encoded(), path: temporary)
            try FileIO.writeAll(fd, offsets.bytes, path: temporary)
            guard fsync(fd) == 0 else { throw .io("fsync", path: temporary, errno: errno) }
            close(fd)
            guard rename(temporary, final) == 0 else { throw .io("rename", path: final, errno: errno) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    /// Maps the key-offsets file of the TSM file `tsm` (of `indexStart`), or nil when there is
    /// none or it does not describe this file: a header that disagrees, a wrong size, or one of
    /// `samples` keys spread over the table whose record does not end where the next begins
    /// or is not in order.
    static func map(forTSM path: String, tsm: UnsafeRawBufferPointer, indexStart: Int) -> (TSMKeyOffsets, Header)? {
        guard let (mapped, length) = try? FileIO.mapReadOnly(Self.path(forTSM: path)) else { return nil }
        let bytes = UnsafeRawBufferPointer(start: mapped, count: length)
        guard let header = Header.decode(bytes), header.fileSize == tsm.count, header.indexStart == indexStart,
              header.width == (tsm.count <= Int(UInt32.max) ? 4 : 8), header.count > 0,
              header.count <= (length - headerSize) / header.width, length == headerSize + header.count * header.width else {
            munmap(mapped, length)
            return nil
        }
        let table = TSMKeyOffsets(mapping: mapped, length: length, offset: headerSize, count: header.count, width: header.width)
        guard table[0] == indexStart, matches(table, tsm: tsm, indexStart: indexStart) else { return nil }
        return (table, header)
    }

    /// Whether `samples` records spread over `table` (and the last) lie where it says, each
    /// ending where the next begins and in key order.
    static func matches(_ table: TSMKeyOffsets, tsm: UnsafeRawBufferPointer, indexStart: Int) -> Bool {
        let indexEnd = tsm.count - TSMFormat.footerSize
        let step = Swift.max(1, table.count / samples)
        var positions = Array(stride(from: 0, to: table.count, by: step))
        if positions.last != table.count - 1 { positions.append(table.count - 1) }
        for position in positions {
            let at = table[position]
            // A record of at least one block, inside the index.
            guard let (n, end) = record(in: tsm, at: at, indexStart: indexStart), end > at + 2 + n + 3 else { return false }
            guard position + 1 < table.count else { return end == indexEnd }
            let next = table[position + 1]
            guard next == end, indexEnd - next >= 2 else { return false }
            let m = Int(BigEndian.load(tsm, at: next, as: UInt16.self))
            guard indexEnd - next - 2 >= m else { return false }
            let order = memcmp(tsm.baseAddress! + at + 2, tsm.baseAddress! + next + 2, Swift.min(n, m))
            guard order < 0 || (order == 0 && n < m) else { return false }
        }
        return true
    }

    /// The key length and the end of the index record at `at`, when its header, key and block
    /// entries lie between `indexStart` and the footer; nil otherwise.
    @inline(__always)
    static func record(in tsm: UnsafeRawBufferPointer, at: Int, indexStart: Int) -> (keyLength: Int, end: Int)? {
        let indexEnd = tsm.count - TSMFormat.footerSize
        guard at >= indexStart, indexEnd - at >= 5 else { return nil }
        let n = Int(BigEndian.load(tsm, at: at, as: UInt16.self))
        guard indexEnd - at - 2 - n >= 3 else { return nil }
        let blocks = Int(BigEndian.load(tsm, at: at + 2 + n + 1, as: UInt16.self))
        guard (indexEnd - at - 2 - n - 3) / TSMFormat.indexEntrySize >= blocks else { return nil }
        return (n, at + 2 + n + 3 + blocks * TSMFormat.indexEntrySize)
    }
}
