import Foundation
import GoText
import Meta
import Testing
@testable import Snapshotter

/// The snapshotter's and the backup files' formats (Spec/snapshotter.md, Spec/backup.md).
@Suite struct SnapshotterFormatTests {
    @Test(arguments: [
        ("0001-01-01T00:00:00Z", Int64.min),
        ("1970-01-01T00:00:00Z", 0),
        ("2015-12-24T08:12:23Z", 1_450_944_743_000_000_000),
        ("2015-12-24T08:12:23.5Z", 1_450_944_743_500_000_000),
        ("2015-12-24T09:12:23+01:00", 1_450_944_743_000_000_000),
        ("2262-04-11T23:47:16.854775807Z", Int64.max),
        ("1969-12-31T23:59:59.999999999Z", -1),
    ])
    func goTimesParse(text: String, nanoseconds: Int64) {
        #expect(GoTime.parse(text) == nanoseconds)
    }

    @Test(arguments: ["2015-12-24", "2015-13-01T00:00:00Z", "2015-02-30T00:00:00Z", "2015-12-24T08:12:23", "2015-12-24 08:12:23Z", "x"])
    func badGoTimesAreRefused(text: String) {
        #expect(GoTime.parse(text) == nil)
    }

    @Test(arguments: [(Int64.min, "0001-01-01T00:00:00Z"), (0, "1970-01-01T00:00:00Z"), (1_450_944_743_500_000_000, "2015-12-24T08:12:23.5Z"),
                      (-1, "1969-12-31T23:59:59.999999999Z")])
    func goTimesFormat(nanoseconds: Int64, text: String) {
        #expect(GoTime.format(nanoseconds) == text)
    }

    /// GoText's RFC 3339 over the whole int64 range, and of seconds with a zone.
    @Test(arguments: [(Int64.min, "1677-09-21T00:12:43.145224192Z"), (Int64.max, "2262-04-11T23:47:16.854775807Z"), (-1, "1969-12-31T23:59:59.999999999Z")])
    func goRFC3339CoversInt64(nanoseconds: Int64, text: String) {
        #expect(GoTime.rfc3339(nanoseconds, nano: true) == text)
    }

    @Test func goRFC3339OfSecondsKeepsTheZone() {
        #expect(GoTime.rfc3339(seconds: 253_402_300_799 - 7_200, offset: 7_200, nano: false) == "9999-12-31T23:59:59+02:00")
    }

    /// What influxd's backup sends: its field order, Go's zero times, a newline.
    @Test func requestJSONIsGos() throws {
        var request = SnapshotRequest(type: .shardBackup)
        request.backupDatabase = "db<0>"
        request.shardID = 12
        let text = String(decoding: request.json, as: UTF8.self)
        #expect(text == "{\"Type\":0,\"BackupDatabase\":\"db\\u003c0\\u003e\",\"RestoreDatabase\":\"\",\"BackupRetentionPolicy\":\"\",\"RestoreRetentionPolicy\":\"\",\"ShardID\":12,\"Since\":\"0001-01-01T00:00:00Z\",\"ExportStart\":\"0001-01-01T00:00:00Z\",\"ExportEnd\":\"0001-01-01T00:00:00Z\",\"UploadSize\":0}\n")
        #expect(try SnapshotRequest.decode(Array(text.utf8.dropLast()), type: 0) == request)
    }

    /// Go's decoder matches names case-insensitively and leaves missing fields zero.
    @Test func requestsDecodeAsGoDecodes() throws {
        let request = try SnapshotRequest.decode(Array("{\"shardid\":7,\"since\":\"2020-01-01T00:00:00Z\",\"Extra\":1}".utf8), type: 0)
        #expect(request.shardID == 7)
        #expect(request.since == 1_577_836_800_000_000_000)
        #expect(request.exportEnd == SnapshotRequest.zeroTime)
        #expect(throws: SnapshotRequest.DecodeError.self) { try SnapshotRequest.decode(Array("{\"ShardID\":-1}".utf8), type: 0) }
        #expect(throws: SnapshotRequest.DecodeError.self) { try SnapshotRequest.decode(Array("{\"Since\":\"yesterday\"}".utf8), type: 0) }
    }

    @Test func infoAnswerIsGos() {
        #expect(String(decoding: SnapshotInfo(paths: []).json, as: UTF8.self) == "{\"Paths\":null}\n")
        #expect(String(decoding: SnapshotInfo(paths: ["db/rp/1", "db/rp/2"]).json, as: UTF8.self) == "{\"Paths\":[\"db/rp/1\",\"db/rp/2\"]}\n")
        #expect(SnapshotInfo.decode(SnapshotInfo(paths: ["a/b/3"]).json) == SnapshotInfo(paths: ["a/b/3"]))
    }

