import Foundation
import Testing

@testable import TSM

/// Key-offsets files (`<name>.tsm.offsets`, Spec/engine.md): a large file's reader maps its
/// key offsets instead of walking its index, reads the same, and ignores a key-offsets file
/// that does not describe the file; a damaged table never traps a read.
@Suite struct TSMKeyOffsetsTests {
    static let keys = TSMKeyOffsetsFile.minimumKeys + 1000

    static func key(_ k: Int) -> [UInt8] { Array(String(format: "cpu,host=h%06d#!~#value", k).utf8) }

    /// A file of `keys` keys, key `k` holding the points 1, 2 and k + 3.
    static func write(_ path: String, keys: Int = keys) throws {
        var writer = try TSMWriter(path: path)
        for k in 0..<keys {
            try writer.write(key: key(k), timestamps: [1, 2, Int64(k) + 3], values: [1.5, 2.5, Double(k)])
        }
        try writer.finish()
    }

    /// Every 997th key and the last read through `reader` as the file holds them.
    static func expectReads(_ reader: TSMReader, keys: Int = keys) throws {
        #expect(reader.keyCount == keys)
        for k in Array(stride(from: 0, to: keys, by: 997)) + [keys - 1] {
            #expect(reader.key(at: k) == key(k))
            let read = try reader.read(key: key(k), as: Double.self)
            #expect(read.timestamps == [1, 2, Int64(k) + 3])
            #expect(read.values == [1.5, 2.5, Double(k)])
        }
        #expect(reader.entries(for: Array("cpu,host=zz#!~#value".utf8)) == nil)
        #expect(reader.minTime == 1 && reader.maxTime == Int64(keys) + 2)
    }

    /// A large file and its key-offsets file, written: their paths.
    static func fileWithKeyOffsets() throws -> (tsm: String, offsets: String) {
        let path = TSMFileTests.temporaryPath()
        try write(path)
        try TSMReader(path: path).writeKeyOffsetsFile()
        return (path, path + ".offsets")
    }

    @Test func largeFileMapsItsOffsetsOnceWritten() throws {
        let path = TSMFileTests.temporaryPath()
        try Self.write(path)
        let walked = try TSMReader(path: path)
        #expect(!walked.offsetsFromFile)
        #expect(try walked.writeKeyOffsetsFile())
        #expect(FileManager.default.fileExists(atPath: path + ".offsets"))
        #expect(!FileManager.default.fileExists(atPath: path + ".offsets.tmp"))
        let size = try FileManager.default.attributesOfItem(atPath: path + ".offsets")[.size] as? Int
        #expect(size == TSMKeyOffsetsFile.headerSize + Self.keys * 4)
        let mapped = try TSMReader(path: path)
        #expect(mapped.offsetsFromFile)
        #expect(try !mapped.writeKeyOffsetsFile())  // it has one
        try Self.expectReads(walked)
        try Self.expectReads(mapped)
    }

    @Test func smallFileGetsNone() throws {
        let path = TSMFileTests.temporaryPath()
        try Self.write(path, keys: 100)
        let reader = try TSMReader(path: path)
        #expect(try !reader.writeKeyOffsetsFile())
        #expect(!FileManager.default.fileExists(atPath: path + ".offsets"))
    }

    /// Ways a key-offsets file can fail to describe its TSM file.
    enum Damage: String, CaseIterable {
        case headerChecksum, truncated, otherFile, firstOffset, lastOffset, sampledOffset, magic
    }

