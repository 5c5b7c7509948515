// Bytes per stored value on TSBS-like cpu data after full compaction.
//   swift build -c release --product size-bench && .build/release/size-bench [HOURS] [LP-OUT]
// 100 hosts × 10 fields every 10 s (TSBS devops `cpu`: 10 tags; each field a random walk of
// integers in 0...100), seeded, so the same data can be given to a real influxd
// (tools/benchmark/influxd-size.py LP-OUT) for the comparison.
import Foundation
import LineProtocol
import TSM
import SundialTestSupport

let args = CommandLine.arguments
let hours = args.count > 1 ? Int(args[1]) ?? 6 : 6
let lpOut = args.count > 2 ? args[2] : nil
let regions = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]
let names = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"]
var rng = SeededRandom(seed: 7)
var walk = (0..<100).map { _ in (0..<10).map { _ in Int.random(in: 0...100, using: &rng) } }
var body: [UInt8] = []
let steps = hours * 360
let start: Int64 = 1_451_606_400_000_000_000
for step in 0..<steps {
    let time = start + Int64(step) * 10_000_000_000
    for host in 0..<100 {
        let region = regions[host % regions.count]
        var line = "cpu,hostname=host_\(host),region=\(region),datacenter=\(region)a,rack=\(host % 97),os=Ubuntu16.10,arch=x64,team=SF,service=\(host % 19),service_version=\(host % 2),service_environment=production "
        for f in 0..<10 {
            walk[host][f] = min(100, max(0, walk[host][f] + Int.random(in: -2...2, using: &rng)))
        }
        line += (0..<10).map { "\(names[$0])=\(walk[host][$0])i" }.joined(separator: ",")
        line += " \(time)\n"
        body += Array(line.utf8)
    }
}
if let lpOut { try Data(body).write(to: URL(fileURLWithPath: lpOut)) }
let values = steps * 100 * 10

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("size-bench-\(UUID().uuidString)").path
let engine = Engine(path: dir + "/data", walPath: dir + "/wal")
_ = try engine.open()
let began = Date()
let parsed = body.withUnsafeBytes { LineProtocolParser.parse($0, options: ParseOptions(defaultTime: 0)) }
precondition(parsed.errors.isEmpty)
var batch: [(key: [UInt8], values: WALValues)] = []
for (n, point) in parsed.points.enumerated() {
    point.forEachField { rawKey, value in
        guard case .integer(let v) = value else { return }
        batch.append((Array(point.seriesKey) + TSMFormat.fieldSeparator + Array(rawKey), .integer([point.time], [v])))
    }
    if (n + 1) % 5000 == 0 {
        try engine.write(batch)
        batch.removeAll(keepingCapacity: true)
    }
}
if !batch.isEmpty { try engine.write(batch) }
try engine.snapshot()
try engine.compactFull()
let elapsed = Date().timeIntervalSince(began)
let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/data").filter { $0.hasSuffix(".tsm") }
let bytes = try files.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: dir + "/data/" + $1)[.size] as? Int) ?? 0) }
print("size-bench: \(hours) h, \(parsed.points.count) lines, \(values) values, LP \(body.count) bytes")
print(String(format: "after full compaction: %d file(s), %d bytes, %.2f bytes/value (ingest+compact %.1f s)", files.count, bytes, Double(bytes) / Double(values), elapsed))
try? FileManager.default.removeItem(atPath: dir)
