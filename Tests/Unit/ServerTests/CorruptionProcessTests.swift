import Foundation
import SundialTestSupport
import Testing
import TSM

/// The rows of Spec/corruption.md, each run against the real daemons: a server writes two
/// databases (two TSM files and a WAL tail each), stops, one file of `db0` is damaged, and the
/// server starts again. What it then answers, writes and logs is checked for sundiald, and —
/// where Debian's influxd 1.6.7 is installed — for influxd, so the table's 1.x column is
/// checked too.
@Suite(.serialized) struct CorruptionProcessTests {
    static var sundialAvailable: Bool { FileManager.default.fileExists(atPath: DaemonProcessTests.binary.path) }

    /// db0's `count(v)`: a number of points, no series at all, or an error (a part of its text).
    enum Answer: Sendable, Equatable, CustomStringConvertible {
        case points(Int)
        case none
        case error(String)

        var description: String {
            switch self {
            case .points(let n): "\(n) points"
            case .none: "no series"
            case .error(let e): "error \(e)"
            }
        }
    }

    /// What one server does on the start after the damage.
    struct Outcome: Sendable {
        /// db0's count right after the start (10,100 points were written).
        var count: Answer
        /// The status of a write of one point to db0's shard, and a part of its error.
        var write = 204
        var writeError: String? = nil
        /// db0's count after that write.
        var countAfterWrite: Answer
        /// Parts of the log of the start and the write.
        var log: [String] = []
        /// Whether the damaged TSM file was renamed `<name>.bad`.
        var setAside = false
        /// A part of the error the server stops with, instead of starting.
        var refusesToStart: String? = nil

        static func refuses(_ error: String) -> Outcome {
            Outcome(count: .none, countAfterWrite: .none, refusesToStart: error)
        }
    }

