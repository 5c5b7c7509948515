import Foundation
import Gzip
import Synchronization
import Testing

@testable import TSM

/// Damaged TSM, tombstone and WAL files at open (Spec/corruption.md): 1.x's error texts, the
/// file set aside as `<name>.bad` with 1.x's log line, the shard opening with its other files.
@Suite("Corrupt files")
struct CorruptFileTests {
    static func k(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func directory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-corrupt-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A file with keys `a#!~#v` (1,500 floats: two blocks) and `b#!~#v` (one string).
    static func file(_ path: String) throws -> [UInt8] {
        var writer = try TSMWriter(path: path)
        try writer.write(key: k("a#!~#v"), timestamps: Array(0..<1500), values: (0..<1500).map(Double.init))
        try writer.write(key: k("b#!~#v"), timestamps: [5], values: ["x"])
        try writer.finish()
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// One damage to a TSM file and what 1.x (or, where 1.x does not check, Sundial) says.
    struct Damage: Sendable, CustomStringConvertible {
        let description: String
        let apply: @Sendable ([UInt8]) -> [UInt8]
        /// The error's text; nil: any invalid-file text.
        let error: String?

        static func indexStart(_ b: [UInt8]) -> Int {
            b[(b.count - 8)...].reduce(0) { $0 << 8 | Int($1) }
        }

        static func setting(_ b: [UInt8], at offset: Int, _ bytes: [UInt8]) -> [UInt8] {
            var b = b
            b.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            return b
        }
    }

    static let damages: [Damage] = [
        Damage(description: "empty", apply: { _ in [] }, error: "init: error reading magic number of file: EOF"),
        Damage(description: "2 bytes", apply: { Array($0.prefix(2)) }, error: "init: error reading magic number of file: unexpected EOF"),
        Damage(description: "magic only", apply: { Array($0.prefix(4)) }, error: "init: error reading version: EOF"),
        Damage(description: "header and a byte", apply: { Array($0.prefix(6)) }, error: "mmapAccessor: byte slice too small for indirectIndex"),
        Damage(description: "bad magic", apply: { Damage.setting($0, at: 0, [0xDE, 0xAD, 0xBE, 0xEF]) }, error: "can only read from tsm file"),
        // Go prints the version in binary (%b).
        Damage(description: "version 7", apply: { Damage.setting($0, at: 4, [7]) }, error: "init: file is version 111. expected 1"),
        Damage(description: "index offset past the end", apply: { b in
            Damage.setting(b, at: b.count - 8, withUnsafeBytes(of: UInt64(b.count + 1000).bigEndian, Array.init))
        }, error: "mmapAccessor: invalid indexStart"),
        Damage(description: "index offset inside the header", apply: { b in
            Damage.setting(b, at: b.count - 8, withUnsafeBytes(of: UInt64(3).bigEndian, Array.init))
        }, error: "mmapAccessor: invalid indexStart"),
        Damage(description: "key length past the index", apply: { b in
            Damage.setting(b, at: Damage.indexStart(b), [0xFF, 0xFF])
        }, error: "indirectIndex: not enough data for index entries count"),
        Damage(description: "entry count past the index", apply: { b in
            Damage.setting(b, at: Damage.indexStart(b) + 2 + 6 + 1, [0xFF, 0xFF])
        }, error: "indirectIndex: not enough data for max time"),
        Damage(description: "unknown block type", apply: { b in
            Damage.setting(b, at: Damage.indexStart(b) + 2 + 6, [9])
        }, error: nil),
        Damage(description: "no entries for a key", apply: { b in
            Damage.setting(b, at: Damage.indexStart(b) + 2 + 6 + 1, [0, 0])
        }, error: nil),
        Damage(description: "block offset out of range", apply: { b in
            Damage.setting(b, at: Damage.indexStart(b) + 2 + 6 + 3 + 16, withUnsafeBytes(of: Int64(1 << 40).bigEndian, Array.init))
        }, error: nil),
        Damage(description: "keys out of order", apply: { b in
            // The second key `b#!~#v` becomes `a#!~#v` again.
            let second = Damage.indexStart(b) + 2 + 6 + 3 + 2 * TSMFormat.indexEntrySize
            return Damage.setting(b, at: second + 2, Array("a".utf8))
        }, error: nil),
        Damage(description: "truncated to half", apply: { Array($0.prefix($0.count / 2)) }, error: nil),
        Damage(description: "index overwritten with 0xFF", apply: { b in
            var b = b
            for i in (Damage.indexStart(b) + 10)..<(b.count - 8) { b[i] = 0xFF }
            return b
        }, error: nil),
    ]

    /// Every damage is an invalid file (never a crash), in 1.x's words where 1.x has them.
    @Test(arguments: damages)
    func readerNamesTheDamage(_ damage: Damage) throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try Self.file(dir + "/good.tsm")
        try Data(damage.apply(good)).write(to: URL(fileURLWithPath: dir + "/bad.tsm"))
        do {
            _ = try TSMReader(path: dir + "/bad.tsm")
            Issue.record("\(damage) was accepted")
        } catch {
            #expect(error.isCorruption, "\(error)")
            if let expected = damage.error { #expect(error.description == expected) }
        }
    }

    /// Collects storage events.
    final class Events: Sendable {
        private let all = Mutex<[StorageEvent]>([])
        var log: StorageLog { { event in self.all.withLock { $0.append(event) } } }
        var list: [StorageEvent] { all.withLock { $0 } }
    }

    /// A shard directory with a generation 1 file (key `c`) and a generation 2 file (``file(_:)``).
    static func shard() throws -> (data: String, wal: String) {
        let base = directory()
        let data = base + "/data", wal = base + "/wal"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        var first = try TSMWriter(path: data + "/000000001-000000001.tsm")
        try first.write(key: k("c#!~#v"), timestamps: [1, 2], values: [1.0, 2.0])
        try first.finish()
        _ = try file(data + "/000000002-000000001.tsm")
        return (data, wal)
    }

    /// A damaged file is renamed `<name>.bad` with 1.x's error line; the engine opens with the
    /// other file, and new files never take the set-aside file's generation.
    @Test(arguments: damages)
    func engineSetsAsideADamagedFile(_ damage: Damage) throws {
        let (data, wal) = try Self.shard()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: data).deletingLastPathComponent().path) }
        let damaged = data + "/000000002-000000001.tsm"
        try Data(damage.apply([UInt8](try Data(contentsOf: URL(fileURLWithPath: damaged))))).write(to: URL(fileURLWithPath: damaged))
        let events = Events()
        let engine = Engine(path: data, walPath: wal, log: events.log)
        let report = try engine.open()
        #expect(report.badFiles == [damaged])
        #expect(report.tsmFiles == 1)
        #expect(!FileManager.default.fileExists(atPath: damaged))
        #expect(FileManager.default.fileExists(atPath: damaged + ".bad"))
        #expect(try engine.read(key: Self.k("c#!~#v")) == .float([1, 2], [1, 2]))
        #expect(try engine.read(key: Self.k("a#!~#v")) == nil)
        let event = try #require(events.list.first)
        #expect(event.level == .error)
        #expect(event.message == "Cannot read corrupt tsm file, renaming")
        #expect(event["path"] == damaged && event["id"] == "1" && event["service"] == "filestore")
        if let expected = damage.error { #expect(event["error"] == expected) }
        try engine.write([(Self.k("d#!~#v"), .float([9], [9]))])
        try engine.snapshot()
        #expect(FileManager.default.fileExists(atPath: data + "/000000003-000000001.tsm"))
    }