    /// Headers written and read back: a short name, one split into USTAR's prefix, one only
    /// a PAX record holds.
    @Test(arguments: [
        "db0/autogen/1/000000001-000000001.tsm",
        String(repeating: "d", count: 90) + "/autogen/12/000000001-000000002.tsm",
        String(repeating: "d", count: 160) + "/rp/3/000000001-000000001.tsm",
    ])
    func tarHeadersRoundTrip(name: String) throws {
        var header = TarHeader(name: name, size: 1234, mode: 0o644, modified: 1_600_000_000)
        header.uid = 1000
        header.userName = "sundial"
        let blocks = header.encoded()
        #expect(blocks.count % TarHeader.blockSize == 0)
        var parser = TarHeaderParser()
        var at = 0
        var parsed: TarHeader?
        while parsed == nil && at < blocks.count {
            switch try parser.header(Array(blocks[at..<(at + 512)])) {
            case .entry(let h): parsed = h
            case .extended(let kind, let size):
                parser.extended(kind: kind, Array(blocks[(at + 512)..<(at + 512 + Int(size))]))
                at += TarHeader.padding(size) + Int(size)
            case .zero: break
            }
            at += 512
        }
        #expect(parsed?.name == name)
        #expect(parsed?.size == 1234)
        #expect(parsed?.modified == 1_600_000_000)
        #expect(parsed?.uid == 1000)
    }

    /// A damaged header is refused by its checksum.
    @Test func tarHeaderChecksumIsChecked() {
        var block = TarHeader(name: "db/rp/1/a.tsm", size: 1).encoded()
        block[0] ^= 1
        var parser = TarHeaderParser()
        #expect(throws: TarHeaderParser.Failure.self) { try parser.header(block) }
    }

    /// The `.meta` file: `0a <len> <meta> 10 <node>`.
    @Test func portableDataIsTheProtobufMessage() {
        let packed = PortableData(data: [1, 2, 3], maxNodeID: 0).encoded()
        #expect(packed == [0x0A, 3, 1, 2, 3, 0x10, 0])
        #expect(PortableData.decode(packed) == PortableData(data: [1, 2, 3], maxNodeID: 0))
        let big = PortableData(data: [UInt8](repeating: 7, count: 300), maxNodeID: 300)
        #expect(PortableData.decode(big.encoded()) == big)
        #expect(PortableData.decode([0x0A, 9, 1]) == nil)
    }

