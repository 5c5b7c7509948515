import Foundation
import Testing

@testable import TSM

/// EXPLAIN's read cost (1.x's `seriesCost`): blocks and files overlapping the range strictly,
/// blocks wholly inside a tombstone skipped, cache values counted inclusively.
@Suite struct EngineCostTests {
    @Test func countsBlocksFilesAndCache() throws {
        let engine = EngineTests.engine(EngineTests.directories())
        _ = try engine.open()
        let key = EngineTests.k("cpu#!~#v")
        // 2500 points: three blocks (1000, 1000, 500) in one file after the snapshot.
        try engine.write([(key, .float(Array(0..<2500), Array(repeating: 1.5, count: 2500)))])
        try engine.snapshot()
        try engine.write([(key, .float([3000, 3001, 3002], [1, 2, 3]))])
        let all = engine.cost(key: key, min: .min, max: .max)
        #expect(all.files == 1 && all.blocks == 3 && all.cachedValues == 3)
        #expect(all.blockBytes > 0)
        // Strict overlap: a range ending exactly at a block's first time does not read it.
        let first = engine.cost(key: key, min: 0, max: 1000)
        #expect(first.blocks == 1 && first.files == 1 && first.cachedValues == 0)
        #expect(engine.cost(key: key, min: 3000, max: 3001).cachedValues == 2)
        #expect(engine.cost(key: key, min: 2499, max: 2999).blocks == 0)
        #expect(engine.cost(key: EngineTests.k("cpu#!~#nope"), min: .min, max: .max) == ReadCost())
        // A tombstone over the whole middle block skips it.
        try engine.deleteRange(keys: [key], min: 1000, max: 1999)
        let after = engine.cost(key: key, min: .min, max: .max)
        #expect(after.blocks == 2 && after.files == 1)
    }
}