    /// The files of the stopped server: db0's shard, its WAL directory and meta.db.
    struct Files: Sendable {
        let shard: String
        let wal: String
        let meta: String
        /// db0's TSM files, oldest first (there are two).
        let tsm: [String]
        var oldest: String { tsm[0] }
        var walSegment: String {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: wal)) ?? []
            return wal + "/" + (names.filter { $0.hasSuffix(".wal") }.sorted().last ?? "")
        }
    }

    struct Row: Sendable, CustomStringConvertible {
        let description: String
        let damage: @Sendable (Files) throws -> Void
        let sundial: Outcome
        let influxd: Outcome
    }

    // MARK: Damages

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func put(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
    static func indexStart(_ b: [UInt8]) -> Int { b[(b.count - 8)...].reduce(0) { $0 << 8 | Int($1) } }

    /// A sound version-4 tombstone file for the oldest file, deleting every point of nine series.
    static func tombstone(_ files: Files) throws -> String {
        let path = TombstoneFile.path(forTSM: files.oldest)
        try TombstoneFile.append((1...9).map { Tombstone(key: Array("m,host=h\($0)#!~#v".utf8), min: .min, max: .max) }, to: path)
        return path
    }

    /// Sundial's outcome for a TSM file it sets aside: the shard opens at once without it.
    static func sundialSetsAside(_ error: String) -> Outcome {
        Outcome(count: .points(5_100), countAfterWrite: .points(5_101), log: ["Cannot read corrupt tsm file, renaming", error], setAside: true)
    }

    /// influxd's: the file is renamed but the shard fails this start; the first write opens it
    /// again, without the file.
    static func influxdSetsAside(_ error: String) -> Outcome {
        Outcome(count: .none, countAfterWrite: .points(5_101),
                log: ["Cannot read corrupt tsm file, renaming", error, "Failed to open shard", "db_shard_id=1"], setAside: true)
    }

    static let unchanged = Outcome(count: .points(10_100), countAfterWrite: .points(10_101))

    static func rebuildsFields(_ error: String) -> Outcome {
        Outcome(count: .points(10_100), countAfterWrite: .points(10_101), log: ["error opening fields.idx: \(error).  Rebuilding."])
    }

    static let rows: [Row] = [
        Row(description: "TSM file emptied", damage: { try put([], $0.oldest) },
            sundial: sundialSetsAside("init: error reading magic number of file: EOF"),
            influxd: influxdSetsAside("init: error reading magic number of file: EOF")),
        Row(description: "TSM file cut in half", damage: { try put(Array(try bytes($0.oldest).prefix(try bytes($0.oldest).count / 2)), $0.oldest) },
            sundial: sundialSetsAside("mmapAccessor: invalid indexStart"),
            influxd: influxdSetsAside("mmapAccessor: invalid indexStart")),
        Row(description: "TSM magic number overwritten", damage: { f in
            var b = try bytes(f.oldest)
            b.replaceSubrange(0..<4, with: [0xDE, 0xAD, 0xBE, 0xEF])
            try put(b, f.oldest)
        }, sundial: sundialSetsAside("can only read from tsm file"), influxd: influxdSetsAside("can only read from tsm file")),
        Row(description: "TSM version 7", damage: { f in
            var b = try bytes(f.oldest)
            b[4] = 7
            try put(b, f.oldest)
        }, sundial: sundialSetsAside("init: file is version 111. expected 1"), influxd: influxdSetsAside("init: file is version 111. expected 1")),
        Row(description: "TSM index overwritten with 0xFF", damage: { f in
            var b = try bytes(f.oldest)
            for i in (indexStart(b) + 10)..<(b.count - 8) { b[i] = 0xFF }
            try put(b, f.oldest)
        }, sundial: sundialSetsAside("index: unknown block type 255"), influxd: influxdSetsAside("indirectIndex: not enough data for max time")),
        Row(description: "TSM index offset past the end", damage: { f in
            var b = try bytes(f.oldest)
            b.replaceSubrange((b.count - 8)..., with: withUnsafeBytes(of: UInt64(b.count + 1000).bigEndian, Array.init))
            try put(b, f.oldest)
        }, sundial: sundialSetsAside("mmapAccessor: invalid indexStart"), influxd: influxdSetsAside("mmapAccessor: invalid indexStart")),
        // 1.x does not check block offsets at open: it skips the series' blocks when reading,
        // silently (one block of 1,000 points of host h0 here).
        Row(description: "TSM index entry pointing past the blocks", damage: { f in
            var b = try bytes(f.oldest)
            let entry = indexStart(b) + 2 + Int(b[indexStart(b)]) << 8 + Int(b[indexStart(b) + 1]) + 3
            b.replaceSubrange((entry + 16)..<(entry + 24), with: withUnsafeBytes(of: Int64(b.count * 4).bigEndian, Array.init))
            try put(b, f.oldest)
        }, sundial: sundialSetsAside("index: block at offset"),
            influxd: Outcome(count: .points(9_100), countAfterWrite: .points(9_101))),
        // Not seen at open by either server (no block is read then): a query reading the block
        // fails in Sundial; 1.x's cursor silently drops the series' blocks in every file.
        Row(description: "TSM block byte flipped (CRC mismatch)", damage: { f in
            var b = try bytes(f.oldest)
            b[20] ^= 0xFF
            try put(b, f.oldest)
        }, sundial: Outcome(count: .error("checksum mismatch"), countAfterWrite: .error("checksum mismatch")),
            influxd: Outcome(count: .points(9_100), countAfterWrite: .points(9_101))),
        Row(description: "tombstone: garbage after the v4 header", damage: { f in
            try put([0, 0, 0x15, 0x04] + Array("garbage garbage".utf8), TombstoneFile.path(forTSM: f.oldest))
        }, sundial: sundialSetsAside("init: read tombstones: gzip: invalid header"),
            influxd: influxdSetsAside("init: read tombstones: gzip: invalid header")),
        Row(description: "tombstone: cut in half", damage: { f in
            let path = try tombstone(f)
            try put(Array(try bytes(path).prefix(try bytes(path).count / 2)), path)
        }, sundial: sundialSetsAside("init: read tombstones: unexpected EOF"),
            influxd: influxdSetsAside("init: read tombstones: unexpected EOF")),
        Row(description: "tombstone: gzip checksum flipped", damage: { f in
            let path = try tombstone(f)
            var b = try bytes(path)
            b[b.count - 6] ^= 0xFF
            try put(b, path)
        }, sundial: sundialSetsAside("init: read tombstones: gzip: invalid checksum"),
            influxd: influxdSetsAside("init: read tombstones: gzip: invalid checksum")),
        // Without a known header a tombstone file is version 1: deleted keys, one a line.
        Row(description: "tombstone: text without a header", damage: { f in
            try put(Array("not a key\nanother\n".utf8), TombstoneFile.path(forTSM: f.oldest))
        }, sundial: unchanged, influxd: unchanged),
        Row(description: "fields.idx garbage", damage: { try put(Array("this is not a fields index".utf8), $0.shard + "/fields.idx") },
            sundial: rebuildsFields("unknown field index format"), influxd: rebuildsFields("unknown field index format")),
        Row(description: "fields.idx cut short", damage: { f in
            let b = try bytes(f.shard + "/fields.idx")
            try put(Array(b.prefix(b.count - 3)), f.shard + "/fields.idx")
        }, sundial: rebuildsFields("unexpected EOF"), influxd: rebuildsFields("unexpected EOF")),
        Row(description: "fields.idx empty", damage: { try put([], $0.shard + "/fields.idx") },
            sundial: rebuildsFields("EOF"), influxd: rebuildsFields("EOF")),
        // The shard cannot save the rebuilt index: it fails to open, and so does every write's
        // attempt to open it again; db1 answers all along.
        Row(description: "fields.idx a directory", damage: { f in
            try FileManager.default.removeItem(atPath: f.shard + "/fields.idx")
            try FileManager.default.createDirectory(atPath: f.shard + "/fields.idx", withIntermediateDirectories: false)
        }, sundial: Outcome(count: .none, write: 500, writeError: "[shard 1] rename ", countAfterWrite: .none,
                            log: ["error opening fields.idx: read ", "is a directory.  Rebuilding.", "Failed to open shard", "db_shard_id=1"]),
            influxd: Outcome(count: .none, write: 500, writeError: "[shard 1] rename ", countAfterWrite: .none,
                             log: ["error opening fields.idx: read ", "is a directory.  Rebuilding.", "Failed to open shard", "db_shard_id=1"])),
        Row(description: "WAL segment cut inside its last entry", damage: { f in
            let segment = f.walSegment
            try put(Array(try bytes(segment).dropLast(10)), segment)
        }, sundial: Outcome(count: .points(10_000), countAfterWrite: .points(10_001), log: ["File corrupt", "unexpected EOF", "pos="]),
            influxd: Outcome(count: .points(10_000), countAfterWrite: .points(10_001), log: ["File corrupt", "unexpected EOF", "pos="])),
        Row(description: "WAL segment with garbage after its entries", damage: { f in
            let segment = f.walSegment
            try put(try bytes(segment) + [1, 0xFF, 0xFF, 0xFF, 0xF0] + Array("garbage".utf8), segment)
        }, sundial: Outcome(count: .points(10_100), countAfterWrite: .points(10_101), log: ["File corrupt", "unexpected EOF", "pos="]),
            influxd: Outcome(count: .points(10_100), countAfterWrite: .points(10_101), log: ["File corrupt", "unexpected EOF", "pos="])),
        Row(description: "WAL directory replaced by a file", damage: { f in
            try FileManager.default.removeItem(atPath: f.wal)
            try put(Array("x".utf8), f.wal)
        }, sundial: Outcome(count: .none, write: 500, writeError: "not a directory", countAfterWrite: .none,
                            log: ["Failed to open shard", "db_shard_id=1", "mkdir ", "not a directory"]),
            influxd: Outcome(count: .none, write: 500, writeError: "not a directory", countAfterWrite: .none,
                             log: ["Failed to open shard", "db_shard_id=1", "mkdir ", "not a directory"])),
        Row(description: "meta.db garbage", damage: { try put([0xFF, 0xFE] + Array(" garbage meta".utf8), $0.meta) },
            sundial: .refuses("meta.db: malformedProtobuf"), influxd: .refuses("proto: can't skip unknown wire type 7")),
        Row(description: "meta.db empty", damage: { try put([], $0.meta) },
            sundial: .refuses("meta.db: missingRequiredFields"), influxd: .refuses("proto: required field \"MaxShardID\" not set")),
        Row(description: "meta.db cut in half", damage: { f in try put(Array(try bytes(f.meta).prefix(try bytes(f.meta).count / 2)), f.meta) },
            sundial: .refuses("meta.db: truncated"), influxd: .refuses("unexpected EOF")),
    ]

    // MARK: Running a row

    /// sundiald or influxd on `dir` with one influxdb.conf: 16 KiB cache snapshots, info logs
    /// kept in `dir/log-<port>.txt`, the monitor's store off.
    struct Daemon {
        let process: Process
        let port: Int
        let log: URL

        /// Starts `binary`; returns nil with its log when it exits before answering /ping.
        static func start(_ binary: URL, dir: URL) async throws -> (Daemon?, String) {
            let port = DaemonProcessTests.freePort()
            let config = dir.appendingPathComponent("influxdb-\(port).conf")
            try """
            reporting-disabled = true
            bind-address = "127.0.0.1:0"
            [meta]
              dir = "\(dir.path)/meta"
            [data]
              dir = "\(dir.path)/data"
              wal-dir = "\(dir.path)/wal"
              query-log-enabled = false
              cache-snapshot-memory-size = 16384
            [monitor]
              store-enabled = false
            [http]
              bind-address = "127.0.0.1:\(port)"
              log-enabled = false
            [logging]
              level = "info"
            """.write(to: config, atomically: true, encoding: .utf8)
            let log = dir.appendingPathComponent("log-\(port).txt")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = binary
            process.arguments = ["run", "-config", config.path]
            process.currentDirectoryURL = dir
            process.environment = DaemonProcessTests.environment.merging(["INFLUXDB_MONITOR_STORE_ENABLED": "false"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            for _ in 0..<600 where process.isRunning {
                if (try? await DaemonProcessTests.pingStatus(port: port)) == 204 { return (Daemon(process: process, port: port, log: log), "") }
                try await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try await offPool { process.waitUntilExit() }
            return (nil, String(decoding: try Data(contentsOf: log), as: UTF8.self))
        }

        func post(_ target: String, _ body: String, form: Bool = false) async throws -> (Int, String) {
            let (status, bytes) = try await CrashLoopTests.post(port, target, body, form: form)
            return (status, String(decoding: bytes, as: UTF8.self))
        }

        func count(_ db: String) async throws -> Answer {
            let (_, body) = try await post("/query?db=\(db)", "SELECT count(v) FROM m", form: true)
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let result = (json?["results"] as? [[String: Any]])?.first
            if let error = result?["error"] as? String { return .error(error) }
            guard let series = (result?["series"] as? [[String: Any]])?.first,
                  let row = (series["values"] as? [[Any]])?.first, let n = row.last as? NSNumber else { return .none }
            return .points(n.intValue)
        }

        /// Stops it with SIGTERM; everything it logged.
        func stop() async throws -> String {
            kill(process.processIdentifier, SIGTERM)
            let process = self.process
            try await offPool { process.waitUntilExit() }
            return String(decoding: try Data(contentsOf: log), as: UTF8.self)
        }
    }

    static let t0: Int64 = 1_600_000_000_000_000_000

    static func lines(_ range: Range<Int>) -> String {
        range.map { "m,host=h\($0 % 10) v=\($0)i \(t0 + Int64($0) * 1_000_000_000)" }.joined(separator: "\n")
    }

    static func tsmFiles(_ dir: URL, _ db: String) -> [String] {
        let root = dir.path + "/data/\(db)/autogen"
        let shards = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return shards.flatMap { shard in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + shard)) ?? []).filter { $0.hasSuffix(".tsm") }.map { root + "/" + shard + "/" + $0 }
        }.sorted()
    }

    /// Writes db0 and db1 with `binary` (per database: 5,000 points, a snapshot, 5,000 more, a
    /// snapshot, 100 in the WAL) and stops it.
    static func populate(_ binary: URL, dir: URL) async throws {
        let (started, log) = try await Daemon.start(binary, dir: dir)
        let daemon = try #require(started, "\(log)")
        for db in ["db0", "db1"] { _ = try await daemon.post("/query", "CREATE DATABASE \(db)", form: true) }
        for round in 0..<2 {
            for db in ["db0", "db1"] {
                let (status, body) = try await daemon.post("/write?db=\(db)", lines((round * 5_000)..<((round + 1) * 5_000)))
                #expect(status == 204, "\(body)")
            }
            for _ in 0..<600 where !["db0", "db1"].allSatisfy({ tsmFiles(dir, $0).count > round }) {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        for db in ["db0", "db1"] { _ = try await daemon.post("/write?db=\(db)", lines(10_000..<10_100)) }
        _ = try await daemon.stop()
        try #require(tsmFiles(dir, "db0").count == 2 && tsmFiles(dir, "db1").count == 2, "\(tsmFiles(dir, "db0")) \(tsmFiles(dir, "db1"))")
    }

    /// Each server's written and stopped directory, made once and copied for every row.
    actor Pristine {
        static let shared = Pristine()
        private var made: [String: URL] = [:]

        func copy(for binary: URL, to dir: URL) async throws {
            let source: URL
            if let existing = made[binary.path] {
                source = existing
            } else {
                // Kept for the run (two small directories); those of runs over a day old go here.
                let temporary = FileManager.default.temporaryDirectory
                for old in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] where old.hasPrefix("sundial-corrupt-pristine-") {
                    let path = temporary.appendingPathComponent(old).path
                    let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date
                    if let modified, modified.timeIntervalSinceNow < -86_400 { try? FileManager.default.removeItem(atPath: path) }
                }
                source = temporary.appendingPathComponent("sundial-corrupt-pristine-\(UUID())")
                try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
                try await populate(binary, dir: source)
                made[binary.path] = source
            }
            try await offPool {
                for name in ["data", "wal", "meta"] {
                    try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
                }
            }
        }
    }

    /// Copies the populated directory, damages it, starts the server again and checks `expected`.
    static func check(_ row: Row, _ binary: URL, _ expected: Outcome) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-corrupt-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await Pristine.shared.copy(for: binary, to: dir)
        let tsm = tsmFiles(dir, "db0")
        let shard = URL(fileURLWithPath: tsm[0]).deletingLastPathComponent().path
        let files = Files(shard: shard, wal: dir.path + "/wal/db0/autogen/" + URL(fileURLWithPath: shard).lastPathComponent,
                          meta: dir.path + "/meta/meta.db", tsm: tsm)
        try row.damage(files)

        let name = binary.lastPathComponent
        let (started, startLog) = try await Daemon.start(binary, dir: dir)
        guard let daemon = started else {
            #expect(expected.refusesToStart != nil, "\(name) did not start: \(startLog)")
            if let error = expected.refusesToStart { #expect(startLog.contains(error), "\(name): \(startLog)") }
            return
        }
        #expect(expected.refusesToStart == nil, "\(name) started")
        let count = try await daemon.count("db0")
        let (status, body) = try await daemon.post("/write?db=db0", "m,host=x v=1i \(t0)")
        let after = try await daemon.count("db0")
        // Every other database answers in full, and takes writes.
        let other = try await daemon.count("db1")
        let (otherStatus, _) = try await daemon.post("/write?db=db1", "m,host=x v=1i \(t0)")
        let log = try await daemon.stop()

        func matches(_ answer: Answer, _ wanted: Answer) -> Bool {
            if case .error(let e) = answer, case .error(let part) = wanted { return e.contains(part) }
            return answer == wanted
        }
        #expect(matches(count, expected.count), "\(name): count \(count), expected \(expected.count)")
        #expect(status == expected.write, "\(name): write \(status) \(body)")
        if let part = expected.writeError { #expect(body.contains(part), "\(name): \(body)") }
        #expect(matches(after, expected.countAfterWrite), "\(name): count after the write \(after), expected \(expected.countAfterWrite)")
        for part in expected.log { #expect(log.contains(part), "\(name) log lacks \(part): \(log)") }
        #expect(FileManager.default.fileExists(atPath: files.oldest + ".bad") == expected.setAside, "\(name): .bad")
        #expect(other == .points(10_100), "\(name): db1 \(other)")
        #expect(otherStatus == 204, "\(name): db1 write")
    }

    @Test(.enabled(if: sundialAvailable), arguments: rows)
    func sundiald(_ row: Row) async throws {
        try await Self.check(row, DaemonProcessTests.binary, row.sundial)
    }

    /// The 1.x column of the table, checked against influxd 1.6.7 itself.
    @Test(.enabled(if: InfluxdCrossCheckTests.available), arguments: rows)
    func influxd(_ row: Row) async throws {
        try await Self.check(row, InfluxdCrossCheckTests.influxd, row.influxd)
    }
}