    @Test(arguments: Damage.allCases)
    func keyOffsetsFileThatDoesNotMatchIsIgnored(_ damage: Damage) throws {
        let (path, offsets) = try Self.fileWithKeyOffsets()
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: offsets)))
        let table = TSMKeyOffsetsFile.headerSize
        func bump(_ position: Int) { bytes[table + position * 4] &+= 1 }
        switch damage {
        case .headerChecksum: bytes[20] ^= 1  // the index offset, under the CRC
        case .truncated: bytes.removeLast(4)
        case .magic: bytes[0] = UInt8(ascii: "X")
        case .firstOffset: bump(0)
        case .lastOffset: bump(Self.keys - 1)
        case .sampledOffset: bump(Self.keys / TSMKeyOffsetsFile.samples * 5)
        case .otherFile:
            // The key-offsets file of another file (one key more).
            let other = TSMFileTests.temporaryPath()
            try Self.write(other, keys: Self.keys + 1)
            try TSMReader(path: other).writeKeyOffsetsFile()
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: other + ".offsets")))
        }
        try Data(bytes).write(to: URL(fileURLWithPath: offsets))
        let reader = try TSMReader(path: path)
        #expect(!reader.offsetsFromFile)
        try Self.expectReads(reader)
    }

    /// An offset that no sample checks, damaged to point past the index or into the middle of
    /// a record: that key reads as absent, nothing traps, every other key reads.
    @Test(arguments: [UInt32.max - 7, 9])
    func damagedUnsampledOffsetDoesNotTrap(_ value: UInt32) throws {
        let (path, offsets) = try Self.fileWithKeyOffsets()
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: offsets)))
        let damaged = 3  // samples are at multiples of keys/64 and the key after each
        withUnsafeBytes(of: value.littleEndian) { for i in 0..<4 { bytes[TSMKeyOffsetsFile.headerSize + damaged * 4 + i] = $0[i] } }
        try Data(bytes).write(to: URL(fileURLWithPath: offsets))
        let reader = try TSMReader(path: path)
        #expect(reader.offsetsFromFile)
        _ = reader.key(at: damaged)
        _ = reader.entries(at: damaged)
        _ = try? reader.read(key: Self.key(damaged), as: Double.self)
        for k in [0, 1, 2, 4, Self.keys - 1] {
            #expect(try reader.read(key: Self.key(k), as: Double.self).values == [1.5, 2.5, Double(k)])
        }
    }

    /// The engine writes missing key-offsets files in the background after opening, removes
    /// those of files gone and leftover temporaries; a compaction writes its output's and
    /// removes its inputs'.
    @Test func engineKeepsKeyOffsetsFiles() throws {
        let dirs = EngineTests.directories()
        try FileManager.default.createDirectory(atPath: dirs.0, withIntermediateDirectories: true)
        let first = dirs.0 + "/" + Engine.fileName(generation: 1, sequence: 1)
        let second = dirs.0 + "/" + Engine.fileName(generation: 2, sequence: 1)
        try Self.write(first)
        try Self.write(second, keys: 100)
        let orphan = dirs.0 + "/" + Engine.fileName(generation: 9, sequence: 1) + ".offsets"
        let leftover = second + ".offsets.tmp"  // (first's own is written meanwhile)
        for path in [orphan, leftover] { try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path)) }
        let scheduler = EngineScheduler(maxConcurrentCompactions: 1, compactThroughput: 0)
        defer { scheduler.shutdown() }
        let engine = Engine(path: dirs.0, walPath: dirs.1, scheduler: scheduler)
        _ = try engine.open()
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(!FileManager.default.fileExists(atPath: leftover))
        var waited = 0
        while !FileManager.default.fileExists(atPath: first + ".offsets") && waited < 200 {
            usleep(50_000)
            waited += 1
        }
        #expect(FileManager.default.fileExists(atPath: first + ".offsets"))
        #expect(!FileManager.default.fileExists(atPath: second + ".offsets"))
        try engine.compactFull()
        #expect(!FileManager.default.fileExists(atPath: first + ".offsets"))
        let outputs = engine.fileStore.files.map(\.path)
        #expect(outputs.count == 1)
        for output in outputs {
            #expect(FileManager.default.fileExists(atPath: output + ".offsets"))
            try Self.expectReads(try TSMReader(path: output))
            #expect(try TSMReader(path: output).offsetsFromFile)
        }
    }

    /// A cache snapshot of that many keys gets its key-offsets file with its TSM file.
    @Test func cacheSnapshotWritesItsKeyOffsetsFile() throws {
        let dirs = EngineTests.directories()
        let engine = Engine(path: dirs.0, walPath: dirs.1)
        _ = try engine.open()
        try engine.write((0..<Self.keys).map { (Self.key($0), WALValues.float([1, 2, Int64($0) + 3], [1.5, 2.5, Double($0)])) },
                         keysAreUnique: true)
        try engine.snapshot()
        let files = engine.fileStore.files.map(\.path)
        #expect(files.count == 1)
        for file in files {
            #expect(FileManager.default.fileExists(atPath: file + ".offsets"))
            let reader = try TSMReader(path: file)
            #expect(reader.offsetsFromFile)
            try Self.expectReads(reader)
        }
    }

    /// A file past 4 GiB keeps 8-byte offsets (none of the tests writes such a file): the table
    /// grows past its first capacity and reads back every offset, narrow and wide alike.
    @Test(arguments: [(Int(UInt32.max), 4), (Int(UInt32.max) + 1, 8)])
    func tableWidthFollowsTheFileSize(_ fileLength: Int, _ width: Int) {
        var builder = TSMKeyOffsets.Builder(fileLength: fileLength, expected: 3)
        let offsets = (0..<1000).map { fileLength - 1 - $0 * 4099 }
        for offset in offsets { builder.append(offset) }
        let table = builder.finish()
        #expect(table.width == width)
        #expect(table.count == offsets.count)
        #expect((0..<table.count).map { table[$0] } == offsets)
        #expect(table.bytes.count == offsets.count * width)
    }
}
