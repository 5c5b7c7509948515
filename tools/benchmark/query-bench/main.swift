// In-process /query benchmark: the TSBS devops queries through the HTTP handler (query string,
// parse, execution, JSON) with no socket, so the figure is the server's own CPU per query,
// free of the loopback and scheduling noise an end-to-end run carries.
//   swift build -c release --product size-bench && .build/release/size-bench 24 /tmp/tsbs-24h.lp
//   swift build -c release --product query-bench && .build/release/query-bench /tmp/tsbs-24h.lp [SECONDS] [FILTER]
// Loads the file into a fresh store under /tmp, maintaining it as the running daemon does,
// then reports the p50 and mean microseconds per query shape. It allocates through jemalloc,
// as the daemon does (README, "Memory allocator").
import Allocator
import Foundation
import HTTPD
import HTTPTypes
import Hummingbird
import NIOCore
import Server
import TSDB
import TSM

let arguments = CommandLine.arguments.dropFirst()
guard let path = arguments.first else {
    print("usage: query-bench LINES_FILE [SECONDS_PER_QUERY] [NAME_FILTER]")
    exit(2)
}
let seconds = arguments.dropFirst().first.flatMap(Double.init) ?? 2
let filter = arguments.dropFirst(2).first ?? ""

func hour(_ n: Int) -> String { "'2016-01-01T\(n < 10 ? "0" : "")\(n):00:00Z'" }
let hosts8 = [1, 7, 13, 21, 34, 55, 61, 89].map { "hostname = 'host_\($0)'" }.joined(separator: " or ")
let all10 = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq", "usage_softirq",
             "usage_steal", "usage_guest", "usage_guest_nice"].map { "max(\($0))" }.joined(separator: ", ")
// The same queries as tools/benchmark/tsbs-queries.py.
let queries: [(String, String)] = [
    ("single-groupby-1-1-1", "SELECT max(usage_user) FROM cpu WHERE hostname = 'host_9' AND time >= \(hour(5)) AND time < \(hour(6)) GROUP BY time(1m)"),
    ("single-groupby-5-1-12", "SELECT max(usage_user), max(usage_system), max(usage_idle), max(usage_nice), max(usage_iowait) FROM cpu WHERE hostname = 'host_9' AND time >= \(hour(3)) AND time < \(hour(15)) GROUP BY time(1m)"),
    ("cpu-max-all-8", "SELECT \(all10) FROM cpu WHERE (\(hosts8)) AND time >= \(hour(4)) AND time < \(hour(12)) GROUP BY time(1h)"),
    ("double-groupby-1", "SELECT mean(usage_user) FROM cpu WHERE time >= \(hour(6)) AND time < \(hour(18)) GROUP BY time(1h), hostname"),
    ("groupby-orderby-limit", "SELECT max(usage_user) FROM cpu WHERE time < \(hour(20)) AND time >= \(hour(0)) GROUP BY time(1m) ORDER BY time DESC LIMIT 5"),
    ("high-cpu-1", "SELECT * FROM cpu WHERE usage_user > 90 AND hostname = 'host_9' AND time >= \(hour(2)) AND time < \(hour(14))"),
    ("lastpoint", "SELECT last(*) FROM cpu GROUP BY hostname"),
    ("count-all", "SELECT count(*) FROM cpu"),
    ("show-databases", "SHOW DATABASES"),
]

func formBody(_ q: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return "q=" + q.addingPercentEncoding(withAllowedCharacters: allowed)!
}

func request(_ method: HTTPRequest.Method, _ target: String, body: ByteBuffer, form: Bool = false) -> Request {
    var head = HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: target)
    if form { head.headerFields[.contentType] = "application/x-www-form-urlencoded" }
    head.headerFields[.contentLength] = String(body.readableBytes)
    return Request(head: head, body: RequestBody(buffer: body))
}

/// The response's status and its whole body.
func exchange(_ handler: Handler, _ req: Request) async throws -> (Int, ByteBuffer) {
    let response = await handler.respond(to: req)
    let collector = Collector()
    try await response.body.write(collector)
    return (response.status.code, collector.buffer)
}

