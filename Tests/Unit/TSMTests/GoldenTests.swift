import Foundation
import Snappy
import Testing

@testable import TSM

/// Blocks written by a real influxd 1.6.7 (see `Tests/Golden/tsm/README.md`): every one must
/// decode, and re-encoding the decoded points must reproduce influxd's bytes exactly.
@Suite("Golden blocks from influxd 1.6.7")
struct GoldenTests {
    static func load(_ name: String) throws -> TSMFileBlocks {
        try TSMFileBlocks(path: Golden.directory.appendingPathComponent(name).path)
    }

    /// Decodes `block` as `V`, re-encodes it and returns (points, re-encoded bytes).
    static func roundTrip<V: TSMValue>(_ block: [UInt8], as type: V.Type) throws -> ([Int64], [V], [UInt8]) {
        let (ts, vs) = try decodeBlock(block, as: V.self)
        #expect(ts.count == vs.count)
        let again = try encodeBlock(ts, vs)
        return (ts, vs, again)
    }

    @Test("every block re-encodes byte-identically", arguments: ["golden.tsm", "golden_raw.tsm"])
    func reencode(file: String) throws {
        let blocks = try Self.load(file)
        #expect(!blocks.entries.isEmpty)
        for entry in blocks.entries {
            let again: [UInt8]
            let ts: [Int64]
            switch entry.type {
            case 0: (ts, _, again) = try Self.roundTrip(entry.block, as: Double.self)
            case 1: (ts, _, again) = try Self.roundTrip(entry.block, as: Int64.self)
            case 2: (ts, _, again) = try Self.roundTrip(entry.block, as: Bool.self)
            case 3: (ts, _, again) = try Self.roundTrip(entry.block, as: String.self)
            case 4: (ts, _, again) = try Self.roundTrip(entry.block, as: UInt64.self)
            default:
                Issue.record("unknown block type \(entry.type) for \(entry.key)")
                continue
            }
            #expect(again == entry.block, "\(entry.key): re-encoded block differs")
            #expect(ts.first == entry.minTime && ts.last == entry.maxTime, "\(entry.key): index min/max")
            #expect(try blockCount(entry.block) == ts.count)
        }
    }

    @Test func expectedValues() throws {
        let blocks = try Self.load("golden.tsm")
        // Every series of make_points.py is present (ts_raw lives in golden_raw.tsm).
        #expect(
            Set(blocks.entries.map(\.key)) == [
                "bool_big#!~#v", "bool_small#!~#v", "float_big#!~#temp", "float_edge#!~#v", "float_random#!~#v",
                "float_rle_ts#!~#v", "int_counter#!~#bytes", "int_one#!~#v", "int_raw#!~#v", "int_rle#!~#v",
                "int_s8b#!~#v", "int_two#!~#v", "str_big#!~#v", "str_logs#!~#msg", "str_mixed#!~#v",
                "str_short#!~#v", "ts_ones#!~#v",
            ])
        // The string blocks exercise every Snappy element kind and several 64 KiB pieces.
        let strBig = blocks.entries.first { $0.key == "str_big#!~#v" }!.block
        var plainLength = 0
        try strBig.withUnsafeBytes { p in
            let values = try Block.sections(of: p).values
            plainLength = try Snappy.decompressedLength(UnsafeRawBufferPointer(rebasing: values[1...]))
        }
        #expect(plainLength > 2 * 65536)
        func entry(_ key: String) -> [UInt8] { blocks.entries.first { $0.key == key }!.block }

        let (rawTS, rawValues) = try decodeBlock(entry("int_raw#!~#v"), as: Int64.self)
        #expect(rawValues == [.min, .max, 0, .min])
        #expect(rawTS == (0..<4).map { 1_700_000_000_000_000_000 + $0 })

        let (_, edge) = try decodeBlock(entry("float_edge#!~#v"), as: Double.self)
        #expect(
            edge.map(\.bitPattern)
                == [
                    0.0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 2.2250738585072014e-308,
                    1.7976931348623157e308,
                    -1.7976931348623157e308, 1.0, 1.0, 0.1, -0.1, 123456.789,
                ].map(\.bitPattern))

        let (_, strings) = try decodeBlock(entry("str_mixed#!~#v"), as: String.self)
        #expect(strings == ["", "héllo wörld", "日本語テキスト", "", "emoji 🚀✨", String(repeating: "x", count: 300)])

        let (_, bools) = try decodeBlock(entry("bool_small#!~#v"), as: Bool.self)
        #expect(bools == (0..<13).map { $0 % 3 == 0 })

        let big = blocks.entries.filter { $0.key == "float_big#!~#temp" }
        #expect(try big.map { try blockCount($0.block) } == [1000, 1000, 500])

        let raw = try Self.load("golden_raw.tsm")
        let (ts, vs) = try decodeBlock(raw.entries[0].block, as: Int64.self)
        #expect(ts == [100_000_000_000_000_000, 1_300_000_000_000_000_000, 1_350_000_000_000_000_000])
        #expect(vs == [1, 2, 3])
        #expect(raw.entries[0].block[2] == 0x00, "raw timestamp encoding")
    }
}
