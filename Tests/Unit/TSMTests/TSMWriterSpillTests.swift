import Foundation
import Testing

@testable import TSM

/// A writer whose index passes its spill size keeps the rest of the index in a disk buffer
/// (as 1.6's compactor does past 64 MiB): the file is the same bytes, the buffer is gone after,
/// and a writer dropped mid-file leaves neither file.
@Suite struct TSMWriterSpillTests {
    static func write(_ path: String, spill: Int, keys: Int) throws {
        var writer = try TSMWriter(path: path, indexSpillSize: spill)
        for k in 0..<keys {
            let key = Array(String(format: "cpu,host=h%05d#!~#value", k).utf8)
            try writer.write(key: key, timestamps: [1, 2, Int64(k) + 3], values: [1.5, 2.5, Double(k)])
        }
        try writer.finish()
    }

    @Test(arguments: [1, 100, 4096, 1 << 20])
    func spilledIndexGivesTheSameFile(spill: Int) throws {
        let inMemory = TSMFileTests.temporaryPath()
        let spilled = TSMFileTests.temporaryPath()
        try Self.write(inMemory, spill: 64 << 20, keys: 2000)
        try Self.write(spilled, spill: spill, keys: 2000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: spilled)) == Data(contentsOf: URL(fileURLWithPath: inMemory)))
        #expect(!FileManager.default.fileExists(atPath: spilled + ".idx.tmp"))
        let reader = try TSMReader(path: spilled)
        #expect(reader.keyCount == 2000)
    }

    @Test func abandonedWriterLeavesNothing() throws {
        let path = TSMFileTests.temporaryPath()
        do {
            var writer = try TSMWriter(path: path, indexSpillSize: 64)
            for k in 0..<50 { try writer.write(key: Array("m,k=\(1000 + k)#!~#v".utf8), timestamps: [1], values: [1.0]) }
            #expect(FileManager.default.fileExists(atPath: path + ".idx.tmp"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".idx.tmp"))
    }
}
