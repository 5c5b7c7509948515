import Foundation
import Gzip
import Testing

@testable import TSM

/// Tombstone files (Spec/tombstone.md).
@Suite("Tombstones")
struct TombstoneTests {
    static func k(_ s: String) -> [UInt8] { Array(s.utf8) }
    static var goldenDirectory: URL { Golden.directory.deletingLastPathComponent().appendingPathComponent("tombstone") }

    @Test func readsInfluxdTombstones() throws {
        let tombstones = try TombstoneFile.read(Self.goldenDirectory.appendingPathComponent("golden.tombstone").path)
        #expect(tombstones == [
            Tombstone(key: Self.k("cpu,host=a#!~#value"), min: .min, max: 2_499_999_999),
            Tombstone(key: Self.k("flag,host=a#!~#on"), min: .min, max: .max),
        ])
    }

    /// influxd's TSM file plus its tombstones, opened by Sundial's engine, reads as influxd
    /// answered after the deletes.
    @Test func engineAppliesInfluxdTombstones() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-tomb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["golden.tsm": "000000001-000000001.tsm", "golden.tombstone": "000000001-000000001.tombstone"] {
            try FileManager.default.copyItem(atPath: Self.goldenDirectory.appendingPathComponent(name.key).path, toPath: dir + "/" + name.value)
        }
        let engine = Engine(path: dir, walPath: dir + "/wal")
        _ = try engine.open()
        #expect(try engine.read(key: Self.k("cpu,host=a#!~#value")) == .float([3_000_000_000], [3]))
        #expect(try engine.read(key: Self.k("cpu,host=b#!~#value")) == .float([1_000_000_000], [4]))
        #expect(try engine.read(key: Self.k("flag,host=a#!~#on")) == nil)
    }

    @Test func appendsV4MembersAndRewritesOlderVersions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-tomb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/000000001-000000001.tombstone"
        let a = Tombstone(key: Self.k("a"), min: 1, max: 2)
        let b = Tombstone(key: Self.k("bb"), min: .min, max: .max)
        try TombstoneFile.append([a], to: path)
        try TombstoneFile.append([b], to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[0..<4]) == [0, 0, 0x15, 0x04])
        #expect(bytes.indices.filter { $0 + 1 < bytes.count && bytes[$0] == 0x1F && bytes[$0 + 1] == 0x8B }.count >= 2)
        #expect(try TombstoneFile.read(path) == [a, b])

        // Version 2: header 0x1502 and plain records; version 3: one gzip stream; version 1:
        // key lines. Each is read, and appending turns it into version 4.
        let records = TombstoneFile.encode([a, b])
        let v1 = Array("a\nbb\n".utf8)
        for (version, content) in [(2, [0, 0, 0x15, 0x02] + records), (3, [0, 0, 0x15, 0x03] + GzipStream.encode(records)), (1, v1)] {
            try Data(content).write(to: URL(fileURLWithPath: path))
            let expected = version == 1 ? [Tombstone(key: Self.k("a"), min: .min, max: .max), b] : [a, b]
            #expect(try TombstoneFile.read(path) == expected, "v\(version)")
            let c = Tombstone(key: Self.k("c"), min: 5, max: 6)
            try TombstoneFile.append([c], to: path)
            #expect(try TombstoneFile.read(path) == expected + [c], "v\(version) appended")
            #expect(Array([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))[0..<4]) == [0, 0, 0x15, 0x04])
        }
        #expect(TombstoneFile.path(forTSM: "/d/000000001-000000002.tsm") == "/d/000000001-000000002.tombstone")
        #expect(throws: TombstoneError.self) {
            try Data([0, 0, 0x15, 0x02, 0, 0, 0, 9, 1]).write(to: URL(fileURLWithPath: path))
            _ = try TombstoneFile.read(path)
        }
    }

    @Test func engineDeletesSurviveReopen() throws {
        let dirs = EngineTests.directories()
        do {
            let engine = EngineTests.engine(dirs)
            _ = try engine.open()
            try engine.write([(Self.k("cpu#!~#v"), .integer([1, 2, 3, 4], [1, 2, 3, 4])), (Self.k("mem#!~#v"), .integer([1], [1]))])
            try engine.snapshot()
            try engine.write([(Self.k("cpu#!~#v"), .integer([5], [5]))])
            try engine.deleteRange(keys: [Self.k("cpu#!~#v")], min: 2, max: 5)
            #expect(try engine.read(key: Self.k("cpu#!~#v")) == .integer([1], [1]))
        }
        #expect(FileManager.default.fileExists(atPath: dirs.0 + "/000000001-000000001.tombstone"))
        let engine = EngineTests.engine(dirs)
        _ = try engine.open()
        #expect(try engine.read(key: Self.k("cpu#!~#v")) == .integer([1], [1]))
        #expect(try engine.read(key: Self.k("mem#!~#v")) == .integer([1], [1]))
    }
}
