import Foundation
import Testing

@testable import TSM

/// Compaction planning and merging (Spec/compaction.md).
@Suite("Compactor")
struct CompactorTests {
    static func gen(_ id: Int, _ sequences: [Int], tombstones: Bool = false) -> Compactor.Generation {
        Compactor.Generation(id: id, files: sequences.map { TSMFileName(generation: id, sequence: $0) }, hasTombstones: tombstones)
    }

    struct PlanCase: Sendable, CustomStringConvertible {
        var levels: [Int]
        var tombstoneAt: Int?
        var plannedLevel: Int
        var expected: [[Int]]  // generation ids per plan
        var description: String { "\(levels) → L\(plannedLevel)" }
    }

    @Test(arguments: [
        PlanCase(levels: Array(repeating: 1, count: 8), tombstoneAt: nil, plannedLevel: 1, expected: [Array(1...8)]),
        PlanCase(levels: Array(repeating: 1, count: 7), tombstoneAt: nil, plannedLevel: 1, expected: []),
        PlanCase(levels: Array(repeating: 1, count: 7), tombstoneAt: 3, plannedLevel: 1, expected: [Array(1...7)]),
        PlanCase(levels: Array(repeating: 1, count: 17), tombstoneAt: nil, plannedLevel: 1, expected: [Array(1...8), Array(9...16)]),
        PlanCase(levels: [2, 2, 2, 2, 1, 1], tombstoneAt: nil, plannedLevel: 2, expected: [[1, 2, 3, 4]]),
        PlanCase(levels: [2, 2, 2, 2, 1, 1], tombstoneAt: nil, plannedLevel: 1, expected: []),
        PlanCase(levels: [3, 3, 3, 3, 2], tombstoneAt: nil, plannedLevel: 3, expected: [[1, 2, 3, 4]]),
        PlanCase(levels: [1], tombstoneAt: nil, plannedLevel: 1, expected: []),
    ])
    func plansLikeInfluxDB(_ c: PlanCase) {
        let gens = c.levels.enumerated().map { Self.gen($0.offset + 1, [$0.element], tombstones: c.tombstoneAt == $0.offset + 1) }
        let plans = Compactor.planLevel(c.plannedLevel, generations: gens)
        #expect(plans.map { $0.map(\.generation) } == c.expected)
    }

    @Test func optimizesFullyCompactedGroups() {
        let four = (1...4).map { Self.gen($0, [4]) }
        #expect(Compactor.planOptimize(generations: four).map { $0.map(\.generation) } == [[1, 2, 3, 4]])
        #expect(Compactor.planOptimize(generations: Array(four.prefix(3))).isEmpty)
        #expect(Compactor.planOptimize(generations: [Self.gen(1, [4]), Self.gen(2, [5], tombstones: true)]).map { $0.count } == [2])
        #expect(Compactor.planOptimize(generations: [Self.gen(1, [4]), Self.gen(2, [4]), Self.gen(3, [2]), Self.gen(4, [1])]).isEmpty)
    }

    @Test func fileNames() {
        #expect(TSMFileName(path: "/x/000000012-000000003.tsm") == TSMFileName(generation: 12, sequence: 3))
        #expect(TSMFileName(path: "/x/000000012-000000007.tsm")?.level == 4)
        #expect(TSMFileName(path: "/x/fields.idx") == nil)
    }

    /// Nine snapshots: the first eight level-1 files become one level-2 file automatically;
    /// every point survives, overwrites resolved newest-first.
    @Test func engineCompactsLevelsAndKeepsEveryPoint() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs, snapshotAt: 1 << 30)
        _ = try engine.open()
        for n in 0..<9 {
            let ts = (0..<100).map { Int64(n * 50 + $0) }  // half of each batch overwrites the previous one
            try engine.write([(Array("m#!~#v".utf8), .integer(ts, ts.map { $0 * 10 + Int64(n) }))])
            try engine.snapshot()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dirs.0).filter { $0.hasSuffix(".tsm") }.sorted()
        #expect(names == ["000000008-000000002.tsm", "000000009-000000001.tsm"])
        let all = try #require(try engine.read(key: Array("m#!~#v".utf8)))
        #expect(all.timestamps == Array(0..<500))
        guard case .integer(let ts, let vs) = all else { Issue.record("type"); return }
        // Each timestamp holds the value of the last batch that wrote it.
        for (t, v) in zip(ts, vs) { #expect(v == t * 10 + min(t / 50, 8)) }
    }

    @Test func fullCompactionDropsTombstonedPoints() throws {
        let dirs = EngineTests.directories()
        do {
            let engine = EngineTests.engine(dirs, snapshotAt: 1 << 30)
            _ = try engine.open()
            try engine.write([(Array("a#!~#v".utf8), .float([1, 2, 3], [1, 2, 3])), (Array("b#!~#v".utf8), .float([1], [1]))])
            try engine.snapshot()
            try engine.write([(Array("a#!~#v".utf8), .float([4], [4]))])
            try engine.snapshot()
            try engine.deleteRange(keys: [Array("a#!~#v".utf8)], min: 2, max: 2)
            try engine.deleteRange(keys: [Array("b#!~#v".utf8)], min: .min, max: .max)
            try engine.compactFull()
            #expect(engine.fileCount == 1)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dirs.0).sorted()
        #expect(names == ["000000002-000000002.tsm"])
        let reader = try TSMReader(path: dirs.0 + "/" + names[0])
        #expect(reader.keys == [Array("a#!~#v".utf8)])
        #expect(try reader.read(key: Array("a#!~#v".utf8), as: Double.self).timestamps == [1, 3, 4])
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        #expect(try engine.read(key: Array("a#!~#v".utf8)) == .float([1, 3, 4], [1, 3, 4]))
        #expect(try engine.read(key: Array("b#!~#v".utf8)) == nil)
    }
}
