import Foundation
import Testing

@testable import TSM

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

/// Every block of a TSM file, read through ``TSMReader`` (CRC-checked).
struct TSMFileBlocks {
    struct Entry {
        var key: String
        var type: UInt8
        var minTime: Int64
        var maxTime: Int64
        var block: [UInt8]  // without the CRC
    }

    var entries: [Entry] = []

    init(path: String) throws {
        let reader = try TSMReader(path: path)
        for position in 0..<reader.keyCount {
            let key = reader.key(at: position)
            let (type, list) = reader.entries(at: position)
            for e in list {
                let block = try reader.withBlock(e, key: key) { Array($0) }
                entries.append(Entry(key: String(decoding: key, as: UTF8.self), type: type.rawValue, minTime: e.minTime, maxTime: e.maxTime, block: block))
            }
        }
    }
}
