import Foundation
import SundialTestSupport
import Testing

/// Backup and restore with the real tools, both ways (Spec/backup.md): influxd 1.6.7's
/// `backup` and `restore` against Sundial's snapshotter and Sundial's own commands against
/// influxd's, each compared point for point with what was written.
@Suite(.serialized) struct BackupProcessTests {
    typealias Server = InfluxdCrossCheckTests.Server
    static let influxd = InfluxdCrossCheckTests.influxd
    static var available: Bool { InfluxdCrossCheckTests.available }

    /// A scratch directory, removed by the caller.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-backup-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `binary` with `arguments`: exit status, standard output and standard error.
    static func run(_ binary: URL, _ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        try await offPool {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            let errData = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        }
    }

    /// `sundiald backup` / `restore`, or `influxd backup` / `restore`.
    static func tool(_ binary: URL, _ command: String, _ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        try await run(binary, [command] + arguments)
    }

    /// A server on `dir` (created).
    static func start(_ binary: URL, dir: URL) async throws -> Server {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try await Server.start(binary, dir: dir)
    }

    /// The snapshotter's address of a server started by `Server.start`.
    static func snapshotter(_ server: Server) -> String { "127.0.0.1:\(server.rpcPort)" }

    /// Writes the cross-check points to db0 (3 shards of autogen) and two points to db0's
    /// second policy `rp2`; returns what each database/policy must hold.
    static func load(_ server: Server) async throws -> (autogen: Set<String>, rp2: Set<String>) {
        let (lines, expected) = InfluxdCrossCheckTests.points()
        #expect(try await server.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        #expect(try await server.post("/query", "CREATE RETENTION POLICY rp2 ON db0 DURATION 0s REPLICATION 1", form: true).0 == 200)
        for batch in stride(from: 0, to: lines.count, by: 1000) {
            #expect(try await server.post("/write?db=db0", lines[batch..<min(lines.count, batch + 1000)].joined(separator: "\n")).0 == 204)
        }
        #expect(try await server.post("/write?db=db0&rp=rp2", "mem,host=a free=1i 1600000000000000000\nmem,host=b free=2i 1600000001000000000").0 == 204)
        return (expected, ["mem|host=a|1600000000000000000|free=n:1.0", "mem|host=b|1600000001000000000|free=n:2.0"])
    }

    /// Everything in `database`'s retention policy `rp` (`contents` reads the default one).
    static func contents(_ server: Server, _ database: String, policy: String? = nil) async throws -> Set<String> {
        guard let policy else { return try await server.contents(of: database) }
        let (status, body) = try await server.post("/query?db=\(database)&epoch=ns", "SELECT * FROM \"\(policy)\"./.*/ GROUP BY *", form: true)
        #expect(status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        let series = ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
        var out = Set<String>()
        for s in series {
            let tags = (s["tags"] as? [String: String] ?? [:]).filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let columns = s["columns"] as? [String] ?? []
            for row in s["values"] as? [[Any]] ?? [] {
                let time = (row[0] as? NSNumber)?.int64Value ?? 0
                for (column, value) in zip(columns, row).dropFirst() where !(value is NSNull) {
                    out.insert("\(s["name"] as? String ?? "")|\(tags.joined(separator: ","))|\(time)|\(column)=\(Server.render(value))")
                }
            }
        }
        return out
    }

    /// Polls until `database` answers with `expected` (a restored shard reopens in the
    /// background of the restore's last request), at most 10 s.
    static func settle(_ server: Server, _ database: String, policy: String? = nil, _ expected: Set<String>) async throws -> Set<String> {
        var found: Set<String> = []
        for _ in 0..<100 {
            found = (try? await contents(server, database, policy: policy)) ?? []
            if found == expected { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return found
    }

    /// `influxd backup -portable` from Sundial, `influxd restore -portable` into the real influxd.
    @Test(.enabled(if: available))
    func influxdBacksUpSundialAndRestoresIntoInfluxd() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sundial = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("s"))
        defer { sundial.crash() }
        let expected = try await Self.load(sundial)
        let backup = try await Self.tool(Self.influxd, "backup", ["-portable", "-host", Self.snapshotter(sundial), dir.appendingPathComponent("bk").path])
        #expect(backup.status == 0, "\(backup.err)")
        #expect(backup.out.contains("backup complete:"))
        let reference = try await Self.start(Self.influxd, dir: dir.appendingPathComponent("r"))
        defer { reference.crash() }
        let restore = try await Self.tool(Self.influxd, "restore", ["-portable", "-host", Self.snapshotter(reference), dir.appendingPathComponent("bk").path])
        #expect(restore.status == 0, "\(restore.out)\(restore.err)")
        #expect(try await Self.settle(reference, "db0", expected.autogen) == expected.autogen)
        #expect(try await Self.settle(reference, "db0", policy: "rp2", expected.rp2) == expected.rp2)
    }

