// The write path without HTTP, one thread, release mode:
//   swift build -c release --product write-bench && .build/release/write-bench [HOURS] [ROUNDS] [HOSTS]
// TSBS devops `cpu` lines (HOSTS hosts, default 100, 10 tags, 10 integer fields, one line per host every 10 s,
// as size-bench and tools/benchmark/ingest.py make them) in requests of 5000 lines: each
// request is parsed (LineProtocolParser) and written to one shard (Shard.write: series limits,
// field validation, grouping per key, cache, WAL with fsync; snapshots at 25 MiB on the
// calling thread). Reports µs per point for parsing and for the shard write, best of ROUNDS.
import Foundation
import LineProtocol
import TSDB
import SundialTestSupport
import TSM

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let hours = arguments.first ?? 2
let rounds = arguments.dropFirst().first ?? 3
let hosts = arguments.dropFirst(2).first ?? 100
let regions = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]
let names = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"]
var rng = SeededRandom(seed: 7)
var walk = (0..<hosts).map { _ in (0..<10).map { _ in Int.random(in: 0...100, using: &rng) } }
var requests: [[UInt8]] = []
var body: [UInt8] = []
var lines = 0
// HOURS counts tenths of an hour with more than 1000 hosts (30 minutes of 20,000 hosts = 5).
let steps = hosts > 1000 ? hours * 36 : hours * 360
for step in 0..<steps {
    let time = 1_451_606_400_000_000_000 + Int64(step) * 10_000_000_000
    for host in 0..<hosts {
        let region = regions[host % regions.count]
        var line = "cpu,hostname=host_\(host),region=\(region),datacenter=\(region)a,rack=\(host % 97),os=Ubuntu16.10,arch=x64,team=SF,service=\(host % 19),service_version=\(host % 2),service_environment=production "
        for f in 0..<10 { walk[host][f] = min(100, max(0, walk[host][f] + Int.random(in: -2...2, using: &rng))) }
        line += (0..<10).map { "\(names[$0])=\(walk[host][$0])i" }.joined(separator: ",")
        line += " \(time)\n"
        body += Array(line.utf8)
        lines += 1
        if lines % 5000 == 0 {
            requests.append(body)
            body.removeAll(keepingCapacity: true)
        }
    }
}
if !body.isEmpty { requests.append(body) }
print("write-bench: \(lines) lines in \(requests.count) requests, \(rounds) rounds")

var best = (parse: Double.infinity, write: Double.infinity)
for _ in 0..<rounds {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("write-bench-\(UUID().uuidString)").path
    let shard = try Shard(id: 1, database: "db", retentionPolicy: "rp", dataDir: dir + "/data", walDir: dir + "/wal")
    var parseTime = 0.0, writeTime = 0.0
    for request in requests {
        let t0 = monotonicSeconds()
        let parsed = request.withUnsafeBytes { LineProtocolParser.parse($0, options: ParseOptions(defaultTime: 0)) }
        let t1 = monotonicSeconds()
        try shard.write(parsed.points)
        writeTime += monotonicSeconds() - t1
        parseTime += t1 - t0
    }
    best = (min(best.parse, parseTime), min(best.write, writeTime))
    try? FileManager.default.removeItem(atPath: dir)
}
print(String(format: "parse %.2f µs/point, shard write %.2f µs/point (%.0f points/s on one core)",
             best.parse / Double(lines) * 1e6, best.write / Double(lines) * 1e6, Double(lines) / (best.parse + best.write)))
