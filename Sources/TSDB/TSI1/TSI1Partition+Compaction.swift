#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import LineProtocol
import Synchronization
import TSI

extension TSI1Partition {
    /// 1.6's `CheckLogFile`: once the active log holds `maxLogFileSize` bytes, a new log takes
    /// the appends and the full one is compacted into an index file in the background. A
    /// rotation that fails is tried again after the next write.
    func rotateIfFull() {
        guard maxLogFileSize > 0 else { return }
        let start = log.withLock { l -> Bool in
            guard !l.rotating, l.size >= maxLogFileSize else { return false }
            l.rotating = true
            return true
        }
        guard start else { return }
        do throws(StoreError) { try rotate() } catch { log.withLock { $0.rotating = false } }
    }

    /// Creates the next log file, lists it first in the MANIFEST, switches appends to it, and
    /// starts the compaction of the previous one.
    private func rotate() throws(StoreError) {
        let (name, fd) = try files.withLock { (f: inout Files) throws(StoreError) -> (String, Int32) in
            let name = ManifestFileName.log(id: f.nextID)
            let fd = Glibc.open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            if fd < 0 { throw .engine("open \(path)/\(name): \(String(cString: strerror(errno)))") }
            var manifest = f.manifest
            manifest.files.insert(name, at: 0)
            do throws(ManifestError) { try Self.write(manifest, to: path) } catch {
                close(fd)
                unlink(path + "/" + name)
                throw .engine("tsi1 partition \(path): \(error)")
            }
            f.manifest = manifest
            f.nextID += 1
            return (name, fd)
        }
        let old = log.withLock { l -> String in
            let old = l.name
            l.unsynced.append(l.fd)
            (l.fd, l.name, l.size, l.rotating) = (fd, name, 0, false)
            l.older.insert((old, .log(l.postings)), at: 0)
            l.postings = TSI1LogPostings()
            return old
        }
        compactions.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { compactions.leave() }
            // A log that fails to compact stays listed and is read at the next open.
            try? compact(log: old)
            compactLevels()
        }
    }

    /// Writes log file `name` as `L1-<its id>.tsi` (fsynced, through a temporary name), puts
    /// it in the log's place in the MANIFEST, then deletes the log.
    func compact(log name: String) throws(StoreError) {
        guard let id = ManifestFileName.parse(name)?.id else { return }
        let logPath = path + "/" + name
        let replay: LogFileReplay
        do throws(LogFileError) { replay = try LogFileReplay.read(path: logPath) } catch { throw .engine("tsi1 log file \(logPath): \(error)") }
        let content = TSI1LogContent(replay.entries, seriesFile: seriesFile).indexFileContent
        let index = ManifestFileName.index(id: id, level: 1)
        let indexPath = path + "/" + index
        let bytes: [UInt8]
        do throws(IndexFileError) { bytes = try IndexFileWriter.encode(content) } catch { throw .engine("tsi1 index file \(indexPath): \(error)") }
        do throws(SeriesFileError) { try SeriesFileBytes.writeFile(indexPath + ManifestFileName.compactingExtension, bytes) } catch {
            throw .engine("tsi1 index file \(indexPath): \(error)")
        }
        if rename(indexPath + ManifestFileName.compactingExtension, indexPath) != 0 {
            throw .engine("rename \(indexPath): \(String(cString: strerror(errno)))")
        }
        try files.withLock { (f: inout Files) throws(StoreError) in
            var manifest = f.manifest
            guard let at = manifest.files.firstIndex(of: name) else { return }
            manifest.files[at] = index
            do throws(ManifestError) { try Self.write(manifest, to: path) } catch { throw .engine("tsi1 partition \(path): \(error)") }
            f.manifest = manifest
        }
        // Queries read the index file from now on; if it cannot be mapped they keep the log's
        // postings (the same series).
        if let mapped = try? TSI1Layer.mapIndexFile(indexPath) { replaceLayer(name, with: index, .index(mapped)) }
        unlink(logPath)
    }
}

