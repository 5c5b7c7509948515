// WAL append throughput, release mode:
//   swift build -c release --product wal-bench && .build/release/wal-bench [ENTRIES] [DIR]
// Each entry is one /write request's worth: 100 series × 10 float fields, one point each
// (1000 points, TSBS cpu-like keys). Each writer frames (encodes, compresses) its entry,
// appends it and waits until it is durable (what a 204 waits for); measured with 1 writer
// and with 4 concurrent writers, whose waits share fsyncs (group commit).
import Foundation
import Synchronization
import TSM

let args = CommandLine.arguments
let count = args.count > 1 ? Int(args[1]) ?? 500 : 500
let base = args.count > 2 ? args[2] : FileManager.default.temporaryDirectory.path

func makeEntry(_ n: Int) -> WALEntry {
    var series: [(key: [UInt8], values: WALValues)] = []
    let fields = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"]
    for host in 0..<100 {
        let seriesKey = "cpu,arch=x64,datacenter=us-east-1a,hostname=host_\(host),os=Ubuntu16.04LTS,rack=\(host % 100),region=us-east-1,service=9,service_environment=production,service_version=1,team=SF"
        for (f, field) in fields.enumerated() {
            series.append((Array("\(seriesKey)#!~#\(field)".utf8), .float([1_500_000_000_000_000_000 + Int64(n) * 10_000_000_000], [Double((n * 31 + host * 7 + f) % 100) + 0.5])))
        }
    }
    return .write(series)
}

let entries = (0..<count).map(makeEntry)
var scratch: [UInt8] = []
let frameBytes = entries.reduce(0) { $0 + WAL.frame($1, scratch: &scratch).count }
print("wal-bench: \(count) entries × 1000 points, \(frameBytes / count) B/entry on disk (\(String(format: "%.1f", Double(frameBytes) / Double(count * 1000))) B/point)")

for writers in [1, 4] {
    let dir = base + "/wal-bench-\(UUID().uuidString)"
    let wal = WAL(directory: dir)
    _ = try wal.open()
    let next = Atomic<Int>(0)
    let start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: writers) { _ in
        var scratch: [UInt8] = []
        while true {
            let n = next.add(1, ordering: .relaxed).oldValue
            guard n < entries.count else { return }
            let framed = WAL.frame(entries[n], scratch: &scratch)
            try! wal.waitDurable(wal.append(framed))
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let fsyncs = wal.statistics.fsyncs
    print(String(format: "%d writer(s): %.0f entries/s, %.2f M points/s, %.1f MB/s, %d fsyncs", writers, Double(count) / seconds,
                 Double(count * 1000) / seconds / 1e6, Double(frameBytes) / seconds / 1e6, fsyncs))
    try? FileManager.default.removeItem(atPath: dir)
}