    /// A real influxd's portable backup restored into Sundial, with influxd's `restore` (as
    /// it is and renamed) and with `sundiald restore`, and its legacy backup with `sundiald
    /// restore -online`; a second restore of the same database is refused as 1.x refuses it.
    @Test(.enabled(if: available))
    func influxdBackupRestoresIntoSundial() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = try await Self.start(Self.influxd, dir: dir.appendingPathComponent("r"))
        defer { reference.crash() }
        let expected = try await Self.load(reference)
        let backupDir = dir.appendingPathComponent("bk").path
        let backup = try await Self.tool(Self.influxd, "backup", ["-portable", "-host", Self.snapshotter(reference), backupDir])
        #expect(backup.status == 0, "\(backup.err)")
        let sundial = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("s"))
        defer { sundial.crash() }
        let host = Self.snapshotter(sundial)

        let real = try await Self.tool(Self.influxd, "restore", ["-portable", "-host", host, backupDir])
        #expect(real.status == 0, "\(real.out)\(real.err)")
        #expect(try await Self.settle(sundial, "db0", expected.autogen) == expected.autogen)
        #expect(try await Self.settle(sundial, "db0", policy: "rp2", expected.rp2) == expected.rp2)

        let renamed = try await Self.tool(Self.influxd, "restore", ["-portable", "-host", host, "-db", "db0", "-newdb", "db1", backupDir])
        #expect(renamed.status == 0, "\(renamed.out)\(renamed.err)")
        #expect(try await Self.settle(sundial, "db1", expected.autogen) == expected.autogen)

        let ours = try await Self.tool(DaemonProcessTests.binary, "restore", ["-portable", "-host", host, "-db", "db0", "-newdb", "db2", backupDir])
        #expect(ours.status == 0, "\(ours.out)\(ours.err)")
        #expect(ours.out.contains("Restoring shard"))
        #expect(try await Self.settle(sundial, "db2", expected.autogen) == expected.autogen)
        #expect(try await Self.settle(sundial, "db2", policy: "rp2", expected.rp2) == expected.rp2)

        // influxd's legacy backup, restored online by ours.
        let legacyDir = dir.appendingPathComponent("legacy").path
        let legacy = try await Self.tool(Self.influxd, "backup", ["-database", "db0", "-host", Self.snapshotter(reference), legacyDir])
        #expect(legacy.status == 0, "\(legacy.err)")
        let online = try await Self.tool(DaemonProcessTests.binary, "restore", ["-online", "-host", host, "-db", "db0", "-newdb", "db3", legacyDir])
        #expect(online.status == 0, "\(online.out)\(online.err)")
        #expect(try await Self.settle(sundial, "db3", expected.autogen) == expected.autogen)
        #expect(try await Self.settle(sundial, "db3", policy: "rp2", expected.rp2) == expected.rp2)

        let again = try await Self.tool(DaemonProcessTests.binary, "restore", ["-portable", "-host", host, "-db", "db0", "-newdb", "db2", backupDir])
        #expect(again.status == 1)
        #expect(again.err.contains("error updating meta: DB metadata not changed. database may already exist"), "\(again.err)")
    }

    /// `sundiald backup -portable` of the real influxd restores into influxd; `sundiald backup`
    /// (legacy) restored offline with `sundiald restore -metadir -datadir` opens in influxd.
    @Test(.enabled(if: available))
    func sundialBackupOfInfluxdRestoresIntoInfluxd() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try await Self.start(Self.influxd, dir: dir.appendingPathComponent("a"))
        defer { source.crash() }
        let expected = try await Self.load(source)
        let portable = dir.appendingPathComponent("bk").path
        let backup = try await Self.tool(DaemonProcessTests.binary, "backup", ["-portable", "-host", Self.snapshotter(source), portable])
        #expect(backup.status == 0, "\(backup.out)\(backup.err)")
        #expect(backup.out.contains("backup complete:"))
        let legacy = dir.appendingPathComponent("legacy").path
        let legacyBackup = try await Self.tool(DaemonProcessTests.binary, "backup", ["-database", "db0", "-host", Self.snapshotter(source), legacy])
        #expect(legacyBackup.status == 0, "\(legacyBackup.out)\(legacyBackup.err)")
        source.crash()

        let target = try await Self.start(Self.influxd, dir: dir.appendingPathComponent("b"))
        let restore = try await Self.tool(Self.influxd, "restore", ["-portable", "-host", Self.snapshotter(target), portable])
        #expect(restore.status == 0, "\(restore.out)\(restore.err)")
        #expect(try await Self.settle(target, "db0", expected.autogen) == expected.autogen)
        #expect(try await Self.settle(target, "db0", policy: "rp2", expected.rp2) == expected.rp2)
        target.crash()

        // Offline: meta.db and the shards' files into a stopped server's directories.
        let offline = dir.appendingPathComponent("c")
        let unpack = try await Self.tool(DaemonProcessTests.binary, "restore", [
            "-metadir", offline.appendingPathComponent("meta").path, "-datadir", offline.appendingPathComponent("data").path,
            "-database", "db0", legacy])
        #expect(unpack.status == 0, "\(unpack.out)\(unpack.err)")
        let opened = try await Self.start(Self.influxd, dir: offline)
        defer { opened.crash() }
        #expect(try await Self.settle(opened, "db0", expected.autogen) == expected.autogen)
        #expect(try await Self.settle(opened, "db0", policy: "rp2", expected.rp2) == expected.rp2)
    }

    /// A full backup, more writes, an incremental `-since` backup into the same directory:
    /// `sundiald restore -portable` of the directory gives back every point.
    @Test(.enabled(if: available))
    func incrementalBackupRestoresEverything() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("a"))
        defer { source.crash() }
        let first = try await Self.load(source)
        let backupDir = dir.appendingPathComponent("bk").path
        let full = try await Self.tool(DaemonProcessTests.binary, "backup", ["-portable", "-host", Self.snapshotter(source), backupDir])
        #expect(full.status == 0, "\(full.out)\(full.err)")
        // The manifests are named by the second: the incremental one must sort after.
        try await Task.sleep(for: .milliseconds(1100))
        let since = Self.rfc3339(Date())
        try await Task.sleep(for: .milliseconds(1100))
        var more = first.autogen
        var lines: [String] = []
        for i in 0..<300 {
            // Into the existing shards and a new one.
            let t = Int64(1_600_000_000 + (i % 2 == 0 ? 500 : 2_100_000) + i) * 1_000_000_000
            lines.append("late,src=x n=\(i)i \(t)")
            more.insert("late|src=x|\(t)|n=n:\(Double(i))")
        }
        #expect(try await source.post("/write?db=db0", lines.joined(separator: "\n")).0 == 204)
        let incremental = try await Self.tool(DaemonProcessTests.binary, "backup", ["-portable", "-since", since, "-host", Self.snapshotter(source), backupDir])
        #expect(incremental.status == 0, "\(incremental.out)\(incremental.err)")
        let manifests = try FileManager.default.contentsOfDirectory(atPath: backupDir).filter { $0.hasSuffix(".manifest") }
        #expect(manifests.count == 2)

        let target = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("b"))
        defer { target.crash() }
        let restore = try await Self.tool(DaemonProcessTests.binary, "restore", ["-portable", "-host", Self.snapshotter(target), backupDir])
        #expect(restore.status == 0, "\(restore.out)\(restore.err)")
        #expect(try await Self.settle(target, "db0", more) == more)
        #expect(try await Self.settle(target, "db0", policy: "rp2", first.rp2) == first.rp2)
    }

    /// Writes keep coming (into several shards, with 16 KiB cache snapshots and compactions)
    /// while a backup runs: the restored data holds every point acknowledged before the
    /// backup began, and nothing that was never written.
    @Test(.enabled(if: available))
    func backupDuringWritesHoldsEveryAcknowledgedPoint() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("a"))
        defer { source.crash() }
        #expect(try await source.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        let writer = Task { () -> [Set<String>] in
            var acknowledged: [Set<String>] = []
            for batch in 0..<5000 where !Task.isCancelled {
                var lines: [String] = [], points = Set<String>()
                for i in 0..<100 {
                    let n = batch * 100 + i
                    let t = Int64(1_600_000_000 + (n % 3) * 700_000 + n) * 1_000_000_000
                    lines.append("w,k=\(n % 5) v=\(n)i \(t)")
                    points.insert("w|k=\(n % 5)|\(t)|v=n:\(Double(n))")
                }
                if (try? await source.post("/write?db=db0", lines.joined(separator: "\n")).0) == 204 { acknowledged.append(points) }
            }
            return acknowledged
        }
        // Let a good part be written, then take what is acknowledged at the backup's start.
        // (A count, not the whole contents: parsing those every few ms would load the suite.)
        for _ in 0..<400 {
            if await Self.count(source, "SELECT count(v) FROM w") >= 5000 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let before = try await source.contents(of: "db0")
        let backupDir = dir.appendingPathComponent("bk").path
        let backup = try await Self.tool(DaemonProcessTests.binary, "backup", ["-portable", "-host", Self.snapshotter(source), backupDir])
        #expect(backup.status == 0, "\(backup.out)\(backup.err)")
        writer.cancel()
        let written = (await writer.value).reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(before.count >= 5000)
        #expect(written.count > before.count, "the writes went on during the backup")

        let target = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("b"))
        defer { target.crash() }
        let restore = try await Self.tool(DaemonProcessTests.binary, "restore", ["-portable", "-host", Self.snapshotter(target), backupDir])
        #expect(restore.status == 0, "\(restore.out)\(restore.err)")
        var restored: Set<String> = []
        for _ in 0..<100 {
            restored = try await target.contents(of: "db0", polling: true)
            if before.isSubset(of: restored) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(before.subtracting(restored).isEmpty, "\(before.subtracting(restored).count) acknowledged points missing")
        #expect(restored.subtracting(written).isEmpty)
    }

    /// `-start`/`-end` (an export): the restored shards hold every point of the range and
    /// only points that were written (whole blocks are kept, as 1.x keeps them).
    @Test(.enabled(if: available))
    func exportRangeRestoresThePointsOfTheRange() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("a"))
        defer { source.crash() }
        let expected = try await Self.load(source)
        // The middle week of the three (1 600 700 000 s onwards, for 6 000 s).
        let start = Self.rfc3339(Date(timeIntervalSince1970: 1_600_700_000)), end = Self.rfc3339(Date(timeIntervalSince1970: 1_600_703_000))
        let backupDir = dir.appendingPathComponent("bk").path
        let backup = try await Self.tool(DaemonProcessTests.binary, "backup", ["-portable", "-db", "db0", "-start", start, "-end", end,
                                                                                "-host", Self.snapshotter(source), backupDir])
        #expect(backup.status == 0, "\(backup.out)\(backup.err)")
        #expect(backup.out.contains("with boundaries start=\(start), end=\(end)"))
        let target = try await Self.start(DaemonProcessTests.binary, dir: dir.appendingPathComponent("b"))
        defer { target.crash() }
        let restore = try await Self.tool(DaemonProcessTests.binary, "restore", ["-portable", "-host", Self.snapshotter(target), backupDir])
        #expect(restore.status == 0, "\(restore.out)\(restore.err)")
        let inRange = expected.autogen.filter { line in
            let t = Int64(line.split(separator: "|")[2])!
            return t >= 1_600_700_000_000_000_000 && t <= 1_600_703_000_000_000_000
        }
        var restored: Set<String> = []
        for _ in 0..<100 {
            restored = try await target.contents(of: "db0", polling: true)
            if inRange.isSubset(of: restored) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!inRange.isEmpty)
        #expect(inRange.isSubset(of: restored))
        #expect(restored.isSubset(of: expected.autogen))
        // The other weeks' shards are not in the range: nothing of them comes back.
        #expect(!restored.contains { Int64($0.split(separator: "|")[2])! < 1_600_600_000_000_000_000 })
    }

    /// The single number a `count` query answers (0 when there is none yet).
    static func count(_ server: Server, _ query: String) async -> Int {
        guard let (status, body) = try? await server.post("/query?db=db0", query, form: true), status == 200 else { return 0 }
        let text = String(decoding: body, as: UTF8.self)
        guard let range = text.range(of: "Z\",") else { return 0 }
        return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
