import Foundation

/// mean() and a float sum() added up as 1.x's iterator layers add them, so that the
/// floating-point answer is the same bytes (addition is not associative: the order is the
/// answer). For one group:
///
/// 1. each series is reduced per window in each shard, reading its points oldest first (newest
///    first under DESC) — the caller's ``SeriesPartial``s;
/// 2. each shard merges its series' points as `NewParallelMergeIterator` does (the series, in
///    key order — reversed under DESC — split into GOMAXPROCS runs, each run merged by a heap,
///    the runs merged by another) and reduces them;
/// 3. the shard group merges the shards' points through one more heap and reduces them;
/// 4. each source layer reduces the one point again (`m·n/n` for a mean).
///
/// Within a window Go's `container/heap` decides the order, and its arrangement depends on the
/// windows before — in the shard group's heap, on the groups before too (each shard hands on
/// its groups one after the other) — so the heaps are replayed.
enum PartialLayers {
    enum Kind: Sendable { case mean, sum }

    /// One series' reduction of one window in one shard.
    struct SeriesPartial: Sendable {
        var window: Int64
        var count: Int64
        /// A float field's sum, in the order the series was read.
        var sumF: Double
        /// An integer field's sum (int64, wrapping, as 1.x adds).
        var sumI: Int64
        var integer: Bool
    }

    /// 1.x's point between layers: a value and the points it stands for (`Aggregated`).
    struct Point {
        /// The group's rank in the order 1.x's heaps see the groups (tag sets ascending; 0 for one group).
        var group: Int = 0
        var window: Int64
        var value: Double
        var aggregated: Int64
    }

    /// 1.x's engine splits a shard's series into GOMAXPROCS runs: as Go's runtime sets it, the
    /// `GOMAXPROCS` environment variable, else the CPUs the process may run on (its affinity
    /// mask: Go before 1.25 — Debian's influxd is built with 1.19 — ignores cgroup quotas).
    static var parallelism: Int {
        if let text = getenv("GOMAXPROCS"), let n = Int(String(cString: text)), n > 0 { return n }
        return affinityCPUs
    }

    /// The CPUs in this process's affinity mask (`Cpus_allowed` in /proc/self/status).
    static let affinityCPUs: Int = {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else {
            return max(1, ProcessInfo.processInfo.activeProcessorCount)
        }
        let bits = line.dropFirst("Cpus_allowed:".count).reduce(0) { n, c in n + (c.hexDigitValue ?? 0).nonzeroBitCount }
        return max(1, bits)
    }()

    /// The group's value and point count per window.
    /// `shards`: per shard in the target's order (shard groups by time), its series' streams in
    /// key order, each ascending by window; a series without points in range is an empty
    /// stream (it still counts when 1.x splits the series into runs), a shard whose
    /// measurement lacks the field is left out. `sourceLayers`: 2 for a regex source, else 1.
    static func reduce(_ shards: [[[SeriesPartial]]], kind: Kind, ascending: Bool, sourceLayers: Int,
                       parallelism: Int = PartialLayers.parallelism) -> [Int64: (value: Double, count: Int64)] {
        let result = acrossShards(shardPoints(shards, kind: kind, ascending: ascending, group: 0, parallelism: parallelism),
                                  kind: kind, ascending: ascending, sourceLayers: sourceLayers)
        var out: [Int64: (value: Double, count: Int64)] = [:]
        out.reserveCapacity(result.count)
        for p in result { out[p.window] = (p.value, p.aggregated) }
        return out
    }

    /// Each shard's points for one group (steps 1–2), in the order the shard hands them on
    /// (windows descending under DESC).
    static func shardPoints(_ shards: [[[SeriesPartial]]], kind: Kind, ascending: Bool, group: Int,
                            parallelism: Int = PartialLayers.parallelism) -> [[Point]] {
        shards.map { series in
            var streams = series.map { stream in
                let points = stream.map { p in
                    Point(group: group, window: p.window, value: kind == .sum ? p.sumF
                          : p.integer ? Double(p.sumI) / Double(p.count) : p.sumF / Double(p.count), aggregated: p.count)
                }
                return ascending ? points : points.reversed()
            }
            if !ascending { streams.reverse() }
            return reduceRuns(parallelMerge(streams, ascending: ascending, parallelism: parallelism), kind)
        }
    }

    /// The shard group's merge of the shards' points and the source layers (steps 3–4). Each
    /// shard's stream holds its groups one after the other, in the heaps' order of groups.
    static func acrossShards(_ shards: [[Point]], kind: Kind, ascending: Bool, sourceLayers: Int) -> [Point] {
        var result = reduceRuns(merge(shards, ascending: ascending), kind)
        for _ in 0..<sourceLayers { result = reduceRuns(result, kind) }
        return result
    }

