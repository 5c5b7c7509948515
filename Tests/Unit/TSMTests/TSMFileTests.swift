import Foundation
import SundialTestSupport
import Testing

@testable import TSM

/// The `.tsm` file writer and reader (Spec/tsm-file.md).
@Suite("TSM files")
struct TSMFileTests {
    static func temporaryPath(_ name: String = "f.tsm") -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-tsm-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    /// Copies every series of `reader` into a new file by decoding and re-encoding the points.
    static func rewrite(_ reader: TSMReader, to path: String) throws {
        var writer = try TSMWriter(path: path)
        for position in 0..<reader.keyCount {
            let key = reader.key(at: position)
            switch reader.entries(at: position).type {
            case .float: let r = try reader.read(key: key, as: Double.self); try writer.write(key: key, timestamps: r.timestamps, values: r.values)
            case .integer: let r = try reader.read(key: key, as: Int64.self); try writer.write(key: key, timestamps: r.timestamps, values: r.values)
            case .unsigned: let r = try reader.read(key: key, as: UInt64.self); try writer.write(key: key, timestamps: r.timestamps, values: r.values)
            case .boolean: let r = try reader.read(key: key, as: Bool.self); try writer.write(key: key, timestamps: r.timestamps, values: r.values)
            case .string: let r = try reader.read(key: key, as: String.self); try writer.write(key: key, timestamps: r.timestamps, values: r.values)
            }
        }
        try writer.finish()
    }

    /// The strongest check of both halves: influxd 1.6.7's cache snapshot, read point by point
    /// and written again by Sundial, is the same file byte for byte.
    @Test("influxd's files re-written are byte-identical", arguments: ["golden.tsm", "golden_raw.tsm"])
    func rewriteGolden(file: String) throws {
        let source = Golden.directory.appendingPathComponent(file).path
        let reader = try TSMReader(path: source)
        let out = Self.temporaryPath()
        try Self.rewrite(reader, to: out)
        let expected = try Data(contentsOf: URL(fileURLWithPath: source))
        let actual = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(actual.count == expected.count)
        #expect(actual == expected)
    }

