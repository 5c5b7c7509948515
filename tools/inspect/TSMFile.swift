#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TSM

/// A TSM file opened for inspection as 1.x's `NewTSMReader` opens it: Sundial's `TSMReader`
/// validates and walks the index, the `.tombstone` file next to it is applied — a key whose
/// tombstones cover all its blocks is gone from the file, other tombstoned ranges are kept to
/// filter values — and a mapping of its own hands out raw blocks with their stored CRC,
/// unchecked, as 1.x's tools read them (`ReadBytes`, `readAll`), so that a damaged block can
/// be reported or copied rather than refused.
final class InspectedTSM {
    let path: String
    let reader: TSMReader
    private let base: UnsafeRawPointer
    let size: Int
    /// Positions (in `reader`) of the keys the tombstones leave, in key order.
    private(set) var positions: [Int] = []
    /// Deleted time ranges of the keys that remain, by key.
    private(set) var tombstones: [[UInt8]: [(min: Int64, max: Int64)]] = [:]

    /// Opens `path`; a failure carries the text 1.x's `NewTSMReader` would give where it can.
    init(path: String) throws(CommandError) {
        do throws(TSMFileError) { reader = try TSMReader(path: path) } catch {
            if case .io(_, _, let code) = error { throw CommandError(goPathError("open", path, code)) }
            throw CommandError(error.description)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CommandError(goPathError("open", path, errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CommandError(goPathError("stat", path, errno)) }
        size = Int(info.st_size)
        guard size > 0, let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw CommandError(goPathError("mmap", path, errno))
        }
        base = UnsafeRawPointer(mapped)
        self.path = path
        let list: [Tombstone]
        do throws(TombstoneError) { list = try TombstoneFile.read(TombstoneFile.path(forTSM: path)) } catch {
            throw CommandError(TSMFileError.tombstone(error).description)
        }
        var byKey: [[UInt8]: [(min: Int64, max: Int64)]] = [:]
        for t in list { byKey[t.key, default: []].append((t.min, t.max)) }
        var deleted = Set<Int>()
        for (key, ranges) in byKey {
            guard let position = reader.position(of: key) else { continue }
            let entries = reader.entries(at: position).entries
            if Self.covers(ranges, min: entries.first!.minTime, max: entries.last!.maxTime) {
                deleted.insert(position)
            } else {
                tombstones[key] = ranges
            }
        }
        positions = (0..<reader.keyCount).filter { !deleted.contains($0) }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// Whether tombstones remove a key whose blocks span `min...max` entirely (1.x's
    /// `indirectIndex.DeleteRange`): one range covering it all (or the whole time line), or a
    /// chain of ranges, sorted, each overlapping or adjoining the one before, that does.
    static func covers(_ ranges: [(min: Int64, max: Int64)], min: Int64, max: Int64) -> Bool {
        let relevant = ranges.filter { ($0.min == .min && $0.max == .max) || ($0.min <= max && $0.max >= min) }
        if relevant.contains(where: { ($0.min == .min && $0.max == .max) || ($0.min <= min && $0.max >= max) }) { return true }
        let sorted = relevant.sorted { $0.min != $1.min ? $0.min < $1.min : $0.max <= $1.max }
        guard var low = sorted.first?.min, var high = sorted.first?.max else { return false }
        for j in sorted.indices.dropFirst() {
            let previous = sorted[j - 1], next = sorted[j]
            let adjoins = previous.max != .max && previous.max + 1 == next.min
            let overlaps = previous.min <= next.max && previous.max >= next.min
            guard adjoins || overlaps else { return false }
            low = Swift.min(low, next.min)
            high = Swift.max(high, next.max)
        }
        return low <= min && high >= max
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// The stored CRC of the block at `entry` and the block after it (bounds were checked when
    /// the index was read).
    func block(_ entry: TSMIndexEntry) -> (checksum: UInt32, block: UnsafeRawBufferPointer) {
        let start = Int(entry.offset)
        let b = bytes
        let crc = UInt32(b[start]) << 24 | UInt32(b[start + 1]) << 16 | UInt32(b[start + 2]) << 8 | UInt32(b[start + 3])
        return (crc, UnsafeRawBufferPointer(rebasing: b[(start + 4)..<(start + Int(entry.size))]))
    }

    /// 1.x's `IndexSize`: the index bytes between the last block and the footer.
    var indexSize: Int {
        let b = bytes
        var offset = 0
        for i in 0..<8 { offset = offset << 8 | Int(b[size - 8 + i]) }
        return size - 8 - offset
    }
}

/// A TSM key split at the first `#!~#`: the series key (escaped, as stored) and the field
/// name (unescaped). A key without the separator is all series key (1.x's
/// `SeriesAndFieldFromCompositeKey`).
func splitCompositeKey(_ key: some Collection<UInt8>) -> (series: ArraySlice<UInt8>, field: ArraySlice<UInt8>) {
    let bytes = Array(key)
    let separator = TSMFormat.fieldSeparator
    if bytes.count >= separator.count {
        for i in 0...(bytes.count - separator.count) where bytes[i] == separator[0] {
            if bytes[i + 1] == separator[1] && bytes[i + 2] == separator[2] && bytes[i + 3] == separator[3] {
                return (bytes[..<i], bytes[(i + 4)...])
            }
        }
    }
    return (bytes[...], [])
}

/// A series key parsed as 1.x's `models.ParseKey` does: the measurement with `\,` and `\ `
/// unescaped, and each tag's key and value with `\,`, `\=` and `\ ` unescaped. Tags with an
/// empty value are skipped.
struct ParsedSeriesKey {
    var measurement: [UInt8]
    var tags: [(key: [UInt8], value: [UInt8])]

    init(_ key: ArraySlice<UInt8>) {
        let buf = Array(key)
        // scanMeasurement: the first unescaped comma or space ends the name.
        var i = 0
        var hasTags = false
        if !buf.isEmpty && buf[0] != UInt8(ascii: ",") {
            while true {
                i += 1
                if i >= buf.count { break }
                if buf[i - 1] == UInt8(ascii: "\\") { continue }
                if buf[i] == UInt8(ascii: ",") {
                    hasTags = true
                    break
                }
                if buf[i] == UInt8(ascii: " ") { break }
            }
        }
        measurement = Self.unescape(buf[0..<min(i, buf.count)], [UInt8(ascii: ","), UInt8(ascii: " ")])
        tags = []
        guard hasTags else { return }
        let escapable: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "="), UInt8(ascii: " ")]
        var p = i + 1
        while p < buf.count {
            var keyEnd = p
            while keyEnd < buf.count, !(buf[keyEnd] == UInt8(ascii: "=") && (keyEnd == 0 || buf[keyEnd - 1] != UInt8(ascii: "\\"))) { keyEnd += 1 }
            var valueEnd = keyEnd + 1
            while valueEnd < buf.count, !(buf[valueEnd] == UInt8(ascii: ",") && buf[valueEnd - 1] != UInt8(ascii: "\\")) { valueEnd += 1 }
            let key = buf[p..<keyEnd]
            let value = keyEnd + 1 <= min(valueEnd, buf.count) ? buf[(keyEnd + 1)..<min(valueEnd, buf.count)] : []
            if value.isEmpty {
                // 1.x skips such a pair without moving past its comma; the next scan starts on it.
                p = valueEnd
                continue
            }
            tags.append((Self.unescape(key, escapable), Self.unescape(value, escapable)))
            p = valueEnd + 1
        }
    }

    /// Removes the backslash in front of each byte of `escapable`.
    static func unescape(_ bytes: ArraySlice<UInt8>, _ escapable: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "\\")) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.endIndex, escapable.contains(bytes[i + 1]) {
                out.append(bytes[i + 1])
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}
