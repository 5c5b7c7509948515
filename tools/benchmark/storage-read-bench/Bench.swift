import Foundation
import Storage
import SwiftProtobuf

/// `storage-read-bench`: full-scan storage Read throughput, influxd 1.6.7 and Sundial side by
/// side on loopback (see `Options.usage`).
@main
struct StorageReadBench {
    /// Ports: influxd HTTP, TCP bind-address, [ifql]; then sundiald's three.
    static let ports = (influxd: (18490, 18491, 18492), sundiald: (18493, 18494, 18495))

    static func main() async {
        let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
        Children.installCleanup()
        do {
            try await run(options)
        } catch {
            FileHandle.standardError.write(Data("storage-read-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ o: Options) async throws {
        say("command: " + CommandLine.arguments.joined(separator: " "))
        for binary in [o.influxd, o.sundiald] where !FileManager.default.isExecutableFile(atPath: binary) {
            throw BenchError("\(binary) is not an executable (build sundiald with `swift build -c release --product sundiald`)")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("storage-read-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        if !o.keep { Children.removeAtExit(root.path) }
        var servers: [ServerProcess] = []
        defer {
            for s in servers { s.stop() }
            if o.keep { say("kept \(root.path)") } else { try? FileManager.default.removeItem(at: root) }
        }
        let p = ports
        servers.append(try ServerProcess(name: "influxd", binary: o.influxd, dir: root.appendingPathComponent("influxd"),
                                         httpPort: p.influxd.0, rpcPort: p.influxd.1, ifqlPort: p.influxd.2, cold: o.cold))
        servers.append(try ServerProcess(name: "sundiald", binary: o.sundiald, dir: root.appendingPathComponent("sundiald"),
                                         httpPort: p.sundiald.0, rpcPort: p.sundiald.1, ifqlPort: p.sundiald.2, cold: o.cold))
        for s in servers { try await s.waitReady() }
        for s in servers { _ = try Load.query(s, "CREATE DATABASE bench") }

        let total = o.series * o.points
        say("data: \(o.series) series × \(o.points) points = \(Table.grouped(total)) points (cpu,host=hN usage=<float>, 1 s apart), "
            + "\((total + o.batch - 1) / o.batch) writes of ≤ \(o.batch) lines to each server")
        let writeSeconds = try Load.write(servers, series: o.series, points: o.points, batch: o.batch)
        say("load: " + zip(servers, writeSeconds).map { "\($0.name) \(Table.fixed($1, 2)) s (\(Table.grouped(Int(Double(total) / $1))) points/s)" }
            .joined(separator: ", "))

        let settled = try await Load.settle(servers, limit: o.settle, quiet: o.quiet)
        for (s, st) in zip(servers, settled) {
            let counted = try Load.count(s)
            let tsm = s.tsm
            say("settle: \(s.name) WAL empty after \(st.walEmpty.map { Table.fixed($0, 1) + " s" } ?? "NOT within \(Int(o.settle)) s"), "
                + "files unchanged since \(st.quiet.map { Table.fixed($0, 1) + " s" } ?? "— still changing"); "
                + "\(tsm.count) TSM files, \(Table.fixed(Double(tsm.bytes) / 1e6, 1)) MB; count(usage) = \(Table.grouped(counted))"
                + (counted == total ? "" : "  WARNING: expected \(Table.grouped(total))"))
        }

        var clients: [YARPCClient] = []
        defer { for c in clients { c.close() } }
        for s in servers {
            do {
                clients.append(try await YARPCClient.connect(host: "127.0.0.1", port: s.ifqlPort))
            } catch {
                throw BenchError("cannot connect to \(s.name)'s [ifql] port \(s.ifqlPort): \(error)")
            }
        }
        let request = try ReadResult.request().serializedBytes() as [UInt8]
        say("read: GroupAll, _measurement = 'cpu', whole time range; \(o.warmup) untimed + \(o.runs) timed runs per server, alternating")
        for _ in 0..<o.warmup {
            for (i, s) in servers.enumerated() { _ = try await ReadResult.run(clients[i], request, server: s) }
        }
        var results = servers.map { ServerRuns(name: $0.name) }
        for _ in 0..<o.runs {
            for (i, s) in servers.enumerated() {
                results[i].runs.append(try await ReadResult.run(clients[i], request, server: s))
                guard s.process.isRunning else { throw BenchError("\(s.name) exited during the reads:\n\(s.logTail())") }
            }
        }
        Table.report(results, expectedPoints: total)
    }
}

/// The figures, as a compact table.
enum Table {
    static func report(_ results: [ServerRuns], expectedPoints: Int) {
        let header = ["server", "median s", "min s", "max s", "points/s", "MB/s", "server CPU s", "messages", "bytes", "points"]
        var rows = [header]
        for r in results {
            let f = r.first
            rows.append([r.name, fixed(r.medianSeconds, 4), fixed(r.runs.map(\.seconds).min() ?? 0, 4), fixed(r.runs.map(\.seconds).max() ?? 0, 4),
                         grouped(Int(r.pointsPerSecond)), fixed(r.megabytesPerSecond, 1), fixed(r.medianCPU, 3),
                         grouped(f?.messages ?? 0), grouped(f?.bytes ?? 0), grouped(f?.points ?? 0)])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            say(row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  "))
        }
        for r in results {
            say("runs \(r.name): " + r.runs.map { fixed($0.seconds, 4) }.joined(separator: " "))
        }
        guard results.count == 2, let a = results[0].first, let b = results[1].first else { return }
        say("ratio Sundial/influxd: points/s \(fixed(results[1].pointsPerSecond / results[0].pointsPerSecond, 2))×, "
            + "median time \(fixed(results[1].medianSeconds / results[0].medianSeconds, 2))×, "
            + "server CPU " + (results[0].medianCPU < 0.01 ? "n/a (too short to measure)" : "\(fixed(results[1].medianCPU / results[0].medianCPU, 2))×"))
        var warnings: [String] = []
        if a.points != b.points { warnings.append("point counts differ: influxd \(a.points), sundiald \(b.points)") }
        if a.bytes != b.bytes { warnings.append("response bytes differ: influxd \(a.bytes), sundiald \(b.bytes)") }
        if a.bytes == b.bytes && a.hash != b.hash { warnings.append("response bytes have the same total but differ") }
        if a.messages != b.messages { warnings.append("message counts differ: influxd \(a.messages), sundiald \(b.messages)") }
        for r in results where r.first?.points != expectedPoints {
            warnings.append("\(r.name) returned \(r.first?.points ?? 0) points, \(expectedPoints) were written")
        }
        for r in results where !r.inconsistentRuns.isEmpty {
            warnings.append("\(r.name): runs \(r.inconsistentRuns.map { "\($0 + 1)" }.joined(separator: ",")) answered differently from run 1")
        }
        if warnings.isEmpty {
            say("check: both returned \(grouped(a.points)) points in \(grouped(a.bytes)) bytes, \(a.messages) messages, byte-identical")
        }
        for w in warnings { say("WARNING: " + w) }
    }

    /// `v` with `digits` decimals.
    static func fixed(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }

    /// An integer with thousands separators.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}

/// Writes a line to standard output at once (not held in a buffer when piped, e.g. to `tee`).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