    /// Go's `MarshalIndent` with two spaces, no newline at the end; no shards is `null`.
    @Test func manifestIsGosIndentedJSON() {
        var manifest = Manifest()
        manifest.meta = Manifest.MetaEntry(fileName: "20201020T101010Z.meta", size: 206)
        #expect(String(decoding: manifest.json, as: UTF8.self) == """
        {
          "meta": {
            "fileName": "20201020T101010Z.meta",
            "size": 206
          },
          "limited": false,
          "files": null
        }
        """)
        manifest.files = [Manifest.Entry(database: "db0", policy: "autogen", shardID: 1, fileName: "20201020T101010Z.s1.tar.gz", size: 10240)]
        #expect(String(decoding: manifest.json, as: UTF8.self).hasSuffix("""
          "files": [
            {
              "database": "db0",
              "policy": "autogen",
              "shardID": 1,
              "fileName": "20201020T101010Z.s1.tar.gz",
              "size": 10240,
              "lastModified": 0
            }
          ]
        }
        """))
        #expect(Manifest.decode(manifest.json) == manifest)
    }

    @Test(arguments: [
        (["-portable", "-db", "x", "dir"], "x", true, ["dir"]),
        (["-database=y", "--portable", "-db", "x", "dir"], "x", true, ["dir"]),
        (["-portable=false", "dir", "-db", "x"], "", false, ["dir", "-db", "x"]),
    ])
    func goFlagsParseAsGos(arguments: [String], database: String, portable: Bool, positional: [String]) throws {
        var flags = GoFlagSet("backup")
        flags.string("database", "", "")
        flags.alias("db", for: "database")
        flags.bool("portable", "")
        try flags.parse(arguments)
        #expect(flags.string("database") == database)
        #expect(flags.bool("portable") == portable)
        #expect(flags.arguments == positional)
    }

    @Test(arguments: [(["-nope", "x"], "flag provided but not defined: -nope"), (["-db"], "flag needs an argument: -db"),
                      (["-portable=maybe"], "invalid boolean value \"maybe\" for -portable: strconv.ParseBool: parsing \"maybe\": invalid syntax")])
    func badFlagsAreGosErrors(arguments: [String], message: String) {
        var flags = GoFlagSet("backup")
        flags.string("db", "", "")
        flags.bool("portable", "")
        #expect(throws: GoFlagSet.Failure.invalid(message)) { try flags.parse(arguments) }
    }

    @Test(arguments: [
        ("2026-01-01", "parsing time \"2026-01-01\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"T\""),
        ("2026-13-01T00:00:00Z", "parsing time \"2026-13-01T00:00:00Z\": month out of range"),
        ("2026-01-01T00:00:00", "parsing time \"2026-01-01T00:00:00\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"Z07:00\""),
    ])
    func timeErrorsAreGos(text: String, message: String) {
        #expect(GoTime.parseError(text) == message)
    }

    /// 1.x's `ImportData`: new database (renamed), policies kept or one picked and renamed,
    /// shard groups and shards renumbered after the target's, `_internal` left out, an
    /// existing database refused.
    @Test func metadataImportsAsOneXImports() async throws {
        let source = MetaClient()
        try await source.createDatabase("db0")
        try await source.createDatabase("_internal")
        try await source.createRetentionPolicy(database: "db0", name: "rp2", duration: 0)
        _ = try await source.shardGroup(database: "db0", policy: "autogen", for: 0)
        _ = try await source.shardGroup(database: "db0", policy: "autogen", for: 8 * 86_400 * 1_000_000_000)
        _ = try await source.shardGroup(database: "db0", policy: "rp2", for: 0)
        _ = try await source.shardGroup(database: "_internal", policy: "autogen", for: 0)
        let bytes = try source.marshalled()

        let target = MetaClient()
        try await target.createDatabase("other")
        _ = try await target.shardGroup(database: "other", policy: "autogen", for: 0)
        let all = try await target.importBackup(bytes, backupDatabase: "", restoreDatabase: "", backupPolicy: "", restorePolicy: "")
        #expect(all.databases == ["db0"])
        #expect(all.shards.map(\.new) == [2, 3, 4])
        #expect(all.shards.map(\.old) == source.shards(of: "db0").map(\.id))
        #expect(target.database("_internal") == nil)
        #expect(target.shards(of: "db0").map(\.policy) == ["autogen", "autogen", "rp2"])

        let one = try await target.importBackup(bytes, backupDatabase: "db0", restoreDatabase: "copy", backupPolicy: "rp2", restorePolicy: "kept")
        #expect(one.databases == ["copy"])
        #expect(one.shards.count == 1)
        #expect(target.database("copy")?.defaultRetentionPolicy == "kept")
        #expect(target.database("copy")?.retentionPolicies.map(\.name) == ["kept"])

        await #expect(throws: MetaError.io("database already exists")) {
            try await target.importBackup(bytes, backupDatabase: "db0", restoreDatabase: "", backupPolicy: "", restorePolicy: "")
        }
        await #expect(throws: MetaError.io("retention Policy not found in meta backup: db0.nope")) {
            try await target.importBackup(bytes, backupDatabase: "db0", restoreDatabase: "x", backupPolicy: "nope", restorePolicy: "")
        }
        await #expect(throws: MetaError.self) {
            try await target.importBackup([0xFF, 0xFF], backupDatabase: "", restoreDatabase: "", backupPolicy: "", restorePolicy: "")
        }
    }

    /// An offline restore writes a legacy archive's files under the shard's directory, and
    /// refuses an entry that would climb out of it.
    @Test(arguments: [("db0/autogen/1/000000001-000000001.tsm", true), ("db0/autogen/1/../../../escaped.tsm", false)])
    func offlineRestoreKeepsEntriesInTheirShard(name: String, accepted: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-offline-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let backup = dir.appendingPathComponent("bk"), data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: backup, withIntermediateDirectories: true)
        let content = Array("tsm bytes".utf8)
        let archive = TarHeader(name: name, size: Int64(content.count)).encoded() + content
            + [UInt8](repeating: 0, count: TarHeader.padding(Int64(content.count))) + TarHeader.end
        try Data(archive).write(to: backup.appendingPathComponent("db0.autogen.00001.00"))
        var command = RestoreCommand(stdout: { _ in }, stderr: { _ in })
        let arguments = ["-datadir", data.path, "-db", "db0", "-newdb", "db0", backup.path]
        if accepted {
            try command.run(arguments)
            #expect(FileManager.default.contents(atPath: data.path + "/db0/autogen/1/000000001-000000001.tsm") == Data(content))
        } else {
            #expect(throws: BackupCommand.Failure.self) { try command.run(arguments) }
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/escaped.tsm"))
            #expect(!FileManager.default.fileExists(atPath: data.path + "/escaped.tsm"))
        }
    }
}