    @Test func readsGoldenValuesAndRanges() throws {
        let reader = try TSMReader(path: Golden.directory.appendingPathComponent("golden.tsm").path)
        #expect(reader.keyCount == 17)
        #expect(reader.keys == reader.keys.sorted { $0.lexicographicallyPrecedes($1) })
        let raw = try reader.read(key: Array("int_raw#!~#v".utf8), as: Int64.self)
        #expect(raw.values == [.min, .max, 0, .min])
        let base: Int64 = 1_700_000_000_000_000_000
        let middle = try reader.read(key: Array("int_raw#!~#v".utf8), min: base + 1, max: base + 2, as: Int64.self)
        #expect(middle.timestamps == [base + 1, base + 2])
        #expect(middle.values == [.max, 0])
        // A 2500-point series spans three blocks; a range across a block edge reads both.
        let big = try #require(reader.entries(for: Array("float_big#!~#temp".utf8)))
        #expect(big.entries.count == 3)
        let edge = big.entries[0].maxTime
        let across = try reader.read(key: Array("float_big#!~#temp".utf8), min: edge, max: big.entries[1].minTime, as: Double.self)
        #expect(across.timestamps.count == 2)
        #expect(reader.entries(for: Array("nope#!~#v".utf8)) == nil)
        #expect(throws: TSMFileError.block(.blockTypeMismatch(expected: .integer, found: .float))) {
            try reader.read(key: Array("float_big#!~#temp".utf8), as: Int64.self)
        }
    }

    @Test(arguments: [1 as UInt64, 2, 3, 4])
    func randomFilesRoundTrip(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let path = Self.temporaryPath()
        var writer = try TSMWriter(path: path)
        var expected: [[UInt8]: ([Int64], [Int64])] = [:]
        let keys = (0..<Int.random(in: 1...40, using: &rng)).map { n in Array("m,host=h\(n)#!~#f\(UInt8.random(in: 0...9, using: &rng))".utf8) }
        for key in Set(keys).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let count = Int.random(in: 1...2600, using: &rng)
            var t = Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng)
            var ts: [Int64] = [], vs: [Int64] = []
            for _ in 0..<count {
                t += Int64.random(in: 1...10_000_000_000, using: &rng)
                ts.append(t)
                vs.append(Int64.random(in: .min ... .max, using: &rng))
            }
            try writer.write(key: key, timestamps: ts, values: vs)
            expected[key] = (ts, vs)
        }
        try writer.finish()
        let reader = try TSMReader(path: path)
        #expect(reader.keyCount == expected.count)
        for (key, (ts, vs)) in expected {
            let got = try reader.read(key: key, as: Int64.self)
            #expect(got.timestamps == ts)
            #expect(got.values == vs)
            #expect(reader.entries(for: key)?.entries.count == (ts.count + 999) / 1000)
            let lo = ts[ts.count / 3], hi = ts[2 * ts.count / 3]
            let part = try reader.read(key: key, min: lo, max: hi, as: Int64.self)
            #expect(part.timestamps == ts.filter { $0 >= lo && $0 <= hi })
        }
        #expect(reader.minTime == expected.values.map { $0.0.first! }.min())
        #expect(reader.maxTime == expected.values.map { $0.0.last! }.max())
    }

    @Test func writerEnforces1xRules() throws {
        var writer = try TSMWriter(path: Self.temporaryPath())
        try writer.write(key: Array("b".utf8), timestamps: [1, 2], values: [1.0, 2.0])
        #expect(throws: TSMFileError.keyOrder) { try writer.write(key: Array("a".utf8), timestamps: [1], values: [1.0]) }
        #expect(throws: TSMFileError.keyOrder) { try writer.write(key: Array("b".utf8), timestamps: [2], values: [1.0]) }
        #expect(throws: TSMFileError.maxKeyLengthExceeded) {
            try writer.write(key: [UInt8](repeating: 0x63, count: 65536), timestamps: [1], values: [1.0])
        }
        let empty = Self.temporaryPath()
        let nothing = try TSMWriter(path: empty)
        var caught: TSMFileError?
        do { try nothing.finish() } catch { caught = error }
        #expect(caught == .noValues)
        #expect(!FileManager.default.fileExists(atPath: empty))
        #expect(throws: TSMFileError.self) { _ = try TSMWriter(path: "/nonexistent-dir/x.tsm") }
    }

    /// Damage is reported, never a crash: a flipped block byte fails its CRC; any truncation
    /// or garbage in the index is an invalid file or a CRC failure.
    @Test func damagedFilesAreRejected() throws {
        let path = Self.temporaryPath()
        var writer = try TSMWriter(path: path)
        try writer.write(key: Array("cpu#!~#v".utf8), timestamps: Array(0..<1500), values: (0..<1500).map(Double.init))
        try writer.write(key: Array("mem#!~#v".utf8), timestamps: [5], values: ["x"])
        try writer.finish()
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        var flipped = good
        flipped[10] ^= 0x40
        let flippedPath = Self.temporaryPath()
        try flipped.write(to: URL(fileURLWithPath: flippedPath))
        let reader = try TSMReader(path: flippedPath)
        #expect(throws: TSMFileError.checksumMismatch(key: "cpu#!~#v", offset: 5)) {
            try reader.read(key: Array("cpu#!~#v".utf8), as: Double.self)
        }
        #expect(try reader.read(key: Array("mem#!~#v".utf8), as: String.self).values == ["x"])

        var rng = SeededRandom(seed: 9)
        for _ in 0..<300 {
            var bad = good
            if Bool.random(using: &rng) {
                bad = bad.prefix(Int.random(in: 0..<good.count, using: &rng))
            } else {
                bad[Int.random(in: (good.count - 80)..<good.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            let badPath = Self.temporaryPath()
            try bad.write(to: URL(fileURLWithPath: badPath))
            guard let r = try? TSMReader(path: badPath) else { continue }
            for position in 0..<r.keyCount {
                for e in r.entries(at: position).entries {
                    _ = try? r.withBlock(e) { $0.count }
                }
            }
        }
    }
}
