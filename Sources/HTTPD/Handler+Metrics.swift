import HTTPTypes
import Hummingbird
import LineProtocol
import Monitor

extension Handler {
    /// `GET /metrics`: every component's statistics (what `SHOW STATS` shows) in Prometheus
    /// text format: a sample `influxdb_<measurement>_<field>` per value, labelled with the
    /// statistic's tags.
    ///
    /// Written directly rather than through a metrics registry: the set of series changes as
    /// shards, subscriptions and inputs come and go, and each scrape is a snapshot of it.
    func serveMetrics(_ call: RouteRequest) async -> Reply {
        var families: [String: [(labels: [(String, String)], value: StatisticValue)]] = [:]
        for statistic in monitor?.statistics() ?? statistics(tags: [:]) {
            let labels = statistic.tags.sorted { $0.key < $1.key }.map { (Self.metricName($0.key), $0.value) }
            for (field, value) in statistic.values {
                families["influxdb_" + Self.metricName(statistic.name) + "_" + Self.metricName(field), default: []].append((labels, value))
            }
        }
        var out: [UInt8] = []
        for name in families.keys.sorted() {
            out += Array("# TYPE \(name) untyped\n".utf8)
            for sample in families[name]! {
                out += Array(name.utf8)
                if !sample.labels.isEmpty {
                    out.append(UInt8(ascii: "{"))
                    for (i, (key, value)) in sample.labels.enumerated() {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        out += Array(key.utf8)
                        out += Array("=\"".utf8)
                        Self.appendLabelValue(value, to: &out)
                        out.append(UInt8(ascii: "\""))
                    }
                    out.append(UInt8(ascii: "}"))
                }
                out.append(UInt8(ascii: " "))
                switch sample.value {
                case .integer(let v): out += Array(String(v).utf8)
                case .float(let v): out += Array((v.isNaN ? "NaN" : v.isInfinite ? (v < 0 ? "-Inf" : "+Inf") : String(v)).utf8)
                }
                out.append(UInt8(ascii: "\n"))
            }
        }
        var reply = Reply(status: .ok, body: out)
        reply.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return reply
    }

    /// A Prometheus metric or label name: every byte outside `[a-zA-Z0-9_]` becomes `_`.
    static func metricName(_ text: String) -> String {
        String(decoding: text.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): byte
            default: UInt8(ascii: "_")
            }
        }, as: UTF8.self)
    }

    /// A label value with the text format's escapes (backslash, double quote, newline).
    static func appendLabelValue(_ value: String, to out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            default: out.append(byte)
            }
        }
    }
}
