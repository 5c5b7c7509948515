import Foundation
import LineProtocol

extension Shard {
    /// 1.x's series limits (`max-values-per-tag`, then `max-series-per-database`) on the points'
    /// series new to this shard: points of refused series are dropped, counted per point.
    func admitSeries(_ points: [Point]) -> (admitted: [Point], limited: (reason: String, dropped: Int)?) {
        guard limits.maxValuesPerTag > 0 || limits.maxSeriesPerDatabase > 0 else { return (points, nil) }
        var fresh: [Int] = []
        for (i, p) in points.enumerated() where p.tag("time") == nil && !index.contains(Array(p.seriesKey)) {
            fresh.append(i)
        }
        guard !fresh.isEmpty else { return (points, nil) }
        var refused = Set<Int>()
        var reason = ""
        if limits.maxValuesPerTag > 0 {
            for i in fresh {
                let p = points[i]
                for (key, value) in p.tags where !databaseSeries.hasTagValue(p.measurement, key, value) {
                    let n = databaseSeries.tagValueCount(p.measurement, key)
                    if n < limits.maxValuesPerTag { continue }
                    if reason.isEmpty {
                        reason = "max-values-per-tag limit exceeded (\(n)/\(limits.maxValuesPerTag)): measurement=\(GoQuoted(p.measurement)) tag=\(GoQuoted(key)) value=\(GoQuoted(value))"
                    }
                    refused.insert(i)
                    break
                }
            }
        }
        if limits.maxSeriesPerDatabase > 0 {
            let remaining = fresh.filter { !refused.contains($0) && !databaseSeries.contains(Array(points[$0].seriesKey)) }
            let newToDatabase = Set(remaining.map { Array(points[$0].seriesKey) })
            if databaseSeries.count + newToDatabase.count > limits.maxSeriesPerDatabase {
                reason = "max-series-per-database limit exceeded: (\(limits.maxSeriesPerDatabase))"
                refused.formUnion(remaining)
            }
        }
        guard !refused.isEmpty else { return (points, nil) }
        let admitted = points.enumerated().filter { !refused.contains($0.offset) }.map(\.element)
        return (admitted, (reason, refused.count))
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
