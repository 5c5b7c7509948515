import Foundation
import LineProtocol
import TSM

extension Shard {
    /// 1.x's series limits (`max-values-per-tag`, then `max-series-per-database`) on the
    /// batch's series new to this shard: points of refused series are unmarked in `keep` and
    /// counted per point. As in 1.x (1.6 to 1.8), only the inmem index enforces them.
    func admitSeries(_ points: [Point], _ batch: PointBatch, keep: inout [Bool]) -> (reason: String, dropped: Int)? {
        guard limits.maxValuesPerTag > 0 || limits.maxSeriesPerDatabase > 0, index.version == .inmem else { return nil }
        // Series whose points all carry a `time` tag are refused by validation, not counted here.
        let fresh = batch.series.indices.filter { s in
            !index.contains(batch.series[s].key) && batch.series[s].points.contains { points[$0].tag("time") == nil }
        }
        guard !fresh.isEmpty else { return nil }
        var refused = Set<Int>()
        var reason = ""
        if limits.maxValuesPerTag > 0 {
            for s in fresh {
                let p = points[batch.series[s].points[0]]
                for (key, value) in p.tags where !databaseSeries.hasTagValue(p.measurement, key, value) {
                    let n = databaseSeries.tagValueCount(p.measurement, key)
                    if n < limits.maxValuesPerTag { continue }
                    if reason.isEmpty {
                        reason = "max-values-per-tag limit exceeded (\(n)/\(limits.maxValuesPerTag)): measurement=\(GoQuoted(p.measurement)) tag=\(GoQuoted(key)) value=\(GoQuoted(value))"
                    }
                    refused.insert(s)
                    break
                }
            }
        }
        if limits.maxSeriesPerDatabase > 0 {
            let remaining = fresh.filter { !refused.contains($0) && !databaseSeries.contains(batch.series[$0].key.bytes) }
            if databaseSeries.inmemCount + remaining.count > limits.maxSeriesPerDatabase {
                reason = "max-series-per-database limit exceeded: (\(limits.maxSeriesPerDatabase))"
                refused.formUnion(remaining)
            }
        }
        guard !refused.isEmpty else { return nil }
        var dropped = 0
        for s in refused {
            for i in batch.series[s].points where keep[i] {
                keep[i] = false
                dropped += 1
            }
        }
        return (reason, dropped)
    }
}

/// Go's `%q` for the ASCII-printable names these messages carry (others escaped as Go does
/// for the common cases).
func GoQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F { out += String(format: "\\x%02x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}
