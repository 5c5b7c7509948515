// tsm-bench: encode/decode throughput of TSM blocks (1000 points each, realistic data).
//
//   swift run -c release tsm-bench [iterations]
//
// Reports, per value type, points/s and MB/s of *encoded* block bytes for Block.encode and
// Block.decode. Buffers are reused across iterations, as a compactor or query cursor would.

import Foundation
import TSM
import SundialTestSupport

let pointsPerBlock = 1000
let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5000 : 5000
var rng = SeededRandom(seed: 42)

// 10 s cadence with an occasional missed sample: simple8b timestamps, divisor 10^10.
var t: Int64 = 1_700_000_000_000_000_000
let timestamps: [Int64] = (0..<pointsPerBlock).map { _ in
    t += Bool.random(using: &rng) && Int.random(in: 0..<50, using: &rng) == 0 ? 20_000_000_000 : 10_000_000_000
    return t
}

var level = 20.0
let floats: [Double] = (0..<pointsPerBlock).map { _ in
    level += Double.random(in: -0.2...0.2, using: &rng)
    return (level * 100).rounded() / 100  // a sensor with two decimals
}
var counter: Int64 = 0
let ints: [Int64] = (0..<pointsPerBlock).map { _ in
    counter += Int64.random(in: 0...5000, using: &rng)  // a byte counter
    return counter
}
let unsigned: [UInt64] = ints.map { UInt64($0) }
let bools: [Bool] = (0..<pointsPerBlock).map { _ in Double.random(in: 0..<1, using: &rng) < 0.1 }
let levels = ["INFO", "WARN", "ERROR", "DEBUG"]
let strings: [String] = (0..<pointsPerBlock).map { _ in
    "\(levels.randomElement(using: &rng)!) request id=\(Int.random(in: 0..<1_000_000, using: &rng)) path=/api/v\(Int.random(in: 1...3, using: &rng))/items status=\([200, 200, 404, 500].randomElement(using: &rng)!)"
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

@inline(never)
func bench<V: TSMValue>(_ name: String, _ values: [V], iterations: Int) throws {
    var block: [UInt8] = []
    block.reserveCapacity(64 * 1024)
    // Warm-up and size.
    try Block.encode(timestamps: timestamps, values: values, into: &block)
    let size = block.count

    var start = now()
    for _ in 0..<iterations {
        block.removeAll(keepingCapacity: true)
        try Block.encode(timestamps: timestamps, values: values, into: &block)
    }
    let encodeNs = Double(now() - start)

    var ts: [Int64] = []
    var vs: [V] = []
    ts.reserveCapacity(pointsPerBlock)
    vs.reserveCapacity(pointsPerBlock)
    start = now()
    for _ in 0..<iterations {
        ts.removeAll(keepingCapacity: true)
        vs.removeAll(keepingCapacity: true)
        try Block.decode(block, timestamps: &ts, values: &vs)
    }
    let decodeNs = Double(now() - start)
    precondition(ts == timestamps)

    let points = Double(iterations * pointsPerBlock)
    let bytes = Double(iterations * size)
    func fmt(_ ns: Double) -> String {
        let pps = points / (ns / 1e9)
        let mbps = bytes / (ns / 1e9) / 1e6
        return String(format: "%7.1f Mpoints/s %8.1f MB/s", pps / 1e6, mbps)
    }
    print(
        name.padding(toLength: 9, withPad: " ", startingAt: 0),
        String(format: "%6d B/block (%5.2f B/pt)", size, Double(size) / Double(pointsPerBlock)),
        " encode", fmt(encodeNs), "  decode", fmt(decodeNs))
}

print("tsm-bench: \(iterations) iterations × \(pointsPerBlock)-point blocks")
try bench("float", floats, iterations: iterations)
try bench("integer", ints, iterations: iterations)
try bench("unsigned", unsigned, iterations: iterations)
try bench("boolean", bools, iterations: iterations)
try bench("string", strings, iterations: iterations / 5)
