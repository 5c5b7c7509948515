import HTTPTypes
import Hummingbird
import InfluxQL
import LineProtocol
import Monitor
import Query

extension Handler {
    /// `GET /debug/vars`: 1.x's expvar page. An object written entry by entry as 1.x writes
    /// it: `system` (current time, start time, uptime in whole seconds), `cmdline` (the
    /// process's arguments), `memstats` (the Go `MemStats` figures Sundial has an equivalent
    /// for, under Go's names), then every statistic as `{"name","tags","values"}` under 1.x's
    /// key (`shard:<path>:<id>`, `httpd:<bind>`, `graphite:<proto>:<bind>`,
    /// `database:<db>`, `subscriber:<db>:<rp>:<name>:<destination>`, or the bare name).
    func serveDebugVars() -> Reply {
        let statistics = monitor?.statistics() ?? self.statistics(tags: [:])
        let diagnostics = monitor?.diagnostics() ?? [:]
        var out: [UInt8] = Array("{\n".utf8)
        var first = true
        func entry(_ key: String) {
            if !first { out += Array(",\n".utf8) }
            first = false
            out += Array(GoQuote.quote(key).utf8)
            out += Array(": ".utf8)
        }
        if let system = diagnostics["system"], let row = system.rows.first,
           case .time(let now)? = value(system, row, "currentTime"), case .time(let started)? = value(system, row, "started") {
            entry("system")
            out += Array("{\"currentTime\":\"".utf8)
            RFC3339.append(now, to: &out)
            out += Array("\",\"started\":\"".utf8)
            RFC3339.append(started, to: &out)
            // 1.x parses the uptime text back and truncates it to whole seconds.
            out += Array("\",\"uptime\":\((now - started) / 1_000_000_000)}".utf8)
        }
        entry("cmdline")
        out.append(UInt8(ascii: "["))
        for (i, argument) in CommandLine.arguments.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            GoJSON.appendString(argument, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        if let runtime = statistics.first(where: { $0.name == "runtime" }) {
            entry("memstats")
            Self.appendMemStats(runtime, to: &out)
        }
        for statistic in statistics {
            entry(Self.expvarKey(statistic))
            Self.appendStatistic(statistic, to: &out)
        }
        out += Array("\n}\n".utf8)
        var reply = Reply(status: .ok, body: out)
        reply.headers[.contentType] = "application/json; charset=utf-8"
        reply.chunked = true
        return reply
    }

    private func value(_ table: Diagnostics, _ row: [DiagnosticValue], _ column: String) -> DiagnosticValue? {
        guard let i = table.columns.firstIndex(of: column), i < row.count else { return nil }
        return row[i]
    }

    /// 1.x's key for a statistic on the expvar page (duplicates are possible, as in 1.x).
    static func expvarKey(_ s: Statistic) -> String {
        var key = s.name
        if let path = s.tags["path"] {
            key += ":" + path
            if let id = s.tags["id"] { key += ":" + id }
        } else if let bind = s.tags["bind"] {
            if let proto = s.tags["proto"] { key += ":" + proto }
            key += ":" + bind
        } else if let database = s.tags["database"] {
            key += ":" + database
            if let policy = s.tags["retention_policy"] {
                key += ":" + policy
                if let name = s.tags["name"] { key += ":" + name }
                if let destination = s.tags["destination"] { key += ":" + destination }
            }
        }
        return key
    }

    /// `{"name":…,"tags":…,"values":…}` as Go marshals `models.Statistic`: keys sorted, no
    /// spaces; tags `null` where 1.x's reporters pass none (every untagged statistic but
    /// `runtime`, whose map 1.x makes empty).
    static func appendStatistic(_ s: Statistic, to out: inout [UInt8]) {
        out += Array("{\"name\":".utf8)
        GoJSON.appendString(s.name, to: &out)
        out += Array(",\"tags\":".utf8)
        if s.tags.isEmpty && s.name != "runtime" {
            out += Array("null".utf8)
        } else {
            out.append(UInt8(ascii: "{"))
            for (i, key) in s.tags.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GoJSON.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                GoJSON.appendString(s.tags[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out += Array(",\"values\":{".utf8)
        for (i, key) in s.values.keys.sorted().enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            GoJSON.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendValue(s.values[key]!, to: &out)
        }
        out += Array("}}".utf8)
    }

    private static func appendValue(_ value: StatisticValue, to out: inout [UInt8]) {
        switch value {
        case .integer(let v): out += Array(String(v).utf8)
        case .float(let v): GoJSONNumber.append(v, to: &out)
        }
    }

    /// Go's `MemStats` names, in its field order, for the `runtime` statistic's equivalents
    /// (Go's `HeapInuse` is the statistic's `HeapInUse`).
    private static let memStatsNames: [(go: String, statistic: String)] = [
        ("Alloc", "Alloc"), ("Sys", "Sys"), ("Mallocs", "Mallocs"), ("Frees", "Frees"), ("HeapAlloc", "HeapAlloc"),
        ("HeapSys", "HeapSys"), ("HeapIdle", "HeapIdle"), ("HeapInuse", "HeapInUse"), ("HeapReleased", "HeapReleased"),
        ("HeapObjects", "HeapObjects"),
    ]

    static func appendMemStats(_ runtime: Statistic, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for (go, name) in memStatsNames {
            guard let value = runtime.values[name] else { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            GoJSON.appendString(go, to: &out)
            out.append(UInt8(ascii: ":"))
            appendValue(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