    /// Per group, per call, per window: the answers when every group's shard points
    /// (`perGroup[g][call][shard]`, from ``shardPoints``) go through the shard group's heap
    /// together — each shard's stream holds its groups one after the other, last-first under
    /// DESC, so a group's order of shards depends on the groups before it.
    static func acrossGroups(_ perGroup: [[Int: [[Point]]]], kinds: [Int: Kind], ascending: Bool,
                             sourceLayers: Int) -> [[Int: [Int64: (value: Double, count: Int64)]]] {
        var answers = [[Int: [Int64: (value: Double, count: Int64)]]](repeating: [:], count: perGroup.count)
        for (call, kind) in kinds {
            var byShard: [[Point]] = []
            for g in (ascending ? Array(perGroup.indices) : perGroup.indices.reversed()) {
                for (s, points) in (perGroup[g][call] ?? []).enumerated() {
                    if byShard.count <= s { byShard.append(contentsOf: repeatElement([], count: s + 1 - byShard.count)) }
                    byShard[s] += points
                }
            }
            for p in acrossShards(byShard, kind: kind, ascending: ascending, sourceLayers: sourceLayers) {
                answers[p.group][call, default: [:]][p.window] = (p.value, p.aggregated)
            }
        }
        return answers
    }

    /// 1.x's reducer over each run of points of one window: a mean weighs each point by the
    /// points it stands for (`FloatMeanReducer`), a sum adds from 0.
    static func reduceRuns(_ points: [Point], _ kind: Kind) -> [Point] {
        var out: [Point] = []
        var i = 0
        while i < points.count {
            let window = points[i].window, group = points[i].group
            var sum = 0.0
            var count: Int64 = 0
            while i < points.count && points[i].window == window && points[i].group == group {
                let p = points[i]
                if kind == .mean && p.aggregated >= 2 {
                    sum += p.value * Double(p.aggregated)
                    count += p.aggregated
                } else {
                    sum += p.value
                    count += kind == .mean ? 1 : p.aggregated
                }
                i += 1
            }
            out.append(Point(group: group, window: window, value: kind == .mean ? sum / Double(count) : sum, aggregated: count))
        }
        return out
    }

    /// `NewParallelMergeIterator`: the inputs split into `parallelism` runs (the last takes the
    /// remainder), each merged, the runs merged.
    static func parallelMerge(_ inputs: [[Point]], ascending: Bool, parallelism: Int) -> [Point] {
        guard inputs.count > 1 else { return inputs.first ?? [] }
        let runs = min(parallelism, inputs.count)
        let n = inputs.count / runs
        var outputs: [[Point]] = []
        outputs.reserveCapacity(runs)
        for r in 0..<runs {
            let slice = r < runs - 1 ? inputs[(r * n)..<((r + 1) * n)] : inputs[(r * n)...]
            outputs.append(merge(Array(slice), ascending: ascending))
        }
        return merge(outputs, ascending: ascending)
    }

    /// `NewMergeIterator`: a heap of the inputs with points (in input order), ordered by group,
    /// then window (both descending under DESC); the popped input hands on every point of its
    /// group's window, then goes back on the heap. Ties keep the heap's arrangement.
    static func merge(_ inputs: [[Point]], ascending: Bool) -> [Point] {
        let live = inputs.filter { !$0.isEmpty }
        guard live.count > 1 else { return live.first ?? [] }
        var position = [Int](repeating: 0, count: live.count)
        func less(_ a: Int, _ b: Int) -> Bool {
            let x = live[a][position[a]], y = live[b][position[b]]
            if x.group != y.group { return ascending ? x.group < y.group : x.group > y.group }
            return ascending ? x.window < y.window : x.window > y.window
        }
        var heap = Array(live.indices)
        GoSortedMerge.initHeap(&heap, less)
        var out: [Point] = []
        out.reserveCapacity(live.reduce(0) { $0 + $1.count })
        while !heap.isEmpty {
            let current = GoSortedMerge.pop(&heap, less)
            let head = live[current][position[current]]
            repeat {
                out.append(live[current][position[current]])
                position[current] += 1
            } while position[current] < live[current].count && live[current][position[current]].window == head.window
                && live[current][position[current]].group == head.group
            if position[current] < live[current].count { GoSortedMerge.push(&heap, current, less) }
        }
        return out
    }
}
