#if canImport(Glibc)
import Glibc
#endif
import LineProtocol
import TSI
import TSM

/// The series a log file inserted, by measurement, tag key and value: what queries read of a
/// partition's log files, as 1.6's `LogFile` keeps the same maps in memory. Only inserts are
/// kept: whatever a lookup finds is intersected with the index's live series
/// (``TSI1Index``), which tombstones have already left, and a series id always names the same
/// key, so a dead id found here drops out there.
struct TSI1LogPostings: Sendable {
    struct Measurement: Sendable {
        var tags: [ByteKey: [ByteKey: [UInt64]]] = [:]
        var bytes = 0
    }

    var measurements: [[UInt8]: Measurement] = [:]
    /// The memory the maps hold, roughly (1.6 counts its log files' maps in `IndexBytes`).
    private(set) var bytes = 0
    /// Series a log replayed at open that are not in the maps yet: they are put there when a
    /// query first reads the partition (``materialize(_:)``), so that opening reads no tags.
    var pending: [UInt64] = []

    /// Puts the pending series in the maps, their keys read from the series file.
    mutating func materialize(_ seriesFile: SeriesFile) {
        let ids = pending
        pending = []
        for id in ids {
            if let key = seriesFile.key(forID: id).flatMap(SeriesFileKey.parts(of:)) { insert(id, key) }
        }
    }

    mutating func insert(_ id: UInt64, _ key: SeriesKey) {
        // No other reference to the measurement may live while it changes (it would be copied).
        var isNew = false
        var m = measurements.removeValue(forKey: key.name) ?? { isNew = true; return Measurement() }()
        let before = m.bytes
        if isNew { m.bytes += key.name.count + 64 }
        for tag in key.tags {
            // In place: `m` is held by nothing else while it changes (a second reference, or
            // taking a map out and putting it back, copied or rehashed it per insert).
            // ByteKey hashes a key in one pass rather than byte by byte.
            let before = m.tags[ByteKey(tag.key), default: [:]].count
            m.tags[ByteKey(tag.key), default: [:]][ByteKey(tag.value), default: []].append(id)
            m.bytes += 8 + (m.tags[ByteKey(tag.key)]!.count > before ? tag.key.count + tag.value.count + 48 : 0)
        }
        bytes += m.bytes - before
        measurements[key.name] = m
    }

    /// Forgets a dropped measurement (its series are all dead).
    mutating func drop(_ name: [UInt8]) {
        guard let m = measurements.removeValue(forKey: name) else { return }
        bytes -= m.bytes
    }
}

/// One file of a partition as queries read it: a rotated-out log's postings (kept until the
/// index file compacted from it replaces them), or a mapped index file.
enum TSI1Layer: Sendable {
    case log(TSI1LogPostings)
    case index(IndexFile)

    /// Maps the index file at `path` read-only; the mapping goes with the last view of it.
    static func mapIndexFile(_ path: String) throws(StoreError) -> IndexFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .engine("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .engine("stat \(path): \(String(cString: strerror(errno)))") }
        let length = Int(st.st_size)
        guard length > 0, let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw .engine("tsi1 index file \(path): \(length == 0 ? "empty" : "mmap: \(String(cString: strerror(errno)))")")
        }
        do throws(IndexFileError) {
            return try IndexFile(unsafeBytes: UnsafeRawBufferPointer(start: mapped, count: length)) { bytes in
                munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
            }
        } catch {
            throw .engine("tsi1 index file \(path): \(error)")
        }
    }
}

/// A partition's files as a query reads them at one moment: the active log's postings and
/// the other files, newest first. Lookups union what every file says; the caller intersects
/// the result with the live series.
struct TSI1PartitionSnapshot: Sendable {
    var active: TSI1LogPostings
    var older: [TSI1Layer]

    /// Every id some file lists for `key = value` in the measurement (dead ones included).
    func ids(measurement name: [UInt8], key: [UInt8], value: [UInt8], into set: inout SeriesIDSet) {
        if let ids = active.measurements[name]?.tags[ByteKey(key)]?[ByteKey(value)] { set.insert(contentsOf: ids) }
        for layer in older {
            switch layer {
            case .log(let postings):
                if let ids = postings.measurements[name]?.tags[ByteKey(key)]?[ByteKey(value)] { set.insert(contentsOf: ids) }
            case .index(let file):
                guard let m = try? file.measurement(named: name), !m.isTombstoned,
                      let block = try? file.tagBlock(of: m), let v = try? block.value(key: key, value: value),
                      let ids = try? v.series.ids() else { continue }
                set.insert(contentsOf: ids)
            }
        }
    }

    /// The tag keys some file lists for the measurement, each with a test: whether any of its
    /// values lists an id of `live`.
    func tagKeys(measurement name: [UInt8], holding live: SeriesIDSet) -> Set<[UInt8]> {
        var found = Set<[UInt8]>()
        var unresolved = Set<[UInt8]>()
        func consider(_ key: [UInt8], _ values: () -> Bool) {
            guard !found.contains(key) else { return }
            if values() { found.insert(key); unresolved.remove(key) } else { unresolved.insert(key) }
        }
        let logs = [active] + older.compactMap { if case .log(let p) = $0 { p } else { nil } }
        for postings in logs {
            for (key, values) in postings.measurements[name]?.tags ?? [:] {
                consider(key.bytes) { values.values.contains { ids in ids.contains { live.contains($0) } } }
            }
        }
        for layer in older {
            guard case .index(let file) = layer, let m = try? file.measurement(named: name), !m.isTombstoned,
                  let block = try? file.tagBlock(of: m) else { continue }
            var keys = block.makeKeyIterator()
            while let element = try? keys.next() {
                let key = Array(element.name)
                consider(key) {
                    var values = element.makeValueIterator()
                    while let value = try? values.next() {
                        var ids = (try? value.series.makeIterator())
                        while let id = try? ids?.next() { if live.contains(id) { return true } }
                    }
                    return false
                }
            }
        }
        return found
    }
}
