import Foundation
import Testing

@testable import TSM

/// influxd 1.6.7's compactor output (`Tests/Golden/tsm-compacted/`), read back value by value.
@Suite("influxd-compacted TSM file")
struct CompactedGoldenTests {
    static var path: String {
        Golden.directory.deletingLastPathComponent().appendingPathComponent("tsm-compacted/000000020-000000002.tsm").path
    }

    @Test func everyValueReadsBack() throws {
        let reader = try TSMReader(path: Self.path)
        #expect(reader.keyCount == 8)
        let steps = 0..<6000
        for h in 0..<4 {
            let ints = try reader.read(key: Array("m,host=h\(h)#!~#i".utf8), as: Int64.self)
            #expect(ints.timestamps == steps.map { Int64($0) * 10_000_000_000 })
            #expect(ints.values == steps.map { Int64((h * 7 + $0 * $0) % 1000) })
            let floats = try reader.read(key: Array("m,host=h\(h)#!~#f".utf8), as: Double.self)
            #expect(floats.values == steps.map { Double($0) * 0.25 + Double(h) })
            #expect(reader.entries(for: Array("m,host=h\(h)#!~#f".utf8))?.entries.count == 6)
        }
    }

    /// Sundial's writer, given the same points, produces influxd's compacted file exactly.
    @Test func rewriteIsByteIdentical() throws {
        let reader = try TSMReader(path: Self.path)
        let out = TSMFileTests.temporaryPath()
        try TSMFileTests.rewrite(reader, to: out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: Self.path)))
    }
}
