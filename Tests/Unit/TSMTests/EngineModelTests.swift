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
                }
            }
        }
    }
}
