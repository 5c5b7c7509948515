import Checksum
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension SeriesFile {
    /// One live partition (`_series/PP`), 1.x's `SeriesPartition`: segments appended to by
    /// one writer at a time, the mapped `index` of the last compaction, and in-memory maps of
    /// the entries written since.
    ///
    /// Two locks: `writer` serializes appends (and the creation of a segment) and is held
    /// across them; `state` guards the maps and is held only to read or publish them, so
    /// lookups never wait for a write to reach the file.
    final class Partition: Sendable {
        let number: Int
        let path: String

        struct State {
            var segments: [SeriesSegmentFile]
            var index: MappedSeriesIndex?
            /// Inserts since the index, by the key's rhh hash: the newest offset for a key.
            var keyOffsets: [Int64: Int64] = [:]
            /// Further keys whose hash equals one in `keyOffsets` (rare: 64-bit hashes).
            var collisions: [Int64: [Int64]] = [:]
            var idOffsets: [UInt64: Int64] = [:]
            var tombstones: Set<UInt64> = []
            /// The highest insert offset known (index or memory): where a compaction stops.
            var maxOffset: Int64 = 0
            var compacting = false

            func segment(_ id: UInt16) -> SeriesSegmentFile? { segments.first { $0.id == id } }

            /// The key of the insert at `offset`, or an empty buffer.
            func key(at offset: Int64) -> UnsafeRawBufferPointer { Partition.key(in: segments, at: offset) }

            /// The in-memory part of `FindIDBySeriesKey`: the offset of the key's newest insert.
            func memoryOffset(ofKey key: UnsafeRawBufferPointer, hash: Int64) -> Int64? {
                if let offset = keyOffsets[hash], key.elementsEqual(self.key(at: offset)) { return offset }
                return collisions[hash]?.first { key.elementsEqual(self.key(at: $0)) }
            }

            mutating func insert(key: UnsafeRawBufferPointer, hash: Int64, id: UInt64, offset: Int64) {
                if let resident = keyOffsets[hash], !key.elementsEqual(self.key(at: resident)) {
                    var list = collisions[hash] ?? []
                    list.removeAll { key.elementsEqual(self.key(at: $0)) }
                    list.append(offset)
                    collisions[hash] = list
                } else {
                    keyOffsets[hash] = offset
                }
                idOffsets[id] = offset
                maxOffset = max(maxOffset, offset)
            }

            /// Replays the entries after the index's max offset (1.x's `Recover`).
            mutating func recover() {
                let after = index?.header.maxOffset ?? 0
                maxOffset = after
                let (first, position) = SeriesFileOffset.split(after)
                for segment in segments where segment.id >= first {
                    // From the index's last entry rather than the segment's first, when that
                    // is where an entry is (it is, unless the index is not this file's).
                    var start = SeriesSegment.headerSize
                    if after > 0, segment.id == first,
                       let entry = try? SeriesSegment.entry(in: UnsafeRawBufferPointer(rebasing: segment.bytes[0..<segment.end]), at: Int(position)) {
                        start = entry.position
                    }
                    segment.forEachEntry(from: start) { entry in
                        let offset = SeriesFileOffset.join(segment: segment.id, position: UInt32(truncatingIfNeeded: entry.position))
                        guard offset > after else { return }
                        switch entry.kind {
                        case .insert:
                            let key = UnsafeRawBufferPointer(rebasing: segment.bytes[entry.key])
                            insert(key: key, hash: SeriesFileHash.key(key), id: entry.id, offset: offset)
                        case .tombstone:
                            tombstones.insert(entry.id)
                        }
                    }
                }
            }

            /// `index.Count()`: series in the index plus inserts since (deleted ones included).
            var count: UInt64 { (index?.header.count ?? 0) + UInt64(idOffsets.count) }
        }

        /// The next id to hand out; owned by whoever holds it.
        struct Writer { var sequence: UInt64 }

        let state: Mutex<State>
        let writer: Mutex<Writer>

        private init(number: Int, path: String, state: State, sequence: UInt64) {
            self.number = number
            self.path = path
            self.state = Mutex(state)
            self.writer = Mutex(Writer(sequence: sequence))
        }

        /// Opens (creating if needed) partition `number` at `path`.
        static func open(number: Int, path: String) throws(SeriesFileError) -> Partition {
            if mkdir(path, 0o777) != 0 && errno != EEXIST { throw .io("mkdir \(path): \(SeriesFileBytes.errnoText(errno))") }
            var segments: [SeriesSegmentFile] = []
            let found = try SeriesFileDirectory.list(path).compactMap { name in SeriesSegment.parseFileName(name).map { (name, $0) } }
            for (n, (name, id)) in found.enumerated() {
                segments.append(try SeriesSegmentFile.open(path: path + "/" + name, id: id, active: n == found.count - 1))
            }
            // The next id follows the highest insert of the last segment that has one (the
            // active segment's was found as it was opened).
            var sequence = UInt64(number) + 1
            for (n, segment) in segments.enumerated().reversed() {
                var highest = segment.highestInsertAtOpen
                if n < segments.count - 1 { segment.forEachEntry { if $0.kind == .insert { highest = max(highest, $0.id) } } }
                if highest >= sequence {
                    sequence = highest + UInt64(SeriesFile.partitionCount)
                    break
                }
            }
            if segments.isEmpty { segments.append(try SeriesSegmentFile.create(directory: path, id: 0)) }
            var state = State(segments: segments, index: try MappedSeriesIndex.open(path: path + "/index"))
            state.recover()
            return Partition(number: number, path: path, state: state, sequence: sequence)
        }

        /// The live id of `key` (length prefix included), or 0 (1.x's `FindIDBySeriesKey`).
        func id(forKey key: UnsafeRawBufferPointer) -> UInt64 {
            let hash = SeriesFileHash.key(key)
            let (found, index, segments) = state.withLock { s -> (UInt64?, MappedSeriesIndex?, [SeriesSegmentFile]) in
                if let offset = s.memoryOffset(ofKey: key, hash: hash) {
                    let (segment, position) = SeriesFileOffset.split(offset)
                    let id = s.segment(segment)?.id(ofEntryAt: Int(position)) ?? 0
                    if id != 0 && !s.tombstones.contains(id) { return (id, nil, []) }
                }
                return (nil, s.index, s.segments)
            }
            if let found { return found }
            // The on-disk maps are probed outside the lock: the mapping and the entries up to
            // its max offset never change.
            guard let index else { return 0 }
            let id = index.maps.id(forKey: key) { offset, body in body(Partition.key(in: segments, at: offset)) }
            return id != 0 && isDeleted(id) ? 0 : id
        }

        /// The offset of `id`'s insert, or 0 (`FindOffsetByID`).
        func offset(forID id: UInt64) -> Int64 {
            let (memory, index) = state.withLock { ($0.idOffsets[id], $0.index) }
            if let memory, memory != 0 { return memory }
            return index?.maps.offset(forID: id) ?? 0
        }

        /// Whether `id` is deleted or unknown (`IsDeleted`).
        func isDeleted(_ id: UInt64) -> Bool {
            if state.withLock({ $0.tombstones.contains(id) }) { return true }
            return offset(forID: id) == 0
        }

        /// The length-prefixed key of `id`, or nil.
        func key(forID id: UInt64) -> [UInt8]? {
            let offset = offset(forID: id)
            guard offset != 0 else { return nil }
            let key = state.withLock { Array($0.key(at: offset)) }
            return key.isEmpty ? nil : key
        }

        var count: UInt64 { state.withLock { $0.count } }

        /// The key of the insert entry at `offset` among `segments`, or an empty buffer.
        static func key(in segments: [SeriesSegmentFile], at offset: Int64) -> UnsafeRawBufferPointer {
            let (segmentID, position) = SeriesFileOffset.split(offset)
            return segments.first { $0.id == segmentID }?.key(ofEntryAt: Int(position)) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        }
    }
}
