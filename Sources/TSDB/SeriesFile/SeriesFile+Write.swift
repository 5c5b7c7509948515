import Checksum
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension SeriesFile.Partition {
    /// Gives each key at `indices` (all of this partition) its live id, appending inserts for
    /// the missing ones in order (1.x's `CreateSeriesListIfNotExists` on one partition: a key
    /// twice in the batch gets one id). Returns whether the partition should now compact.
    func createSeriesList(_ keys: [[UInt8]], indices: [Int], ids: inout [UInt64], compactThreshold: Int) throws(SeriesFileError) -> Bool {
        var missing: [Int] = []
        for i in indices {
            let found = keys[i].withUnsafeBytes { self.id(forKey: $0) }
            if found == 0 { missing.append(i) } else { ids[i] = found }
        }
        if missing.isEmpty { return false }
        return try writer.withLock { (w: inout Writer) throws(SeriesFileError) -> Bool in
            var fresh: [[UInt8]: UInt64] = [:]
            var created: [(key: Int, id: UInt64, offset: Int64)] = []
            for i in missing {
                if let id = fresh[keys[i]] {
                    ids[i] = id
                    continue
                }
                // Looked up again: another writer may have created it while this one waited.
                let existing = keys[i].withUnsafeBytes { self.id(forKey: $0) }
                if existing != 0 {
                    ids[i] = existing
                    continue
                }
                let id = w.sequence
                let offset = try append(flag: SeriesEntry.Kind.insert, id: id, key: keys[i])
                w.sequence += UInt64(SeriesFile.partitionCount)
                ids[i] = id
                fresh[keys[i]] = id
                created.append((i, id, offset))
            }
            return state.withLock { s in
                for c in created {
                    keys[c.key].withUnsafeBytes { s.insert(key: $0, hash: SeriesFileHash.key($0), id: c.id, offset: c.offset) }
                }
                guard !s.compacting, compactThreshold > 0, s.idOffsets.count >= compactThreshold else { return false }
                s.compacting = true
                return true
            }
        }
    }

    /// Marks `id` deleted for good with a tombstone entry (1.x's `DeleteSeriesID`); an id
    /// already deleted, or unknown, is left alone.
    func delete(_ id: UInt64) throws(SeriesFileError) {
        try writer.withLock { (_: inout Writer) throws(SeriesFileError) in
            if isDeleted(id) { return }
            _ = try append(flag: .tombstone, id: id, key: [])
            state.withLock { _ = $0.tombstones.insert(id) }
        }
    }

    /// Appends one entry to the active segment, first creating the next segment when it does
    /// not fit. Called with the writer lock held; the state lock is taken only to read the
    /// active segment and to add a new one.
    private func append(flag: SeriesEntry.Kind, id: UInt64, key: [UInt8]) throws(SeriesFileError) -> Int64 {
        var entry: [UInt8] = [flag.rawValue]
        entry.reserveCapacity(SeriesSegment.entryHeaderSize + key.count)
        for shift in stride(from: 56, through: 0, by: -8) { entry.append(UInt8(truncatingIfNeeded: id >> UInt64(shift))) }
        entry += key
        guard var active = state.withLock({ $0.segments.last }) else { throw .io("series partition \(path) has no segment") }
        if !active.canWrite(entry.count) {
            guard active.id < UInt16.max else { throw .io("series partition \(path) is full") }
            let next = try SeriesSegmentFile.create(directory: path, id: active.id + 1)
            guard next.canWrite(entry.count) else {
                throw .io("series entry of \(entry.count) bytes does not fit a segment of \(SeriesSegment.maximumSize(id: next.id)) bytes")
            }
            state.withLock { $0.segments.append(next) }
            active = next
        }
        let position = entry.withUnsafeBytes { active.append($0) }
        return SeriesFileOffset.join(segment: active.id, position: UInt32(truncatingIfNeeded: position))
    }

    /// Writes a new `index` from every live insert up to the partition's max offset, as 1.x's
    /// compactor does, then replaces the maps: the entries since are replayed into memory.
    /// Runs off the write path; only the final swap holds the locks.
    func compact() throws(SeriesFileError) {
        defer { state.withLock { $0.compacting = false } }
        let snapshot = state.withLock { s in
            (segments: s.segments, index: s.index, tombstones: s.tombstones, idOffsets: s.idOffsets, count: s.count, maxOffset: s.maxOffset)
        }
        func isDeleted(_ id: UInt64) -> Bool {
            if snapshot.tombstones.contains(id) { return true }
            if let offset = snapshot.idOffsets[id], offset != 0 { return false }
            return (snapshot.index?.maps.offset(forID: id) ?? 0) == 0
        }
        var builder = SeriesIndexFileBuilder(count: snapshot.count)
        for segment in snapshot.segments {
            if SeriesFileOffset.join(segment: segment.id, position: 0) > snapshot.maxOffset { break }
            segment.forEachEntry { entry in
                let offset = SeriesFileOffset.join(segment: segment.id, position: UInt32(truncatingIfNeeded: entry.position))
                guard entry.kind == .insert, offset <= snapshot.maxOffset else { return }
                builder.add(id: entry.id, offset: offset, key: UnsafeRawBufferPointer(rebasing: segment.bytes[entry.key]),
                            live: !isDeleted(entry.id)) { SeriesFileHash.key(SeriesFile.Partition.key(in: snapshot.segments, at: $0)) }
            }
        }
        let final = path + "/index", temporary = final + ".compacting"
        try SeriesFileBytes.writeFile(temporary, builder.bytes)
        if rename(temporary, final) != 0 { throw .io("rename \(temporary): \(SeriesFileBytes.errnoText(errno))") }
        let mapped = try MappedSeriesIndex.open(path: final)
        // No append may land between the replay and the swap.
        writer.withLock { (_: inout Writer) in
            state.withLock { s in
                s.index = mapped
                s.keyOffsets = [:]
                s.collisions = [:]
                s.idOffsets = [:]
                s.tombstones = []
                s.recover()
            }
        }
    }
}