final class Collector: ResponseBodyWriter, @unchecked Sendable {
    var buffer = ByteBuffer()
    func write(_ buffer: ByteBuffer) async throws { var b = buffer; self.buffer.writeBuffer(&b) }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

let directory = NSTemporaryDirectory() + "query-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: directory) }
var config = Config.embeddedDefault(directory: directory)
config.http.logEnabled = false
config.data.queryLogEnabled = false
let server = Server(config: config)
_ = await server.store.open()
let handler = server.handler

let (status, _) = try await exchange(handler, request(.post, "/query", body: ByteBuffer(string: formBody("CREATE DATABASE benchmark")), form: true))
precondition(status == 200)
let lines = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: UInt8(ascii: "\n"))
let loadStart = DispatchTime.now().uptimeNanoseconds
for start in stride(from: 0, to: lines.count, by: 5000) {
    var body = ByteBuffer()
    for line in lines[start..<min(start + 5000, lines.count)] { body.writeBytes(line); body.writeInteger(UInt8(ascii: "\n")) }
    let (code, text) = try await exchange(handler, request(.post, "/write?db=benchmark", body: body))
    precondition(code == 204, String(buffer: text))
    // The daemon's engines are maintained once a second while it loads (about 15 batches).
    if start / 5000 % 15 == 14 { for shard in server.store.openShards { try shard.engine.maintain() } }
}
let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9
print(String(format: "loaded %d lines in %.1f s (in process, %@)", lines.count, loadSeconds, Allocator.description))
// By default the store is left as the daemon's is after such a load (recent points still in
// the cache, as 1.x also keeps them until the cache is cold); with QUERY_BENCH_COMPACTED=1 the
// caches are snapshotted and compacted until the engines have nothing left to do.
if ProcessInfo.processInfo.environment["QUERY_BENCH_COMPACTED"] == "1" {
    for _ in 0..<20 { for shard in server.store.openShards { try shard.engine.maintain(now: .max) } }
} else {
    for shard in server.store.openShards { try shard.engine.maintain() }
}

/// With QUERY_BENCH_COLD=1 the caches are flushed between queries (as a client and the
/// kernel running between a server's requests do), for the cold-cache figure.
let coldCaches = ProcessInfo.processInfo.environment["QUERY_BENCH_COLD"] == "1"
nonisolated(unsafe) var thrashBuffer = [UInt8](repeating: 1, count: 8 << 20)
func thrash() {
    thrashBuffer.withUnsafeMutableBufferPointer { b in
        for i in stride(from: 0, to: b.count, by: 64) { b[i] &+= 1 }
    }
}

for sub in ["data", "wal"] {
    let root = directory + "/" + sub
    let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".tsm") || $0.hasSuffix(".wal") }
    let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: root + "/" + $1)[.size] as? Int) ?? 0) }
    print("\(sub): \(files.count) files, \(bytes / 1000) kB")
}

// Off the main actor, as a connection's task runs in the daemon: a hop to and from the main
// thread per query would otherwise be measured too.
try await Task.detached { try await measure(handler) }.value

func measure(_ handler: Handler) async throws {
    print("query".padding(toLength: 24, withPad: " ", startingAt: 0) + "      p50 µs     mean µs   runs   bytes")
    for (name, text) in queries where filter.isEmpty || name.contains(filter) {
        let body = formBody(text)
        let (code, first) = try await exchange(handler, request(.post, "/query?db=benchmark", body: ByteBuffer(string: body), form: true))
        precondition(code == 200, String(buffer: first))
        var times: [Double] = []
        let began = DispatchTime.now().uptimeNanoseconds
        while Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9 < seconds || times.count < 5 {
            if coldCaches { thrash() }
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try await exchange(handler, request(.post, "/query?db=benchmark", body: ByteBuffer(string: body), form: true))
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3)
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        print(name.padding(toLength: 24, withPad: " ", startingAt: 0)
              + String(format: " %11.1f %11.1f %6d %7d", times[times.count / 2], mean, times.count, first.readableBytes))
    }
}