/// A log file's content as 1.6's `LogFile` holds it in memory, and the index file 1.6's
/// `CompactTo` writes from it (`Spec/tsi.md` §4.6): measurements with their deleted flag and
/// live series, tag keys and values with theirs, the series the log added and deleted, and
/// sketches of their line-protocol keys.
struct TSI1LogContent {
    struct Value {
        var deleted = false
        var ids = Set<UInt64>()
    }

    struct Key {
        var deleted = false
        var values: [[UInt8]: Value] = [:]
    }

    struct Measurement {
        var deleted = false
        var ids = Set<UInt64>()
        var keys: [[UInt8]: Key] = [:]
    }

    var measurements: [[UInt8]: Measurement] = [:]
    var series = Set<UInt64>()
    var tombstones = Set<UInt64>()
    /// Each series' parts, from the series file.
    var parts: [UInt64: SeriesKey] = [:]

    init(_ entries: [LogEntry], seriesFile: SeriesFile) {
        for entry in entries {
            switch entry.kind {
            case .seriesInsert?, nil:
                guard let key = seriesFile.parts(forID: entry.seriesID) else { continue }
                parts[entry.seriesID] = key
                // Taken out and put back, each map uniquely held while it changes (a copy left
                // in the dictionary made every insert copy the measurement's maps).
                var m = measurements.removeValue(forKey: key.name) ?? Measurement()
                m.deleted = false
                m.ids.insert(entry.seriesID)
                for tag in key.tags {
                    var k = m.keys.removeValue(forKey: tag.key) ?? Key()
                    var v = k.values.removeValue(forKey: tag.value) ?? Value()
                    v.ids.insert(entry.seriesID)
                    k.values[tag.value] = v
                    m.keys[tag.key] = k
                }
                measurements[key.name] = m
                series.insert(entry.seriesID)
                tombstones.remove(entry.seriesID)
            case .seriesTombstone?:
                let id = entry.seriesID
                if let key = parts[id] ?? seriesFile.parts(forID: id) {
                    parts[id] = key
                    measurements[key.name]?.ids.remove(id)
                    for tag in key.tags { measurements[key.name]?.keys[tag.key]?.values[tag.value]?.ids.remove(id) }
                }
                series.remove(id)
                tombstones.insert(id)
            case .measurementTombstone?:
                measurements[entry.name] = Measurement(deleted: true)
            case .tagKeyTombstone?:
                measurements[entry.name, default: Measurement()].keys[entry.key, default: Key()].deleted = true
            case .tagValueTombstone?:
                measurements[entry.name, default: Measurement()].keys[entry.key, default: Key()].values[entry.value, default: Value()].deleted = true
            }
        }
    }

    /// What 1.6 writes for this log (names, keys and values sorted by the writer).
    var indexFileContent: IndexFileContent {
        func sorted<T>(_ d: [[UInt8]: T]) -> [([UInt8], T)] {
            d.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
        }
        var entries: [MeasurementEntry] = []
        for (name, m) in sorted(measurements) {
            let keys = m.deleted ? [] : sorted(m.keys).map { key, k in
                TagKeyEntry(key: key, isTombstoned: k.deleted, values: k.deleted ? [] : sorted(k.values).map { value, v in
                    TagValueEntry(value: value, isTombstoned: v.deleted, seriesIDs: v.ids.sorted())
                })
            }
            entries.append(MeasurementEntry(name: name, isTombstoned: m.deleted, seriesIDs: m.deleted ? [] : m.ids.sorted(), tagKeys: keys))
        }
        var sketch = HLLSketch.empty, tombstoneSketch = HLLSketch.empty
        for id in series.sorted() { if let key = parts[id] { sketch.add(key.made) } }
        for id in tombstones.sorted() { if let key = parts[id] { tombstoneSketch.add(key.made) } }
        return IndexFileContent(measurements: entries, seriesIDSet: SeriesIDSet(series), tombstoneSeriesIDSet: SeriesIDSet(tombstones),
                                seriesSketch: sketch, tombstoneSeriesSketch: tombstoneSketch)
    }
}