    /// A damaged `.tombstone` fails its TSM file as in 1.x (`init: read tombstones: …`): the TSM
    /// file is set aside, the tombstone file stays. A tombstone file without a known header is
    /// version 1 (deleted keys, one a line), as 1.x reads it.
    @Test(arguments: [
        ("garbage after a v4 header", "gzip: invalid header"),
        ("cut in half", "unexpected EOF"),
        ("gzip checksum flipped", "gzip: invalid checksum"),
    ])
    func damagedTombstoneSetsAsideItsFile(_ damage: String, _ error: String) throws {
        let (data, wal) = try Self.shard()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: data).deletingLastPathComponent().path) }
        let tombstone = data + "/000000002-000000001.tombstone"
        try TombstoneFile.append([Tombstone(key: Self.k("b#!~#v"), min: 0, max: 1), Tombstone(key: Self.k("x#!~#v"), min: 0, max: 1)], to: tombstone)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tombstone)))
        switch damage {
        case "garbage after a v4 header": bytes = [0, 0, 0x15, 0x04] + Array("garbage garbage".utf8)
        case "cut in half": bytes = Array(bytes.prefix(bytes.count / 2))
        default: bytes[bytes.count - 6] ^= 0xFF  // inside the gzip trailer's CRC-32
        }
        try Data(bytes).write(to: URL(fileURLWithPath: tombstone))
        let events = Events()
        let engine = Engine(path: data, walPath: wal, log: events.log)
        let report = try engine.open()
        #expect(report.badFiles == [data + "/000000002-000000001.tsm"])
        #expect(events.list.first?["error"] == "init: read tombstones: \(error)")
        #expect(FileManager.default.fileExists(atPath: tombstone))
        #expect(try engine.read(key: Self.k("c#!~#v")) == .float([1, 2], [1, 2]))

        // Version 1: unknown header bytes are key lines; the file opens.
        let (data1, wal1) = try Self.shard()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: data1).deletingLastPathComponent().path) }
        try Data("not a key\nb#!~#v\n".utf8).write(to: URL(fileURLWithPath: data1 + "/000000002-000000001.tombstone"))
        let v1 = Engine(path: data1, walPath: wal1)
        #expect(try v1.open().badFiles.isEmpty)
        #expect(try v1.read(key: Self.k("b#!~#v")) == nil)
    }

    /// A file the system cannot map (here a directory named like a TSM file) is not damage:
    /// the shard fails to open and the file stays where it is.
    @Test func unreadableFileFailsTheShard() throws {
        let (data, wal) = try Self.shard()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: data).deletingLastPathComponent().path) }
        try FileManager.default.createDirectory(atPath: data + "/000000003-000000001.tsm", withIntermediateDirectories: false)
        let events = Events()
        #expect(throws: EngineError.self) { try Engine(path: data, walPath: wal, log: events.log).open() }
        #expect(events.list.isEmpty)
        #expect(FileManager.default.fileExists(atPath: data + "/000000003-000000001.tsm"))
    }

    /// A WAL segment cut inside its last entry keeps the entries before it; the cut is logged
    /// as 1.x logs it (`File corrupt`, the error, the segment, the position of the bad entry).
    @Test(arguments: [("cut", "unexpected EOF"), ("garbage", "snappy: corrupt input"), ("unknown type", "unknown wal entry type: 9")])
    func walTailCutOffIsLogged(_ damage: String, _ error: String) throws {
        let base = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        do {
            let engine = Engine(path: base + "/data", walPath: base + "/wal")
            _ = try engine.open()
            try engine.write([(Self.k("a#!~#v"), .float([1], [1]))])
            try engine.write([(Self.k("a#!~#v"), .float([2], [2]))])
        }
        let segment = base + "/wal/_00001.wal"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        let first = 5 + Int(bytes[1]) << 24 + Int(bytes[2]) << 16 + Int(bytes[3]) << 8 + Int(bytes[4])
        switch damage {
        case "cut": bytes.removeLast(3)
        case "garbage": bytes = Array(bytes[..<first]) + [1, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF]
        default: bytes[first] = 9
        }
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let events = Events()
        let engine = Engine(path: base + "/data", walPath: base + "/wal", log: events.log)
        let report = try engine.open()
        #expect(report.walEntries == 1)
        #expect(try engine.read(key: Self.k("a#!~#v")) == .float([1], [1]))
        let event = try #require(events.list.first)
        #expect(event.message == "File corrupt" && event.level == .warning)
        #expect(event["error"] == error && event["path"] == segment && event["pos"] == String(first))
        #expect((try FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int) == first)
    }
}
