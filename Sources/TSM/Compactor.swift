import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TSM file name's parts: `%09d-%09d.tsm` is generation and sequence; the sequence is the
/// compaction level (1 = cache snapshot; 4 and above = fully compacted).
public struct TSMFileName: Sendable, Hashable, Comparable {
    public var generation: Int
    public var sequence: Int

    public init(generation: Int, sequence: Int) {
        self.generation = generation
        self.sequence = sequence
    }

    /// Parses `…/000000012-000000003.tsm`.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let parts = name.split(separator: ".").first?.split(separator: "-") ?? []
        guard parts.count == 2, let g = Int(parts[0]), let s = Int(parts[1]) else { return nil }
        self.init(generation: g, sequence: s)
    }

    /// 1.x's level of a generation: its sequence, capped at 4.
    public var level: Int { Swift.min(sequence, 4) }

    public var fileName: String { Engine.fileName(generation: generation, sequence: sequence) }

    public static func < (a: Self, b: Self) -> Bool { (a.generation, a.sequence) < (b.generation, b.sequence) }
}

/// 1.x's compaction planning and merging (Spec/compaction.md).
public enum Compactor {
    /// One generation's files, with whether any has tombstones.
    public struct Generation: Sendable {
        public var id: Int
        public var files: [TSMFileName]
        public var hasTombstones: Bool

        public init(id: Int, files: [TSMFileName], hasTombstones: Bool) {
            self.id = id
            self.files = files
            self.hasTombstones = hasTombstones
        }

        /// The generation's level: that of its highest-sequence file.
        public var level: Int { files.map(\.level).max() ?? 0 }
    }

    /// 1.x's `DefaultPlanner.PlanLevel`: consecutive generations are grouped while their
    /// level stays the same (a generation followed by a higher level joins the next group);
    /// groups at `level` are cut into chunks of 8 (level 1) or 4, and a chunk is compacted if
    /// it is full or holds tombstones.
    public static func planLevel(_ level: Int, generations: [Generation]) -> [[TSMFileName]] {
        let groups = groupsByLevel(generations)
        let minimum = level == 1 ? 8 : 4
        var plans: [[TSMFileName]] = []
        for group in groups where groupLevel(group) == level {
            var start = 0
            while start < group.count {
                let chunk = group[start..<Swift.min(start + minimum, group.count)]
                start += minimum
                if chunk.count < minimum && !chunk.contains(where: \.hasTombstones) { continue }
                plans.append(chunk.flatMap(\.files))
            }
        }
        return plans
    }

    /// 1.x's `PlanOptimize`: the fully compacted (level 4) groups of 4 or more generations,
    /// or with tombstones, each merged into one — run when no full compaction is due.
    /// (1.x also skips generations already past 2 GiB of fully packed blocks.)
    public static func planOptimize(generations: [Generation]) -> [[TSMFileName]] {
        groupsByLevel(generations).filter { groupLevel($0) == 4 && ($0.count >= 4 || $0.contains(where: \.hasTombstones)) }
            .map { $0.flatMap(\.files) }
    }

