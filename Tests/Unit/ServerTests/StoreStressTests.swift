import Foundation
import Logging
import Meta
import Server
import Synchronization
import SundialTestSupport
import Testing

/// Writers, queries, cache snapshots, compactions, DELETE, DROP SERIES, DROP MEASUREMENT and
/// DROP DATABASE all at once on one server with background snapshots and compactions (a
/// 32 KiB `cache-snapshot-memory-size`), for a bounded time, checked against a model: a
/// point acknowledged before every delete that covers it started must be there; a point
/// acknowledged before a delete covering it started must be gone; points whose write
/// overlapped such a delete may be either.
@Suite(.serialized) struct StoreStressTests {
    static let databases = ["db0", "db1"]
    static let measurements = ["m0", "m1", "m2"]
    static let seriesCount = 5
    static let seconds = 8.0

    /// What a delete removed: its scope and when it ran.
    struct Delete: Sendable {
        enum Scope: Sendable {
            case database(String)
            case measurement(String, String)
            case series(String, String, Int)
            case before(String, String, Int, Int64)
        }
        var scope: Scope
        var began: UInt64
        var ended: UInt64

        func covers(_ p: Write, time: Int64) -> Bool {
            switch scope {
            case .database(let db): db == p.database
            case .measurement(let db, let m): db == p.database && m == p.measurement
            case .series(let db, let m, let s): db == p.database && m == p.measurement && s == p.series
            case .before(let db, let m, let s, let t): db == p.database && m == p.measurement && s == p.series && time < t
            }
        }
    }

    /// One acknowledged write of one series.
    struct Write: Sendable {
        var database: String
        var measurement: String
        var series: Int
        var times: [Int64]
        var began: UInt64
        var ended: UInt64
    }

    final class Log: Sendable {
        let writes = Mutex<[Write]>([])
        let deletes = Mutex<[Delete]>([])
        let failures = Mutex<[String]>([])
        /// Writes to db1 refused, with the answer.
        let refused = Mutex<[(Write, String)]>([])
        /// The next time of each database/measurement/series (times only grow).
        let clock = Mutex<[String: Int64]>([:])
        func fail(_ what: String) { failures.withLock { $0.append(what) } }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// The run lasts `seconds`, and on a loaded machine longer, until enough writes and deletes
    /// have overlapped to make the check meaningful (at most 20× as long).
    struct Deadline: Sendable {
        let log: Log
        let at: UInt64
        var passed: Bool {
            let t = StoreStressTests.now()
            if t >= at + 19 * UInt64(StoreStressTests.seconds * 1e9) { return true }
            guard t >= at else { return false }
            return log.writes.withLock { $0.count } > 50 && log.deletes.withLock { $0.count } > 10
        }
    }

    @Test func concurrentWritesQueriesAndDeletesAgreeWithTheModel() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-stress-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = Config()
        config.data.dir = root + "/data"
        config.data.walDir = root + "/wal"
        config.data.cacheSnapshotMemorySize = ByteSize(bytes: 32 << 10)
        config.data.compactThroughput = ByteSize(bytes: 0)
        let server = Server(config: config, meta: MetaClient(), logger: Logger(label: "stress"), background: true)
        for db in Self.databases { try await server.meta.createDatabase(db) }
        let log = Log()
        try await server.withHTTPServer { port in
            let deadline = Deadline(log: log, at: Self.now() + UInt64(Self.seconds * 1e9))
            await withTaskGroup(of: Void.self) { group in
                for w in 0..<3 {
                    group.addTask { await Self.writer(w, port: port, log: log, until: deadline) }
                }
                group.addTask { await Self.deleter(port: port, log: log, until: deadline) }
                group.addTask { await Self.reader(port: port, log: log, until: deadline) }
            }
            #expect(log.failures.withLock { $0 } == [])
            let writes = log.writes.withLock { $0 }
            let deletes = log.deletes.withLock { $0 }
            #expect(writes.count > 50)
            #expect(deletes.count > 10)
            // A write to db1 may be refused only while db1 is dropped and created again.
            for (write, answer) in log.refused.withLock({ $0 }) {
                let dropped = deletes.contains { d in
                    guard case .database = d.scope else { return false }
                    return d.began <= write.ended && d.ended >= write.began
                }
                #expect(dropped, "write to db1 refused outside a DROP DATABASE: \(answer)")
            }
            for db in Self.databases {
                for m in Self.measurements {
                    for s in 0..<Self.seriesCount {
                        let stored = try await Self.times(port: port, db, m, s)
                        var mustHave = Set<Int64>(), mustNotHave = Set<Int64>(), written = Set<Int64>()
                        for w in writes where w.database == db && w.measurement == m && w.series == s {
                            for t in w.times {
                                written.insert(t)
                                let covering = deletes.filter { $0.covers(w, time: t) }
                                if covering.allSatisfy({ $0.ended < w.began }) { mustHave.insert(t) }
                                if covering.contains(where: { $0.began > w.ended }) { mustNotHave.insert(t) }
                            }
                        }
                        #expect(mustHave.subtracting(stored).isEmpty, "\(db) \(m) s=\(s): \(mustHave.subtracting(stored).count) acknowledged points missing")
                        let back = stored.intersection(mustNotHave)
                        #expect(back.isEmpty, "\(db) \(m) s=\(s): \(back.count) deleted points back: \(Self.explain(back.min() ?? 0, db, m, s, writes, deletes))")
                        #expect(stored.subtracting(written).isEmpty, "\(db) \(m) s=\(s): points nobody acknowledged")
                    }
                }
            }
        }
        await server.close()
    }

