#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TSI

extension TSI1Partition {
    /// 1.6's level compactions (`Spec/tsi.md` §3): for each level 1…6, walking the MANIFEST
    /// from its oldest end (skipping files of a higher level, stopping at one of a lower level),
    /// the two oldest files of that level are merged into one of the next level, which takes
    /// the newer one's place. Runs until no level has two such files; called after a log
    /// compaction and at open, off the write path.
    func compactLevels() {
        while let (older, newer, level) = files.withLock({ Self.nextMerge($0.manifest.files) }) {
            do throws(StoreError) { try merge(older: older, newer: newer, into: level + 1) } catch { return }
        }
    }

    /// Merges, in the background, levels left with two files or more (by a crash, or by
    /// influxd), as 1.6 does after opening; called once the files opening found were read.
    func startLevelCompactions() {
        guard files.withLock({ Self.nextMerge($0.manifest.files) }) != nil else { return }
        compactions.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { compactions.leave() }
            compactLevels()
        }
    }

    /// The two oldest files of the lowest level that has two in a row from the oldest end.
    static func nextMerge(_ files: [String]) -> (older: String, newer: String, level: Int)? {
        for level in 1...6 {
            var found: [String] = []
            for name in files.reversed() {
                guard let parsed = ManifestFileName.parse(name) else { continue }
                let fileLevel = ManifestFileName.kind(name) == .log ? 0 : parsed.level
                if fileLevel > level { continue }
                if fileLevel < level { break }
                found.append(name)
                if found.count == 2 { return (found[0], found[1], level) }
            }
        }
        return nil
    }

    /// Writes the merge of two index files as `L<level>-<next id>.tsi`, puts it in the newer
    /// file's place in the MANIFEST, drops the older one from it, then deletes both.
    private func merge(older: String, newer: String, into level: Int) throws(StoreError) {
        let content: IndexFileContent
        do {
            let old = try IndexFile(bytes: SeriesFileBytes.readFile(path + "/" + older)).content()
            let new = try IndexFile(bytes: SeriesFileBytes.readFile(path + "/" + newer)).content()
            content = TSI1IndexMerge.merge(newer: new, older: old) { self.seriesFile.key(forID: $0) }
        } catch {
            throw .engine("tsi1 partition \(path): merging \(older) and \(newer): \(error)")
        }
        let bytes: [UInt8]
        do throws(IndexFileError) { bytes = try IndexFileWriter.encode(content) } catch { throw .engine("tsi1 partition \(path): \(error)") }
        let id = files.withLock { f -> Int in
            defer { f.nextID += 1 }
            return f.nextID
        }
        let name = ManifestFileName.index(id: id, level: level)
        let output = path + "/" + name
        do throws(SeriesFileError) { try SeriesFileBytes.writeFile(output + ManifestFileName.compactingExtension, bytes) } catch {
            throw .engine("tsi1 index file \(output): \(error)")
        }
        if rename(output + ManifestFileName.compactingExtension, output) != 0 { throw .engine("rename \(output): \(String(cString: strerror(errno)))") }
        let applied = try files.withLock { (f: inout Files) throws(StoreError) -> Bool in
            var manifest = f.manifest
            guard let at = manifest.files.firstIndex(of: newer), manifest.files.contains(older) else { return false }
            manifest.files[at] = name
            manifest.files.removeAll { $0 == older }
            do throws(ManifestError) { try Self.write(manifest, to: path) } catch { throw .engine("tsi1 partition \(path): \(error)") }
            f.manifest = manifest
            return true
        }
        // Two compactions finishing side by side may pick the same pair: the one that finds
        // it gone from the MANIFEST drops its own output and leaves the inputs to the other.
        guard applied else {
            unlink(output)
            return
        }
        // Queries read the merged file from now on (the inputs' mappings stay valid for those
        // reading them: unlinking a mapped file keeps its pages).
        if let mapped = try? TSI1Layer.mapIndexFile(output) { replaceLayer(newer, with: name, .index(mapped), dropping: older) }
        unlink(path + "/" + older)
        unlink(path + "/" + newer)
    }
}

/// 1.6's merge of index files (`IndexFiles.CompactTo`, `Spec/tsi.md` §4.6), for two inputs.
enum TSI1IndexMerge {
    /// Names, keys and values are the union of the inputs'; each takes its flag from the newer
    /// input that has it; a key's values stop after the first input (newest first) where the
    /// key is deleted; series lists are unions (tombstoned ids are not removed). The series and
    /// tombstone sets start from the older input's and are updated by the newer one's; the
    /// series sketches are rebuilt from those sets' series-file keys.
    static func merge(newer: IndexFileContent, older: IndexFileContent, seriesKey: (UInt64) -> [UInt8]?) -> IndexFileContent {
        var measurements: [MeasurementEntry] = []
        let olderByName = Dictionary(older.measurements.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newerNames = Set(newer.measurements.map(\.name))
        for m in newer.measurements {
            guard let o = olderByName[m.name] else {
                measurements.append(m)
                continue
            }
            measurements.append(MeasurementEntry(name: m.name, isTombstoned: m.isTombstoned,
                                                 seriesIDs: Set(m.seriesIDs).union(o.seriesIDs).sorted(),
                                                 tagKeys: mergeKeys(newer: m.tagKeys, older: o.tagKeys)))
        }
        measurements += older.measurements.filter { !newerNames.contains($0.name) }
        var series = older.seriesIDSet, tombstones = older.tombstoneSeriesIDSet
        series = series.subtracting(newer.tombstoneSeriesIDSet)
        tombstones = tombstones.union(newer.tombstoneSeriesIDSet)
        tombstones = tombstones.subtracting(newer.seriesIDSet)
        series = series.union(newer.seriesIDSet)
        var sketch = HLLSketch.empty, tombstoneSketch = HLLSketch.empty
        for id in series.ids { if let key = seriesKey(id) { sketch.add(key) } }
        for id in tombstones.ids { if let key = seriesKey(id) { tombstoneSketch.add(key) } }
        return IndexFileContent(measurements: measurements, seriesIDSet: series, tombstoneSeriesIDSet: tombstones,
                                seriesSketch: sketch, tombstoneSeriesSketch: tombstoneSketch)
    }

    private static func mergeKeys(newer: [TagKeyEntry], older: [TagKeyEntry]) -> [TagKeyEntry] {
        let olderByKey = Dictionary(older.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let newerKeys = Set(newer.map(\.key))
        var out: [TagKeyEntry] = []
        for k in newer {
            // A key deleted in the newer input keeps only that input's values.
            guard let o = olderByKey[k.key], !k.isTombstoned else {
                out.append(k)
                continue
            }
            out.append(TagKeyEntry(key: k.key, isTombstoned: k.isTombstoned, values: mergeValues(newer: k.values, older: o.values)))
        }
        out += older.filter { !newerKeys.contains($0.key) }
        return out.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    private static func mergeValues(newer: [TagValueEntry], older: [TagValueEntry]) -> [TagValueEntry] {
        let olderByValue = Dictionary(older.map { ($0.value, $0) }, uniquingKeysWith: { a, _ in a })
        let newerValues = Set(newer.map(\.value))
        var out = newer.map { v in
            olderByValue[v.value].map { TagValueEntry(value: v.value, isTombstoned: v.isTombstoned, seriesIDs: Set(v.seriesIDs).union($0.seriesIDs).sorted()) } ?? v
        }
        out += older.filter { !newerValues.contains($0.value) }
        return out.sorted { $0.value.lexicographicallyPrecedes($1.value) }
    }
}
