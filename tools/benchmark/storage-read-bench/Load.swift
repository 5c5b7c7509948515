import Foundation

/// The data both servers get, and waiting for them to finish with it.
enum Load {
    /// Monday 2023-11-06 00:00 UTC: a shard group boundary (1.x truncates to 7 days from
    /// Go's zero time), so up to a week of points lands in one shard.
    static let base: Int64 = 1_699_228_800 * 1_000_000_000

    /// Lines `range` of the data, time-major (every series at second 0, then second 1, …):
    /// `cpu,host=h<s> usage=<0.00–99.99> <ns>`, values from a hash of (series, second).
    static func lines(_ range: Range<Int>, series: Int) -> [UInt8] {
        var out = ""
        out.reserveCapacity(range.count * 48)
        for k in range {
            let s = k % series, second = k / series
            out += "cpu,host=h\(s) usage=\(value(series: s, second: second)) \(base + Int64(second) * 1_000_000_000)\n"
        }
        return Array(out.utf8)
    }

    /// A deterministic value with two decimals (splitmix64 of the point's coordinates).
    static func value(series: Int, second: Int) -> Double {
        var z = UInt64(series) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(second) &* 0xBF58_476D_1CE4_E5B9 &+ 0x94D0_49BB_1331_11EB
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z % 10_000) / 100
    }

    /// Writes every batch to each server in turn (so only one ingests at a time); the seconds
    /// each server spent answering its writes.
    static func write(_ servers: [ServerProcess], series: Int, points: Int, batch: Int) throws -> [Double] {
        var seconds = [Double](repeating: 0, count: servers.count)
        let total = series * points
        for start in stride(from: 0, to: total, by: batch) {
            let body = lines(start..<min(start + batch, total), series: series)
            for (i, server) in servers.enumerated() {
                let began = Date()
                let (status, answer) = try HTTP.request(port: server.httpPort, method: "POST", target: "/write?db=bench", body: body)
                seconds[i] += Date().timeIntervalSince(began)
                guard status == 204 else {
                    throw BenchError("\(server.name): /write answered \(status): \(String(decoding: answer, as: UTF8.self))")
                }
            }
        }
        return seconds
    }

    /// Sends an InfluxQL statement to `/query` (form-encoded); the JSON answer.
    static func query(_ server: ServerProcess, _ statement: String) throws -> [String: Any] {
        let (status, body) = try HTTP.request(port: server.httpPort, method: "POST", target: "/query?db=bench",
                                              body: Array(("q=" + HTTP.formValue(statement)).utf8),
                                              contentType: "application/x-www-form-urlencoded")
        guard status == 200, let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw BenchError("\(server.name): \(statement) answered \(status): \(String(decoding: body, as: UTF8.self))")
        }
        return json
    }

    /// `SELECT count(usage) FROM cpu`.
    static func count(_ server: ServerProcess) throws -> Int {
        let json = try query(server, "SELECT count(usage) FROM cpu")
        let series = (json["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]
        let row = (series?.first?["values"] as? [[Any]])?.first
        return (row?.last as? NSNumber)?.intValue ?? 0
    }

    /// What settling took for one server.
    struct Settled {
        /// Seconds until the WAL was empty (nil: not within the limit).
        var walEmpty: Double?
        /// Seconds until the files last changed (compactions over), if they then stayed
        /// unchanged for the quiet period within the limit.
        var quiet: Double?
    }

    /// Waits until every server's WAL is empty (its cache written to TSM), then until no
    /// file under data or wal has changed for `quiet` seconds; `limit` seconds at most.
    static func settle(_ servers: [ServerProcess], limit: Double, quiet: Double) async throws -> [Settled] {
        let began = Date()
        var settled = [Settled](repeating: Settled(), count: servers.count)
        var last: [[String: Int]] = Array(repeating: [:], count: servers.count)
        var changed = [Double](repeating: 0, count: servers.count)
        while Date().timeIntervalSince(began) < limit {
            let now = Date().timeIntervalSince(began)
            var done = true
            for (i, server) in servers.enumerated() {
                guard server.process.isRunning else { throw BenchError("\(server.name) exited:\n\(server.logTail())") }
                if settled[i].walEmpty == nil {
                    if server.walBytes == 0 { settled[i].walEmpty = now } else { done = false; continue }
                }
                let files = server.files("data").merging(server.files("wal").mapKeys { "wal" + $0 }) { a, _ in a }
                if files != last[i] {
                    last[i] = files
                    changed[i] = now
                    settled[i].quiet = nil
                }
                if now - changed[i] >= quiet { settled[i].quiet = changed[i] } else { done = false }
            }
            if done { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        return settled
    }
}

extension Dictionary {
    /// The dictionary with its keys transformed (distinct keys stay distinct).
    func mapKeys(_ transform: (Key) -> Key) -> [Key: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
