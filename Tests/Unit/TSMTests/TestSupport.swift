import Foundation
import Testing

@testable import TSM

/// SplitMix64: a tiny seeded generator so property tests are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Parses a hex string, ignoring spaces, `|` and newlines (so expected bytes can be laid out
/// field by field).
func hex(_ s: String) -> [UInt8] {
    let digits = s.filter { $0.isHexDigit }
    var out: [UInt8] = []
    var it = digits.makeIterator()
    while let hi = it.next(), let lo = it.next() {
        out.append(UInt8(String([hi, lo]), radix: 16)!)
    }
    return out
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Encode helpers returning fresh arrays.
func encodeTimestamps(_ ts: [Int64]) -> [UInt8] {
    var out: [UInt8] = []
    TimestampEncoding.encode(ts, into: &out)
    return out
}

func encodeIntegers(_ vs: [Int64]) -> [UInt8] {
    var out: [UInt8] = []
    IntegerEncoding.encode(vs, into: &out)
    return out
}

func encodeFloats(_ vs: [Double]) throws -> [UInt8] {
    var out: [UInt8] = []
    try FloatEncoding.encode(vs, into: &out)
    return out
}

func encodeBlock<V: TSMValue>(_ ts: [Int64], _ vs: [V]) throws -> [UInt8] {
    var out: [UInt8] = []
    try Block.encode(timestamps: ts, values: vs, into: &out)
    return out
}

func decodeBlock<V: TSMValue>(_ bytes: [UInt8], as: V.Type) throws -> ([Int64], [V]) {
    var ts: [Int64] = []
    var vs: [V] = []
    try Block.decode(bytes, timestamps: &ts, values: &vs)
    return (ts, vs)
}

func blockCount(_ block: [UInt8]) throws -> Int {
    try block.withUnsafeBytes { try Block.count(of: $0) }
}

/// Paths of the golden fixtures, found relative to this source file.
enum Golden {
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TSMTests
            .deletingLastPathComponent()  // Unit
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Golden/tsm")
    }
}

/// A minimal reader of a TSM file's index, for extracting the blocks influxd wrote.
struct TSMFileBlocks {
    struct Entry {
        var key: String
        var type: UInt8
        var minTime: Int64
        var maxTime: Int64
        var block: [UInt8]  // without the CRC
    }

    var entries: [Entry] = []

    init(_ data: [UInt8]) throws {
        func be<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            var v: T = 0
            for i in 0..<MemoryLayout<T>.size { v = v << 8 | T(data[at + i]) }
            return v
        }
        #expect(Array(data[0..<5]) == [0x16, 0xD1, 0x16, 0xD1, 0x01])
        let indexStart = Int(be(data.count - 8, UInt64.self))
        var p = indexStart
        while p < data.count - 8 {
            let keyLength = Int(be(p, UInt16.self))
            let key = String(decoding: data[(p + 2)..<(p + 2 + keyLength)], as: UTF8.self)
            p += 2 + keyLength
            let type = data[p]
            let count = Int(be(p + 1, UInt16.self))
            p += 3
            for _ in 0..<count {
                let minTime = be(p, Int64.self)
                let maxTime = be(p + 8, Int64.self)
                let offset = Int(be(p + 16, UInt64.self))
                let size = Int(be(p + 24, UInt32.self))
                p += 28
                entries.append(
                    Entry(
                        key: key, type: type, minTime: minTime, maxTime: maxTime,
                        block: Array(data[(offset + 4)..<(offset + size)])))
            }
        }
    }
}
