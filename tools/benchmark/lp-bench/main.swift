// Line protocol parse benchmark on TSBS-like `cpu` lines (10 tags, 10 integer fields, ns times).
//   swift build -c release --product lp-bench && .build/release/lp-bench [MB] [rounds]
// Reports MB/s and points/s for one core: best and median of the rounds.
import Foundation
import LineProtocol
import SundialTestSupport

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let megabytes = arguments.first ?? 100
let rounds = arguments.dropFirst().first ?? 5

var rng = SystemRandomNumberGenerator()
let regions = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]
var body: [UInt8] = []
body.reserveCapacity(megabytes << 20 + 1024)
var lines = 0
var time: Int64 = 1_451_606_400_000_000_000
while body.count < megabytes << 20 {
    let host = lines % 100
    let region = regions[host % regions.count]
    var line = "cpu,hostname=host_\(host),region=\(region),datacenter=\(region)a,rack=\(host % 97),os=Ubuntu16.10,arch=x64,team=SF,service=\(host % 19),service_version=\(host % 2),service_environment=production "
    let names = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"]
    line += names.map { "\($0)=\(Int.random(in: 0...100, using: &rng))i" }.joined(separator: ",")
    line += " \(time)\n"
    body += Array(line.utf8)
    lines += 1
    if lines % 100 == 0 { time += 10_000_000_000 }
}

print("lp-bench: \(lines) lines, \(body.count) bytes (\(body.count / lines) B/line), \(rounds) rounds")
var seconds: [Double] = []
var points = 0
for _ in 0..<rounds {
    let start = monotonicSeconds()
    let result = body.withUnsafeBytes { LineProtocolParser.parse($0, options: ParseOptions(defaultTime: 0)) }
    seconds.append(monotonicSeconds() - start)
    points = result.points.count
    precondition(result.errors.isEmpty && points == lines)
}
seconds.sort()
for (label, s) in [("best", seconds[0]), ("median", seconds[seconds.count / 2])] {
    let mbps = Double(body.count) / s / 1e6
    let pps = Double(points) / s
    print(String(format: "%@: %.3f s, %.1f MB/s, %.2f M points/s", label, s, mbps, pps / 1e6))
}
