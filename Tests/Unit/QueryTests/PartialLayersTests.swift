import Testing
@testable import Query

/// The order 1.x's heaps hand on points of one window (Go's `container/heap` on ties), which
/// decides a mean's last digits (golden `select-compare-fixes-28` pins the bytes end to end).
struct PartialLayersTests {
    /// Inputs with one point each in one window, numbered by their place: the merge's order.
    static func order(_ inputs: [[PartialLayers.Point]], parallelism: Int? = nil) -> [Int] {
        let merged = parallelism.map { PartialLayers.parallelMerge(inputs, ascending: true, parallelism: $0) }
            ?? PartialLayers.merge(inputs, ascending: true)
        return merged.map { Int($0.value) }
    }

    static func single(_ n: Int) -> [[PartialLayers.Point]] {
        (0..<n).map { [PartialLayers.Point(window: 0, value: Double($0), aggregated: 1)] }
    }

    /// A fresh heap of ties pops the first input, then the last, then back to the second.
    @Test(arguments: [(1, [0]), (2, [0, 1]), (3, [0, 2, 1]), (5, [0, 4, 3, 2, 1])])
    func tiesFromAFreshHeap(_ n: Int, _ expected: [Int]) {
        #expect(Self.order(Self.single(n)) == expected)
    }

    /// `NewParallelMergeIterator`: `n/GOMAXPROCS` inputs per run, the last run takes the rest;
    /// the runs come out one after the other.
    @Test(arguments: [(5, 2, [0, 1, 2, 4, 3]), (5, 1, [0, 4, 3, 2, 1]), (5, 4, [0, 3, 4, 2, 1]), (3, 2, [0, 1, 2]), (7, 2, [0, 2, 1, 3, 6, 5, 4])])
    func parallelRuns(_ n: Int, _ parallelism: Int, _ expected: [Int]) {
        #expect(Self.order(Self.single(n), parallelism: parallelism) == expected)
    }

    /// Three shards holding groups 0…4: the shard group's heap meets each group's ties in an
    /// arrangement the groups before left. Ascending, group 0 comes from a fresh heap
    /// (shards 0, 2, 1); under DESC the groups come last-first and group 0's order is 2, 1, 0.
    @Test(arguments: [(true, [0, 2, 1]), (false, [2, 1, 0])])
    func shardOrderDependsOnTheGroupsBefore(_ ascending: Bool, _ expected: [Int]) {
        let groups = ascending ? Array(0..<5) : Array((0..<5).reversed())
        let shards = (0..<3).map { shard in
            groups.map { PartialLayers.Point(group: $0, window: 0, value: Double(shard), aggregated: 1) }
        }
        let merged = PartialLayers.merge(shards, ascending: ascending)
        #expect(merged.filter { $0.group == 0 }.map { Int($0.value) } == expected)
    }

    /// The layers' sums differ from one pass over the points in the last digits, and the
    /// shard order changes them: three partials whose sum depends on the order.
    @Test func layeredSumDiffersFromAFlatSum() {
        let values: [Double] = [0.1, 1e16, -1e16, 0.3, 0.2, 7.7]
        // Two series in each of three shards, one point each.
        let shards: [[[PartialLayers.SeriesPartial]]] = (0..<3).map { s in
            (0..<2).map { k in [PartialLayers.SeriesPartial(window: 0, count: 1, sumF: values[s * 2 + k], sumI: 0, integer: false)] }
        }
        let layered = PartialLayers.reduce(shards, kind: .sum, ascending: true, sourceLayers: 1, parallelism: 2)
        // Shards 0, 2, 1 (a fresh heap), each shard's two series in key order.
        let expected = ((0.0 + (0.1 + 1e16)) + (0.2 + 7.7)) + (-1e16 + 0.3)
        #expect(layered[0]?.value == expected)
        #expect(layered[0]?.value != values.reduce(0, +))
        #expect(layered[0]?.count == 6)
    }
}