    /// Consecutive generations grouped as 1.x's planners do: a generation followed by one of a
    /// higher level joins the current group; otherwise it joins it if the levels match, else
    /// starts the next group. Nothing when there is one generation and no tombstone.
    static func groupsByLevel(_ generations: [Generation]) -> [[Generation]] {
        let gens = generations.sorted { $0.id < $1.id }
        guard gens.count > 1 || gens.contains(where: \.hasTombstones) else { return [] }
        var groups: [[Generation]] = []
        var current: [Generation] = []
        for (i, g) in gens.enumerated() {
            if i < gens.count - 1 && g.level < gens[i + 1].level {
                current.append(g)
                continue
            }
            if current.isEmpty || groupLevel(current) == g.level {
                current.append(g)
                continue
            }
            groups.append(current)
            current = [g]
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// A group's level, as 1.x's `tsmGenerations.level()`: the highest level in it.
    static func groupLevel(_ group: [Generation]) -> Int { group.map(\.level).max() ?? 0 }

    /// Merges `inputs` into new files named after the newest generation with the next
    /// sequences (1.x's `writeNewFiles`), as a stream: keys are taken in order from all inputs
    /// at once, and each key's blocks are merged an overlapping group at a time (the newest
    /// input wins at equal timestamps, tombstoned ranges are dropped). A block that overlaps
    /// nothing, has no tombstone and is full (1000 points) is copied as it is; the rest are
    /// decoded and written back in blocks of 1000. A new output file starts after the key
    /// that takes the current one past `maxFileSize`. Files are written as `.tmp`, fsynced and
    /// renamed; the inputs are not touched. `shouldStop` is asked before every key: when it
    /// says so, every output is removed and the merge throws ``TSMFileError/compactionAborted``.
    /// Every block written takes its bytes from `throttle`.
    public static func merge(
        _ inputs: [TSMFile], into directory: String, flavor: EncoderFlavor = .streaming,
        maxFileSize: Int = 2048 * 1024 * 1024, shouldStop: () -> Bool = { false }, throttle: Throttle? = nil
    ) throws(TSMFileError) -> [String] {
        let sorted = inputs.sorted { $0.name < $1.name }
        guard let newest = sorted.last?.name else { return [] }
        var sequence = sorted.filter { $0.name.generation == newest.generation }.map(\.name.sequence).max()!
        var keys = KeyMerger(sorted.map(\.reader))
        var outputs: [String] = []
        func abandon() { for output in outputs { unlink(output) } }
        var more = true
        while more {
            sequence += 1
            let final = directory + "/" + TSMFileName(generation: newest.generation, sequence: sequence).fileName
            let temporary = final + ".tmp"
            var writer = try TSMWriter(path: temporary)
            var wrote = false
            while true {
                guard let (key, members) = keys.next() else {
                    more = false
                    break
                }
                if shouldStop() {
                    abandon()
                    throw .compactionAborted
                }
                do throws(TSMFileError) {
                    wrote = try mergeKey(key, members.map { (sorted[$0.input], $0.position, $0.input) }, into: &writer,
                                         flavor: flavor, throttle: throttle) || wrote
                } catch {
                    abandon()
                    throw error
                }
                if writer.size > Int64(maxFileSize) { break }
            }
            guard wrote else { continue }  // nothing left: the writer removes its file
            do throws(TSMFileError) {
                try writer.finish()
                guard rename(temporary, final) == 0 else { throw TSMFileError.io("rename", path: temporary, errno: errno) }
            } catch {
                abandon()
                throw error
            }
            outputs.append(final)
        }
        Engine.syncDirectory(directory)
        return outputs
    }

    /// Writes one key's merged points from `members` (file, position of the key, rank); false
    /// when deletes left nothing. The newest member's block type wins (1.x skips blocks of
    /// another type).
    static func mergeKey(
        _ key: [UInt8], _ members: [(file: TSMFile, position: Int, rank: Int)], into writer: inout TSMWriter,
        flavor: EncoderFlavor, throttle: Throttle?
    ) throws(TSMFileError) -> Bool {
        guard let type = members.max(by: { $0.rank < $1.rank }).map({ $0.file.reader.entries(at: $0.position).type }) else { return false }
        var parts: [SeriesCursor.Part] = []
        for member in members {
            let (memberType, entries) = member.file.reader.entries(at: member.position)
            // Inputs are read front to back (blocks lie in key order): give back what is behind.
            if let first = entries.first { member.file.reader.releasePages(before: Int(first.offset)) }
            guard memberType == type else { continue }
            let tombstones = member.file.tombstones(for: key)
            for (i, entry) in entries.enumerated() {
                parts.append(SeriesCursor.Part(minTime: entry.minTime, maxTime: entry.maxTime, rank: member.rank << 16 | i,
                                               piece: .block(member.file.reader, type, entry, tombstones)))
            }
        }
        var cursor = SeriesCursor(key: key, min: .min, max: .max, ascending: true, parts: parts)
        var pending: WALValues?
        var wrote = false
        func flush(whole: Bool) throws(TSMFileError) {
            guard let values = pending, values.count > 0 else { return }
            let take = whole ? values.count : values.count / TSMFormat.maxPointsPerBlock * TSMFormat.maxPointsPerBlock
            guard take > 0 else { return }
            let before = writer.size
            try writer.write(key: key, values: values.subrange(0..<take), flavor: flavor)
            throttle?.consume(Int(writer.size - before))
            pending = take == values.count ? nil : values.subrange(take..<values.count)
            wrote = true
        }
        while true {
            let piece: SeriesCursor.CompactionPiece?
            do throws(EngineError) { piece = try cursor.nextForCompaction() } catch {
                if case .read(_, let inner) = error { throw inner }
                throw .invalidFile("\(error)")
            }
            guard let piece else { break }
            switch piece {
            case .block(let reader, let entry) where pending == nil:
                try reader.withBlock(entry, key: key) { (block) throws(TSMFileError) in
                    try writer.writeBlock(key: key, minTime: entry.minTime, maxTime: entry.maxTime, bytes: block)
                }
                throttle?.consume(Int(entry.size))
                wrote = true
            case .block(let reader, let entry):
                let values = try reader.blockValues(entry, type: type, key: key)
                if pending == nil || !pending!.append(values) { pending = values }
                try flush(whole: false)
            case .values(let values):
                if pending == nil || !pending!.append(values) { pending = values }
                try flush(whole: false)
            }
        }
        try flush(whole: true)
        return wrote
    }
}

/// The keys of several TSM files in byte order, each with the inputs holding it: a k-way
/// merge over the files' sorted indexes, comparing keys where they lie in the mappings.
struct KeyMerger {
    let readers: [TSMReader]
    var heads: [Int]

    init(_ readers: [TSMReader]) {
        self.readers = readers
        heads = readers.map { _ in 0 }
    }

    /// The next key and, for each input holding it, the input's index and the key's position.
    mutating func next() -> (key: [UInt8], members: [(input: Int, position: Int)])? {
        var least: Int?
        for i in readers.indices where heads[i] < readers[i].keyCount {
            guard let l = least else {
                least = i
                continue
            }
            if readers[i].compareKey(at: heads[i], with: readers[l], at: heads[l]) < 0 { least = i }
        }
        guard let least else { return nil }
        let key = readers[least].key(at: heads[least])
        var members: [(input: Int, position: Int)] = []
        for i in readers.indices where heads[i] < readers[i].keyCount {
            if i == least || readers[i].compareKey(at: heads[i], with: readers[least], at: heads[least]) == 0 {
                members.append((i, heads[i]))
            }
        }
        for m in members { heads[m.input] += 1 }
        return (key, members)
    }
}