    /// Which write stored `time` and which deletes cover it, for a failure message.
    static func explain(_ time: Int64, _ db: String, _ m: String, _ s: Int, _ writes: [Write], _ deletes: [Delete]) -> String {
        guard let w = writes.first(where: { $0.database == db && $0.measurement == m && $0.series == s && $0.times.contains(time) }) else { return "no write" }
        let covering = deletes.filter { $0.covers(w, time: time) }.map { "\($0.scope) [\(Int64($0.began) - Int64(w.began)), \(Int64($0.ended) - Int64(w.began))]" }
        return "write [0, \(w.ended - w.began)] ns; deletes: \(covering)"
    }

    static func post(_ port: Int, _ target: String, _ body: String, form: Bool = false) async -> (Int, String) {
        guard let (status, body) = try? await CrashLoopTests.post(port, target, body, form: form) else { return (0, "no answer") }
        return (status, String(decoding: body, as: UTF8.self))
    }

    static func writer(_ w: Int, port: Int, log: Log, until deadline: Deadline) async {
        var random = SeededRandom(seed: UInt64(100 + w))
        while !deadline.passed {
            let db = databases[Int(random.next() % 2)], m = measurements[Int(random.next() % 3)], s = Int(random.next() % UInt64(seriesCount))
            let key = "\(db)/\(m)/\(s)"
            let times: [Int64] = log.clock.withLock { clock in
                let first = clock[key, default: 1_600_000_000]
                clock[key] = first + 40
                return (0..<40).map { first + $0 }
            }
            let body = times.map { "\(m),s=\(s) v=\($0)i \($0 * 1_000_000_000)" }.joined(separator: "\n")
            let began = now()
            let (status, text) = await post(port, "/write?db=\(db)", body)
            let ended = now()
            let write = Write(database: db, measurement: m, series: s, times: times.map { $0 * 1_000_000_000 }, began: began, ended: ended)
            if status == 204 {
                log.writes.withLock { $0.append(write) }
            } else if db == "db1" {
                log.refused.withLock { $0.append((write, "\(status) \(text)")) }  // fine if DROP DATABASE db1 ran meanwhile
            } else {
                log.fail("write \(key): \(status) \(text)")
            }
        }
    }

    static func deleter(port: Int, log: Log, until deadline: Deadline) async {
        var random = SeededRandom(seed: 7)
        var round = 0
        while !deadline.passed {
            try? await Task.sleep(for: .milliseconds(60))
            round += 1
            let db = databases[Int(random.next() % 2)], m = measurements[Int(random.next() % 3)], s = Int(random.next() % UInt64(seriesCount))
            let began = now()
            let scope: Delete.Scope
            let statements: [String]
            switch round % 10 {
            case 9 where db == "db1":
                scope = .database(db)
                statements = ["DROP DATABASE db1", "CREATE DATABASE db1"]
            case 3, 7:
                scope = .measurement(db, m)
                statements = ["DROP MEASUREMENT \(m)"]
            case 0, 5:
                scope = .series(db, m, s)
                statements = ["DROP SERIES FROM \(m) WHERE s = '\(s)'"]
            default:
                let cut = log.clock.withLock { $0["\(db)/\(m)/\(s)", default: 1_600_000_000] } - Int64(random.next() % 60)
                scope = .before(db, m, s, cut * 1_000_000_000)
                statements = ["DELETE FROM \(m) WHERE s = '\(s)' AND time < \(cut * 1_000_000_000)"]
            }
            for q in statements {
                let (status, text) = await post(port, "/query?db=\(db)", q, form: true)
                if status != 200 || text.contains("\"error\"") && !text.contains("database not found") { log.fail("\(q) on \(db): \(status) \(text)") }
            }
            log.deletes.withLock { $0.append(Delete(scope: scope, began: began, ended: now())) }
        }
    }

    static func reader(port: Int, log: Log, until deadline: Deadline) async {
        while !deadline.passed {
            for m in measurements {
                let (status, text) = await post(port, "/query?db=db0", "SELECT count(v), max(v) FROM \(m)", form: true)
                if status != 200 || text.contains("\"error\"") { log.fail("read \(m): \(status) \(text)") }
            }
        }
    }

    /// The times of the series' stored points.
    static func times(port: Int, _ db: String, _ m: String, _ s: Int) async throws -> Set<Int64> {
        let (status, text) = await post(port, "/query?db=\(db)&epoch=ns", "SELECT v FROM \(m) WHERE s = '\(s)'", form: true)
        #expect(status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let series = ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
        var out = Set<Int64>()
        for row in series.first?["values"] as? [[Any]] ?? [] { out.insert((row[0] as? NSNumber)?.int64Value ?? 0) }
        return out
    }
}
