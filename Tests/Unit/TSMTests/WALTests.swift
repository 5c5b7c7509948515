import Foundation
import SundialTestSupport
import Testing

@testable import TSM

/// The write-ahead log (Spec/wal.md).
@Suite("WAL")
struct WALTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func goldenBytes() throws -> [UInt8] {
        Array(try Data(contentsOf: Golden.directory.deletingLastPathComponent().appendingPathComponent("wal/golden.wal")))
    }

    /// The segment influxd 1.6.7 wrote for the requests in `Tests/Golden/wal/regenerate.sh`.
    @Test func readsInfluxdSegment() throws {
        let golden = try Self.goldenBytes()
        let (entries, valid, failure) = golden.withUnsafeBytes { WAL.readEntries($0) }
        #expect(failure == nil)
        #expect(valid == golden.count)
        let s = Self.bytes
        #expect(entries.count == 8)
        #expect(entries[0] == .write([(s("cpu,host=a#!~#value"), .float([1_000_000_000], [1.5]))]))
        #expect(entries[1] == .write([(s("cpu,host=a#!~#value"), .float([2_000_000_000], [-2.25]))]))
        #expect(entries[2] == .write([(s("mem,host=a#!~#used"), .integer([1_000_000_000], [42]))]))
        #expect(entries[3] == .write([(s("flag,host=a#!~#on"), .boolean([1_000_000_000], [true]))]))
        #expect(entries[4] == .write([(s("log,host=a#!~#msg"), .string([1_000_000_000], [s("hello \"wal\"")]))]))
        guard case .write(let disk) = entries[5] else { Issue.record("entry 5 is not a write"); return }
        #expect(Dictionary(uniqueKeysWithValues: disk.map { (String(decoding: $0.key, as: UTF8.self), $0.values) }) == [
            "disk,host=a#!~#free": .integer([1_000_000_000], [1]),
            "disk,host=a#!~#total": .integer([1_000_000_000], [2]),
            "disk,host=b#!~#free": .integer([1_000_000_000], [3]),
        ])
        // DELETE … WHERE time < 1.5 s, then DROP SERIES (all time).
        #expect(entries[6] == .deleteRange(keys: [s("cpu,host=a#!~#value")], min: .min, max: 1_499_999_999))
        #expect(entries[7] == .deleteRange(keys: [s("flag,host=a#!~#on")], min: .min, max: .max))
    }

    /// Every entry with one key re-frames to influxd's exact bytes (several keys come in Go's
    /// random map order, so that entry is only decoded).
    @Test func framesEntriesAsInfluxdDoes() throws {
        let golden = try Self.goldenBytes()
        let entries = golden.withUnsafeBytes { WAL.readEntries($0) }.entries
        var scratch: [UInt8] = []
        var offset = 0
        for entry in entries {
            let length = 5 + Int(UInt32(golden[offset + 1]) << 24 | UInt32(golden[offset + 2]) << 16 | UInt32(golden[offset + 3]) << 8 | UInt32(golden[offset + 4]))
            if case .write(let series) = entry, series.count > 1 {
                offset += length
                continue
            }
            #expect(WAL.frame(entry, scratch: &scratch) == Array(golden[offset..<(offset + length)]))
            offset += length
        }
        #expect(offset == golden.count)
    }

    static func temporaryDirectory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-wal-\(UUID().uuidString)")
        return dir.path
    }

    static func sampleEntries(_ n: Int, seed: UInt64) -> [WALEntry] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { i in
            let ts = (0..<Int.random(in: 1...50, using: &rng)).map { Int64(i * 1000 + $0) }
            switch i % 6 {
            case 0: return .write([(bytes("f\(i)#!~#v"), .float(ts, ts.map { Double($0) / 3 }))])
            case 1: return .write([(bytes("i\(i)#!~#v"), .integer(ts, ts.map { $0 &* -7 })), (bytes("u#!~#v"), .unsigned(ts, ts.map { UInt64($0) }))])
            case 2: return .write([(bytes("b#!~#v"), .boolean(ts, ts.map { $0 % 2 == 0 }))])
            case 3: return .write([(bytes("s#!~#v"), .string(ts, ts.map { [0xFF, 0x00] + bytes("x\($0)") }))])
            case 4: return .deleteRange(keys: [bytes("a"), bytes("b")], min: -5, max: Int64(i))
            default: return .delete(keys: [bytes("k\(i)"), bytes("z")])
            }
        }
    }

    @Test func replaysAcrossReopenAndSegments() throws {
        let dir = Self.temporaryDirectory()
        let written = Self.sampleEntries(60, seed: 3)
        do {
            let wal = WAL(directory: dir, segmentSize: 2000)
            #expect(try wal.open().entries.isEmpty)
            for e in written[..<30] { try wal.write(e) }
        }
        do {
            let wal = WAL(directory: dir, segmentSize: 2000)
            let replay = try wal.open()
            #expect(replay.entries == Array(written[..<30]))
            #expect(replay.truncated.isEmpty)
            for e in written[30...] { try wal.write(e) }
        }
        let wal = WAL(directory: dir, segmentSize: 2000)
        #expect(try wal.open().entries == written)
        let ids = try WAL.segmentIDs(in: dir)
        #expect(ids.count > 3)
        #expect(ids == Array(1...ids.count))
        #expect(FileManager.default.fileExists(atPath: dir + "/_00001.wal"))
    }

    /// A torn or corrupt tail is cut at the last whole entry; what came before survives, and
    /// later writes follow it.
    @Test(arguments: [1, 3, 7, 20])
    func tornTailIsTruncated(cut: Int) throws {
        let dir = Self.temporaryDirectory()
        let written = Self.sampleEntries(5, seed: 8)
        do {
            let wal = WAL(directory: dir)
            _ = try wal.open()
            for e in written { try wal.write(e) }
        }
        let path = dir + "/_00001.wal"
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        try full.prefix(full.count - cut).write(to: URL(fileURLWithPath: path))
        do {
            let wal = WAL(directory: dir)
            let replay = try wal.open()
            #expect(replay.entries == Array(written[..<4]))
            #expect(replay.truncated.count == 1)
            try wal.write(written[4])
        }
        let wal = WAL(directory: dir)
        let again = try wal.open()
        #expect(again.entries == written)
        #expect(again.truncated.isEmpty)
    }

    @Test func corruptEntryKeepsEarlierOnes() throws {
        let dir = Self.temporaryDirectory()
        let written = Self.sampleEntries(4, seed: 2)
        do {
            let wal = WAL(directory: dir)
            _ = try wal.open()
            for e in written { try wal.write(e) }
        }
        let path = dir + "/_00001.wal"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        var scratch: [UInt8] = []
        let firstTwo = WAL.frame(written[0], scratch: &scratch).count + WAL.frame(written[1], scratch: &scratch).count
        data[firstTwo] = 0x7F  // unknown entry type
        try data.write(to: URL(fileURLWithPath: path))
        let wal = WAL(directory: dir)
        let replay = try wal.open()
        #expect(replay.entries == Array(written[..<2]))
        #expect(replay.truncated.first?.reason == .unknownEntryType(0x7F))
        #expect(replay.truncated.first?.keptBytes == firstTwo)
    }

    /// Random garbage never crashes the entry decoder.
    @Test func garbageNeverCrashes() {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<2000 {
            let body = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for type in [UInt8(1), 2, 3] {
                _ = body.withUnsafeBytes { try? WALEntry.decode(type: type, $0) }
            }
            _ = body.withUnsafeBytes { WAL.readEntries($0) }
        }
    }

    /// An entry whose Snappy header announces 16.8 MB for 68 bytes (found by tools/fuzz/wal):
    /// the tail is cut there at once, where replay used to allocate and zero the announced
    /// length first (up to 256 MiB an entry).
    @Test func snappyLengthBeyondTheEntryIsCorrupt() {
        let segment: [UInt8] = [
            0x01, 0x00, 0x00, 0x00, 0x44, 0xAE, 0xA7, 0xFF, 0x07, 0x0F, 0x63, 0x70, 0x75, 0x2C, 0x68, 0x6F,
            0x73, 0x74, 0x36, 0x61, 0x23, 0x21, 0x7E, 0x23, 0x76, 0x00, 0x00, 0x00, 0x02, 0x00, 0x09, 0x01,
            0x08, 0x01, 0x3F, 0xF8, 0x09, 0x09, 0x0D, 0x01, 0x04, 0x02, 0xC0, 0x0D, 0x09, 0x0C, 0x04, 0x00,
            0x06, 0x6D, 0x01, 0x2D, 0x4C, 0x73, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x44, 0x52, 0x58, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x23, 0x01, 0x00, 0x0F, 0x63, 0x23, 0x21, 0x7E, 0x23, 0x76, 0x02, 0x00, 0x00,
            0x00, 0x00,
        ]
        let (entries, valid, failure) = segment.withUnsafeBytes { WAL.readEntries($0) }
        #expect(entries.isEmpty && valid == 0)
        #expect(failure == .snappy("corrupt input"))
    }
}
