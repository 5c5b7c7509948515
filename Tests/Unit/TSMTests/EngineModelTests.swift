import Foundation
import SundialTestSupport
import Testing

@testable import TSM

/// Random writes, overwrites, deletes, snapshots, compactions and restarts against a plain
/// dictionary model: the engine never loses, duplicates or resurrects a point.
@Suite("Engine vs model")
struct EngineModelTests {
    @Test(arguments: [1 as UInt64, 2, 3])
    func randomHistoryMatchesModel(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let dirs = EngineTests.directories()
        var engine = EngineTests.engine(dirs, snapshotAt: 4_000)
        _ = try engine.open()
        let keys = (0..<6).map { Array("m,k=\($0)#!~#v".utf8) }
        var model: [[UInt8]: [Int64: Int64]] = [:]
        for step in 0..<300 {
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<70:
                let key = keys.randomElement(using: &rng)!
                let ts = (0..<Int.random(in: 1...40, using: &rng)).map { _ in Int64.random(in: 0..<500, using: &rng) }
                let vs = ts.map { _ in Int64.random(in: -1000...1000, using: &rng) }
                try engine.write([(key, .integer(ts, vs))])
                for (t, v) in zip(ts, vs) { model[key, default: [:]][t] = v }
            case 70..<80:
                let key = keys.randomElement(using: &rng)!
                let lo = Int64.random(in: 0..<500, using: &rng)
                let hi = lo + Int64.random(in: 0..<100, using: &rng)
                try engine.deleteRange(keys: [key], min: lo, max: hi)
                model[key] = model[key]?.filter { $0.key < lo || $0.key > hi }
            case 80..<88:
                try engine.snapshot()
            case 88..<93:
                try engine.compactLevels()
            case 93..<96:
                try engine.compactFull()
            default:
                engine = EngineTests.engine(dirs, snapshotAt: 4_000)  // restart without shutdown
                _ = try engine.open()
            }
            if step % 25 == 24 || step == 299 {
                for key in keys {
                    let expected = (model[key] ?? [:]).sorted { $0.key < $1.key }
                    let got = try engine.read(key: key)
                    if expected.isEmpty {
                        #expect(got == nil, "seed \(seed) step \(step)")
                    } else {
                        #expect(got == .integer(expected.map(\.key), expected.map(\.value)), "seed \(seed) step \(step)")
                    }
                    // A sub-range read a piece at a time, both ways, is the same points.
                    let lo = Int64.random(in: 0..<500, using: &rng), hi = lo + Int64.random(in: 0..<300, using: &rng)
                    let inRange = expected.filter { $0.key >= lo && $0.key <= hi }
                    for ascending in [true, false] {
                        var cursor = engine.cursor(key: key, min: lo, max: hi, ascending: ascending)
                        var times: [Int64] = [], values: [Int64] = []
                        while let piece = try cursor.next() {
                            guard case .integer(let t, let v) = piece, !t.isEmpty else { Issue.record("empty or mistyped piece"); break }
                            times += t
                            values += v
                        }
                        let want = ascending ? inRange : inRange.reversed()
                        #expect(times == want.map(\.key) && values == want.map(\.value), "seed \(seed) step \(step) asc \(ascending)")
                    }
                }
            }
        }
    }

    /// Without overlapping writes a cursor hands out block-sized pieces, from files and from
    /// the cache alike, so a long series is never held whole.
    @Test func cursorPiecesAreBlockSized() throws {
        let dirs = EngineTests.directories()
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        let key = Array("m#!~#v".utf8)
        for file in 0..<3 {
            let ts = (0..<2_500).map { Int64(file * 2_500 + $0) }
            try engine.write([(key, .float(ts, ts.map(Double.init)))])
            try engine.snapshot()
        }
        let cached = (7_500..<12_000).map(Int64.init)
        try engine.write([(key, .float(cached, cached.map(Double.init)))])
        for ascending in [true, false] {
            var cursor = engine.cursor(key: key, min: 100, max: 11_000, ascending: ascending)
            var sizes: [Int] = [], next: Int64 = ascending ? 100 : 11_000
            while let piece = try cursor.next() {
                sizes.append(piece.count)
                for t in piece.timestamps {
                    #expect(t == next)
                    next += ascending ? 1 : -1
                }
            }
            #expect(next == (ascending ? 11_001 : 99))
            #expect(sizes.allSatisfy { $0 <= 1_000 } && sizes.count >= 11)
            #expect(cursor.isEmpty)
        }
    }
}
