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

    /// Merges `inputs` (oldest first) into one file named after the newest generation with the
    /// next sequence (1.x's `writeNewFiles`): per key, every point of every input, tombstoned
    /// ranges removed, the newest input winning for a timestamp, in blocks of 1000.
    /// The file is written as `.tmp`, fsynced and renamed; the inputs are not touched.
    public static func merge(
        _ inputs: [(file: TSMReader, tombstones: [[UInt8]: [(min: Int64, max: Int64)]])],
        into directory: String, flavor: EncoderFlavor = .streaming
    ) throws(TSMFileError) -> String? {
        let names = inputs.compactMap { TSMFileName(path: $0.file.path) }
        guard let newest = names.max(by: { ($0.generation, $0.sequence) < ($1.generation, $1.sequence) }) else { return nil }
        let output = TSMFileName(generation: newest.generation, sequence: names.filter { $0.generation == newest.generation }.map(\.sequence).max()! + 1)
        let final = directory + "/" + output.fileName
        let temporary = final + ".tmp"
        var keys = Set<[UInt8]>()
        for input in inputs { keys.formUnion(input.file.keys) }
        var writer = try TSMWriter(path: temporary)
        var wrote = false
        for key in keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            var merged: WALValues?
            for input in inputs {
                guard var part = try input.file.values(for: key) else { continue }
                for r in input.tombstones[key] ?? [] { part = part.excluding(min: r.min, max: r.max) }
                // A key whose type changed between files keeps the newest type (1.x skips
                // blocks of the other type).
                merged = merged.flatMap { $0.appending(part) } ?? part
            }
            guard let values = merged?.deduplicated(), values.count > 0 else { continue }
            try writer.write(key: key, values: values, flavor: flavor)
            wrote = true
        }
        guard wrote else { return nil }  // everything was deleted; the writer removes its file
        try writer.finish()
        guard rename(temporary, final) == 0 else { throw .io("rename", path: temporary, errno: errno) }
        Engine.syncDirectory(directory)
        return final
    }
}
