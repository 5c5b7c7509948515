// InfluxQL parse benchmark on TSBS devops queries (the shapes TSBS sends to InfluxDB 1.x).
//   swift build -c release --product influxql-bench && .build/release/influxql-bench [SECONDS]
// Reports queries/s and MB/s for one core, per query shape and overall.
import Foundation
import InfluxQL

let queries: [(String, String)] = [
    ("single-groupby-1-1-1", "SELECT max(usage_user) from cpu where (hostname = 'host_249') and time >= '2016-01-01T01:12:57Z' and time < '2016-01-01T02:12:57Z' group by time(1m)"),
    ("single-groupby-5-8-1", "SELECT max(usage_user),max(usage_system),max(usage_idle),max(usage_nice),max(usage_iowait) from cpu where (hostname = 'host_249' or hostname = 'host_1403' or hostname = 'host_1435' or hostname = 'host_3539' or hostname = 'host_3639' or hostname = 'host_3075' or hostname = 'host_815' or hostname = 'host_2121') and time >= '2016-01-01T01:12:57Z' and time < '2016-01-01T02:12:57Z' group by time(1m)"),
    ("cpu-max-all-8", "SELECT max(usage_user),max(usage_system),max(usage_idle),max(usage_nice),max(usage_iowait),max(usage_irq),max(usage_softirq),max(usage_steal),max(usage_guest),max(usage_guest_nice) from cpu where (hostname = 'host_249' or hostname = 'host_1403' or hostname = 'host_1435' or hostname = 'host_3539' or hostname = 'host_3639' or hostname = 'host_3075' or hostname = 'host_815' or hostname = 'host_2121') and time >= '2016-01-01T01:12:57Z' and time < '2016-01-01T09:12:57Z' group by time(1h)"),
    ("double-groupby-1", "SELECT mean(usage_user) from cpu where time >= '2016-01-01T01:12:57Z' and time < '2016-01-01T13:12:57Z' group by time(1h),hostname"),
    ("high-cpu-all", "SELECT * from cpu where usage_user > 90.0 and time >= '2016-01-01T01:12:57Z' and time < '2016-01-01T13:12:57Z'"),
    ("lastpoint", "SELECT last(*) from cpu group by \"hostname\""),
    ("groupby-orderby-limit", "SELECT max(usage_user) from cpu where time < '2016-01-01T01:12:57Z' group by time(1m) limit 5"),
]

let seconds = Double(CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2)
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

var totalQueries = 0
var totalBytes = 0
var totalTime = 0.0
for (name, text) in queries {
    precondition((try? Parser.parseQuery(text)) != nil, name)
    var n = 0
    let start = now()
    var elapsed = 0.0
    while elapsed < seconds / Double(queries.count) {
        for _ in 0..<100 { _ = try Parser.parseQuery(text) }
        n += 100
        elapsed = now() - start
    }
    totalQueries += n
    totalBytes += n * text.utf8.count
    totalTime += elapsed
    print(name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %8.0f queries/s  %6.1f MB/s  (%d bytes)", Double(n) / elapsed, Double(n * text.utf8.count) / elapsed / 1e6, text.utf8.count))
}
print(String(format: "overall: %.0f queries/s, %.1f MB/s", Double(totalQueries) / totalTime, Double(totalBytes) / totalTime / 1e6))
