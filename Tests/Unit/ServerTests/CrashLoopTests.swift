import Foundation
import Synchronization
import SundialTestSupport
import Testing

/// `kill -9` of the real daemon at random moments, again and again, while writers write and
/// the engine snapshots and compacts all the time (a 64 KiB `cache-snapshot-memory-size`):
/// no acknowledged point is lost, every restart opens, and the first query after the first
/// /ping answers sees every acknowledged point.
@Suite(.serialized) struct CrashLoopTests {
    static let rounds = 30

    /// A daemon on `dir` with the crash loop's settings.
    static func start(in dir: URL) async throws -> (Process, Int) {
        // A free port can be taken by another test's server before the daemon binds it: the
        // daemon then exits with "Address already in use", and a new port is tried.
        for attempt in 1...3 {
            do {
                return try await startOnce(in: dir)
            } catch let failure as RawHTTPClient.Failure where attempt < 3 && failure.description.contains("Address already in use") {
                continue
            }
        }
        throw RawHTTPClient.Failure(description: "unreachable")
    }

    static func startOnce(in dir: URL) async throws -> (Process, Int) {
        let port = DaemonProcessTests.freePort()
        let process = Process()
        process.executableURL = DaemonProcessTests.binary
        process.arguments = ["run"]
        process.currentDirectoryURL = dir
        process.environment = DaemonProcessTests.environment.merging([
            "INFLUXDB_HTTP_BIND_ADDRESS": "127.0.0.1:\(port)",
            "INFLUXDB_MONITOR_STORE_ENABLED": "false",
            "INFLUXDB_DATA_CACHE_SNAPSHOT_MEMORY_SIZE": "65536",
            "INFLUXDB_DATA_COMPACT_THROUGHPUT": "0",
        ]) { $1 }
        let logPath = dir.appendingPathComponent("daemon.log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        logFile.seekToEndOfFile()
        process.standardError = logFile
        process.standardOutput = logFile
        try process.run()
        // Generous: a debug daemon replaying its WAL shares two cores with the rest of the suite.
        for _ in 0..<1200 where process.isRunning {
            if (try? await DaemonProcessTests.pingStatus(port: port)) == 204 { return (process, port) }
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let log = String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
        throw RawHTTPClient.Failure(description: "the daemon did not answer /ping (exit: \(process.isRunning ? "none" : "\(process.terminationStatus)")): \(log.suffix(2000))")
    }

    static func post(_ port: Int, _ target: String, _ body: String, form: Bool = false) async throws -> (Int, [UInt8]) {
        let headers = form ? [["Content-Type", "application/x-www-form-urlencoded"]] : []
        let bytes = Array((form ? "q=" + (body.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") : body).utf8)
        let response = try await RawHTTPClient.send(RawHTTPClient.encode(method: "POST", target: target, headers: headers, body: bytes, chunked: false, port: port),
                                                    port: port, isHead: false)
        return (response.status, response.body)
    }

    /// Every `v` stored (`v` is each point's id).
    static func storedIDs(_ port: Int) async throws -> Set<Int64> {
        let (status, body) = try await post(port, "/query?db=db0&epoch=ns", "SELECT v FROM m", form: true)
        #expect(status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        let series = ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
        var ids = Set<Int64>()
        for s in series {
            for row in s["values"] as? [[Any]] ?? [] { if let v = row[1] as? NSNumber { ids.insert(v.int64Value) } }
        }
        return ids
    }

    /// The point with id `n`: even ids in one week, odd ids two weeks later (two shards).
    static func line(_ n: Int64) -> String {
        let base: Int64 = n % 2 == 0 ? 1_600_000_000 : 1_601_300_000
        return "m,w=\(n % 3) v=\(n)i \((base + n) * 1_000_000_000)"
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path)))
    func acknowledgedPointsSurviveRepeatedKills() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-crashloop-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var random = SeededRandom(seed: 15)
        let ledger = Ledger()
        for round in 0...Self.rounds {
            let (process, port) = try await Self.start(in: dir)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            if round == 0 {
                #expect(try await Self.post(port, "/query", "CREATE DATABASE db0", form: true).0 == 200)
            } else {
                // The first query after /ping answers: everything acknowledged is there.
                let stored = try await Self.storedIDs(port)
                let missing = ledger.acknowledged.withLock { $0.subtracting(stored) }
                #expect(missing.isEmpty, "round \(round): \(missing.count) acknowledged points missing")
            }
            if round == Self.rounds {
                kill(process.processIdentifier, SIGTERM)
                try await offPool { process.waitUntilExit() }
                break
            }
            // Writers until the kill, which comes at a random moment.
            let writers = (0..<3).map { _ in
                Task.detached {
                    while !Task.isCancelled {
                        let ids = (0..<200).map { _ in ledger.next.add(1, ordering: .relaxed).oldValue }
                        guard let (status, _) = try? await Self.post(port, "/write?db=db0", ids.map(Self.line).joined(separator: "\n")) else { return }
                        if status == 204 { ledger.acknowledged.withLock { $0.formUnion(ids) } }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(Int(random.next() % 900) + 100))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            for writer in writers { writer.cancel() }
            for writer in writers { await writer.value }
            #expect(process.terminationReason == .uncaughtSignal)
        }
        // The kills found snapshots and compactions at work: TSM files of several levels.
        let shards = dir.appendingPathComponent("sundial-data/data/db0/autogen")
        let files = try FileManager.default.subpathsOfDirectory(atPath: shards.path).filter { $0.hasSuffix(".tsm") }
        #expect(files.count >= 2)
        #expect(files.contains { !$0.hasSuffix("-000000001.tsm") })
        #expect(ledger.acknowledged.withLock { $0.count } > Self.rounds * 200)
    }

    /// Point ids handed out, and those the daemon acknowledged.
    final class Ledger: Sendable {
        let next = Atomic<Int64>(0)
        let acknowledged = Mutex(Set<Int64>())
    }
}
