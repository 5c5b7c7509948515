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
    /// Series a log replayed at open that are not in the maps yet: opening reads only their
    /// names and tag keys; a background task puts them in the maps (``absorb(_:)``), and until
    /// then lookups scan them (``TSI1PartitionSnapshot``).
    var pending: [UInt64] = []
    /// For the pending series: each measurement's tag keys, each with up to four ids that
    /// have it (what `tagKeys` tries before scanning).
    var pendingTagKeys: [[UInt8]: [(key: [UInt8], ids: [UInt64])]] = [:]

    /// Lists a replayed insert as pending; `bytes` is its series-file key. Returns its
    /// measurement name (nil for a key that does not decode).
    mutating func addPending(_ id: UInt64, key bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { b -> [UInt8]? in
            guard let key = try? SeriesFileKey.decode(b, at: 0) else { return nil }
            let name = Array(b[key.measurement])
            pending.append(id)
            var keys = pendingTagKeys.removeValue(forKey: name) ?? []
            for tag in key.tags {
                let bytes = UnsafeRawBufferPointer(rebasing: b[tag.key])
                if let i = keys.firstIndex(where: { $0.key.elementsEqual(bytes) }) {
                    if keys[i].ids.count < 4 { keys[i].ids.append(id) }
                } else {
                    keys.append((Array(bytes), [id]))
                }
            }
            pendingTagKeys[name] = keys
            return name
        }
    }

    /// The maps of the pending series, built from their keys (off any lock).
    static func built(_ ids: [UInt64], _ seriesFile: SeriesFile) -> TSI1LogPostings {
        var out = TSI1LogPostings()
        for id in ids {
            if let key = seriesFile.parts(forID: id) { out.insert(id, key) }
        }
        return out
    }

    /// These are the maps of `other`'s pending series: takes `other`'s own maps in too (the
    /// inserts since it opened), so that this replaces it with nothing pending.
    mutating func absorb(_ other: TSI1LogPostings) {
        for (name, m) in other.measurements {
            var mine = measurements.removeValue(forKey: name) ?? Measurement()
            for (key, values) in m.tags {
                for (value, ids) in values { mine.tags[key, default: [:]][value, default: []].append(contentsOf: ids) }
            }
            mine.bytes += m.bytes
            measurements[name] = mine
        }
        bytes += other.bytes
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
    let seriesFile: SeriesFile

    private var logs: [TSI1LogPostings] { [active] + older.compactMap { if case .log(let p) = $0 { p } else { nil } } }

    /// Every id some file lists for `key = value` in the measurement (dead ones included).
    func ids(measurement name: [UInt8], key: [UInt8], value: [UInt8], into set: inout SeriesIDSet) {
        for postings in logs {
            if let ids = postings.measurements[name]?.tags[ByteKey(key)]?[ByteKey(value)] { set.insert(contentsOf: ids) }
            guard postings.pendingTagKeys[name]?.contains(where: { $0.key == key }) == true else { continue }
            for id in postings.pending where has(id, name, key, value: value) { set.insert(id) }
        }
        for layer in older {
            guard case .index(let file) = layer, let m = try? file.measurement(named: name), !m.isTombstoned,
                  let block = try? file.tagBlock(of: m), let v = try? block.value(key: key, value: value),
                  let ids = try? v.series.ids() else { continue }
            set.insert(contentsOf: ids)
        }
    }

    /// Whether series `id` is of the measurement and has tag `key` (with `value`, if given):
    /// a pending series' key read from the series file.
    private func has(_ id: UInt64, _ name: [UInt8], _ key: [UInt8], value: [UInt8]? = nil) -> Bool {
        guard let bytes = seriesFile.key(forID: id) else { return false }
        return bytes.withUnsafeBytes { b in
            guard let k = try? SeriesFileKey.decode(b, at: 0), b[k.measurement].elementsEqual(name),
                  let tag = k.tags.first(where: { b[$0.key].elementsEqual(key) }) else { return false }
            return value.map { b[tag.value].elementsEqual($0) } ?? true
        }
    }

    /// The tag keys some file lists for the measurement with a value holding an id of `live`.
    func tagKeys(measurement name: [UInt8], holding live: SeriesIDSet) -> Set<[UInt8]> {
        var found = Set<[UInt8]>()
        func consider(_ key: [UInt8], _ holds: () -> Bool) {
            if !found.contains(key) && holds() { found.insert(key) }
        }
        for postings in logs {
            for (key, values) in postings.measurements[name]?.tags ?? [:] {
                consider(key.bytes) { values.values.contains { ids in ids.contains { live.contains($0) } } }
            }
            for (key, samples) in postings.pendingTagKeys[name] ?? [] {
                // The sampled ids usually settle it; else the pending series are scanned.
                consider(key) {
                    samples.contains { live.contains($0) } || postings.pending.contains { live.contains($0) && has($0, name, key) }
                }
            }
        }
        for layer in older {
            guard case .index(let file) = layer, let m = try? file.measurement(named: name), !m.isTombstoned,
                  let block = try? file.tagBlock(of: m) else { continue }
            var keys = block.makeKeyIterator()
            while let element = try? keys.next() {
                consider(Array(element.name)) {
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
