import Foundation
import SundialTestSupport
import Testing

@testable import TSM

/// The in-memory cache (Spec/cache.md).
@Suite("Cache")
struct CacheTests {
    static func k(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func mergesSortsAndLastWriteWins() throws {
        let cache = Cache(maxSize: 0)
        try cache.write([(Self.k("cpu#!~#v"), .float([3, 1], [30, 10]))])
        try cache.write([(Self.k("cpu#!~#v"), .float([2, 1], [20, 11]))])
        #expect(cache.values(for: Self.k("cpu#!~#v")) == .float([1, 2, 3], [11, 20, 30]))
        #expect(cache.values(for: Self.k("nope")) == nil)
    }

    /// 1.x's accounting: 16 bytes per numeric point, 9 per boolean, 8 + length per string,
    /// plus the key once.
    @Test func sizesAs1x() throws {
        let cache = Cache(maxSize: 0)
        try cache.write([(Self.k("a"), .float([1, 2], [1, 2]))])
        #expect(cache.size == 1 + 32)
        try cache.write([(Self.k("a"), .float([3], [3])), (Self.k("bb"), .boolean([1], [true])), (Self.k("s"), .string([1], [Self.k("xyz")]))])
        #expect(cache.size == 33 + 16 + (2 + 9) + (1 + 11))
    }

    @Test func memoryLimitRejectsTheWholeWrite() throws {
        let cache = Cache(maxSize: 40)
        try cache.write([(Self.k("a"), .integer([1, 2], [1, 2]))])  // 33 bytes
        #expect(throws: CacheError.memoryLimitExceeded(49, 40)) {
            try cache.write([(Self.k("a"), .integer([3], [3]))])
        }
        #expect(CacheError.memoryLimitExceeded(49, 40).description == "cache-max-memory-size exceeded: (49/40)")
        #expect(cache.values(for: Self.k("a"))?.count == 2)
    }

    @Test func typeConflictSkipsOnlyThatKey() throws {
        let cache = Cache(maxSize: 0)
        try cache.write([(Self.k("a"), .integer([1], [1]))])
        #expect(throws: CacheError.fieldTypeConflict) {
            try cache.write([(Self.k("a"), .float([2], [2])), (Self.k("b"), .float([2], [2]))])
        }
        #expect(cache.values(for: Self.k("a")) == .integer([1], [1]))
        #expect(cache.values(for: Self.k("b")) == .float([2], [2]))
    }

    @Test func snapshotKeepsReadsWhole() throws {
        let cache = Cache(maxSize: 0)
        try cache.write([(Self.k("b"), .integer([2, 1], [2, 1])), (Self.k("a"), .integer([5], [5]))])
        let snap = try cache.snapshot()
        #expect(snap.map(\.key) == [Self.k("a"), Self.k("b")])
        #expect(snap[1].values == .integer([1, 2], [1, 2]))
        #expect(throws: CacheError.snapshotInProgress) { try cache.snapshot() }
        try cache.write([(Self.k("b"), .integer([2, 3], [20, 3]))])
        // Reads see the snapshot under the newer points.
        #expect(cache.values(for: Self.k("b")) == .integer([1, 2, 3], [1, 20, 3]))
        #expect(throws: CacheError.fieldTypeConflict) { try cache.write([(Self.k("a"), .float([9], [9]))]) }
        let sizeBefore = cache.size
        cache.clearSnapshot(written: false)  // a failed TSM write loses nothing
        #expect(cache.values(for: Self.k("b")) == .integer([1, 2, 3], [1, 20, 3]))
        #expect(cache.size == sizeBefore - 1)  // key "b" was counted in both stores, now once
        _ = try cache.snapshot()
        cache.clearSnapshot(written: true)
        #expect(cache.size == 0)
        #expect(cache.keys.isEmpty)
    }

    @Test func deleteRangeAppliesToLiveAndSnapshot() throws {
        let cache = Cache(maxSize: 0)
        try cache.write([(Self.k("a"), .float([1, 2, 3], [1, 2, 3]))])
        _ = try cache.snapshot()
        try cache.write([(Self.k("a"), .float([4, 5], [4, 5]))])
        cache.deleteRange(keys: [Self.k("a")], min: 2, max: 4)
        #expect(cache.values(for: Self.k("a")) == .float([1, 5], [1, 5]))
        cache.deleteRange(keys: [Self.k("a")], min: .min, max: .max)
        #expect(cache.values(for: Self.k("a")) == nil)
    }

    /// Cache → snapshot → TSM file → reader gives back every point.
    @Test func snapshotWritesAReadableTSMFile() throws {
        let cache = Cache(maxSize: 0)
        var rng = SeededRandom(seed: 5)
        var expected: [[UInt8]: [Int64: Double]] = [:]
        for _ in 0..<50 {
            var batch: [(key: [UInt8], values: WALValues)] = []
            for host in 0..<5 {
                let key = Self.k("cpu,host=h\(host)#!~#usage")
                let ts = (0..<40).map { _ in Int64.random(in: 0..<3000, using: &rng) }
                let vs = ts.map { _ in Double.random(in: 0..<100, using: &rng) }
                batch.append((key, .float(ts, vs)))
                for (t, v) in zip(ts, vs) { expected[key, default: [:]][t] = v }
            }
            try cache.write(batch)
        }
        let path = TSMFileTests.temporaryPath()
        var writer = try TSMWriter(path: path)
        for (key, values) in try cache.snapshot() {
            guard case .float(let ts, let vs) = values else { Issue.record("type"); continue }
            try writer.write(key: key, timestamps: ts, values: vs)
        }
        try writer.finish()
        cache.clearSnapshot(written: true)
        let reader = try TSMReader(path: path)
        for (key, points) in expected {
            let got = try reader.read(key: key, as: Double.self)
            #expect(got.timestamps == points.keys.sorted())
            #expect(got.values == points.keys.sorted().map { points[$0]! })
        }
    }
}
