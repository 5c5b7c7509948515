import Foundation
import Gzip
import NIOCore
import SundialTestSupport
import TSM
import Testing

/// `sundial-inspect`'s influx_inspect commands, run as a user runs them. The round trips put
/// a data directory written by the real influxd 1.6.7 (or by Sundial's daemon) — TSM files
/// with tombstones and a WAL tail that was never snapshotted — through `export`, load the file
/// into a fresh influxd with the real `influx -import`, and compare every stored value. The
/// other tests run on a small directory written here with Sundial's TSM library, whose export
/// is known line by line. Runs where the built `sundial-inspect` is next to the tests; the
/// round trips also need Debian's `influxdb` and `influxdb-client` packages.
@Suite(.serialized) struct InspectProcessTests {
    static let inspect = DaemonProcessTests.binary.deletingLastPathComponent().appendingPathComponent("sundial-inspect")
    static let influx = URL(fileURLWithPath: "/usr/bin/influx")
    static var built: Bool { FileManager.default.isExecutableFile(atPath: inspect.path) }
    static var withInfluxd: Bool {
        built && InfluxdCrossCheckTests.available && FileManager.default.isExecutableFile(atPath: influx.path)
    }

    /// What a process printed, and how it ended.
    struct Output: Sendable {
        let status: Int32
        let out: String
        let err: String
    }

    /// Runs `executable` with TZ=UTC (export's header is in local time) and collects its output.
    static func run(_ executable: URL, _ arguments: [String], input: String? = nil) async throws -> Output {
        try await offPool {
            let tmp = FileManager.default.temporaryDirectory
            let outURL = tmp.appendingPathComponent("inspect-out-\(UUID())"), errURL = tmp.appendingPathComponent("inspect-err-\(UUID())")
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            defer {
                try? FileManager.default.removeItem(at: outURL)
                try? FileManager.default.removeItem(at: errURL)
            }
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(["TZ": "UTC"]) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: outURL)
            process.standardError = try FileHandle(forWritingTo: errURL)
            let inURL = tmp.appendingPathComponent("inspect-in-\(UUID())")
            defer { try? FileManager.default.removeItem(at: inURL) }
            if let input {
                try Data(input.utf8).write(to: inURL)
                process.standardInput = try FileHandle(forReadingFrom: inURL)
            }
            try process.run()
            process.waitUntilExit()
            let out = String(decoding: FileManager.default.contents(atPath: outURL.path) ?? Data(), as: UTF8.self)
            let err = String(decoding: FileManager.default.contents(atPath: errURL.path) ?? Data(), as: UTF8.self)
            return Output(status: process.terminationStatus, out: out, err: err)
        }
    }

    static func inspect(_ arguments: [String], input: String? = nil) async throws -> Output { try await run(inspect, arguments, input: input) }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-inspect-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func files(under dir: URL, _ suffix: String) -> [String] {
        let paths = (try? FileManager.default.subpathsOfDirectory(atPath: dir.path)) ?? []
        return paths.filter { $0.hasSuffix(suffix) }.sorted().map { dir.appendingPathComponent($0).path }
    }

    // MARK: - A small directory known line by line

    /// `data/db0/autogen/1` (floats, integers, a tombstoned range and a wholly tombstoned key),
    /// `data/db1/week/2` (unsigned, booleans, strings needing escapes, a field name with a
    /// space) and `wal/db0/autogen/1/_00001.wal` (two writes around a delete-range).
    struct Small {
        static let base: Int64 = 1_577_836_800_000_000_000  // 2020-01-01T00:00:00Z
        static let s: Int64 = 1_000_000_000
        let root: URL
        var data: String { root.appendingPathComponent("data").path }
        var wal: String { root.appendingPathComponent("wal").path }
        var db0File: String { data + "/db0/autogen/1/000000001-000000001.tsm" }
        var db1File: String { data + "/db1/week/2/000000001-000000001.tsm" }
        var walFile: String { wal + "/db0/autogen/1/_00001.wal" }

        static func key(_ series: String, _ field: String) -> [UInt8] { Array((series + "#!~#" + field).utf8) }
        static func times(_ n: Int64...) -> [Int64] { n.map { base + $0 * s } }

        static func make() throws -> Small {
            let small = Small(root: try InspectProcessTests.temporaryDirectory())
            for dir in ["/db0/autogen/1", "/db1/week/2"] {
                try FileManager.default.createDirectory(atPath: small.data + dir, withIntermediateDirectories: true)
            }
            try FileManager.default.createDirectory(atPath: small.wal + "/db0/autogen/1", withIntermediateDirectories: true)
            var db0 = try TSMWriter(path: small.db0File)
            try db0.write(key: key("cpu,host=a", "count"), timestamps: times(0, 1, 2, 3, 4), values: [Int64(1), 2, 3, 4, 5])
            try db0.write(key: key("cpu,host=a", "value"), timestamps: times(0, 1, 2, 3, 4), values: [0.5, 1e21, -2.25, 1e-05, 123_456_789])
            try db0.write(key: key("cpu,host=gone", "value"), timestamps: times(0), values: [7.0])
            try db0.finish()
            _ = try TombstoneFile.append([
                Tombstone(key: key("cpu,host=a", "count"), min: base + s, max: base + 2 * s),
                Tombstone(key: key("cpu,host=gone", "value"), min: .min, max: .max),
            ], to: TombstoneFile.path(forTSM: small.db0File))
            var db1 = try TSMWriter(path: small.db1File)
            try db1.write(key: key("disk", "free space"), timestamps: times(0), values: [UInt64(7)])
            try db1.write(key: key("flags", "on"), timestamps: times(0, 1), values: [true, false])
            try db1.write(key: key("logs,app=web\\ x", "msg"), timestamps: times(0, 1), values: ["say \"hi\"", "back\\slash"])
            try db1.finish()
            var scratch: [UInt8] = []
            var segment: [UInt8] = []
            segment += WAL.frame(.write([(key("cpu,host=a", "value"), .float(times(10), [9.75]))]), scratch: &scratch)
            segment += WAL.frame(.deleteRange(keys: [key("cpu,host=a", "value")], min: base + 20 * s, max: base + 30 * s), scratch: &scratch)
            segment += WAL.frame(.write([(key("mem,host=b", "used"), .integer(times(11), [42]))]), scratch: &scratch)
            try Data(segment).write(to: URL(fileURLWithPath: small.walFile))
            return small
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    static let db0TSM = [
        "cpu,host=a count=1i 1577836800000000000", "cpu,host=a count=4i 1577836803000000000", "cpu,host=a count=5i 1577836804000000000",
        "cpu,host=a value=0.5 1577836800000000000", "cpu,host=a value=1e+21 1577836801000000000", "cpu,host=a value=-2.25 1577836802000000000",
        "cpu,host=a value=1e-05 1577836803000000000", "cpu,host=a value=1.23456789e+08 1577836804000000000",
    ]
    static let db0WAL = ["cpu,host=a value=9.75 1577836810000000000", "mem,host=b used=42i 1577836811000000000"]
    static let db1TSM = [
        "disk free\\ space=7u 1577836800000000000", "flags on=true 1577836800000000000", "flags on=false 1577836801000000000",
        "logs,app=web\\ x msg=\"say \\\"hi\\\"\" 1577836800000000000", "logs,app=web\\ x msg=\"back\\\\slash\" 1577836801000000000",
    ]

    /// An export file as 1.6 lays it out.
    static func exportText(range: String = "1677-09-21T00:12:43Z - 2262-04-11T23:47:16Z", lineProtocolOnly: Bool = false,
                           _ sections: [(db: String, rp: String, tsm: [String]?, wal: [String]?)]) -> String {
        var out = lineProtocolOnly ? "" : "# INFLUXDB EXPORT: \(range)\n# DDL\n"
        if !lineProtocolOnly { for s in sections { out += "CREATE DATABASE \(s.db) WITH NAME \(s.rp)\n" } }
        if !lineProtocolOnly { out += "# DML\n" }
        for s in sections {
            if !lineProtocolOnly { out += "# CONTEXT-DATABASE:\(s.db)\n# CONTEXT-RETENTION-POLICY:\(s.rp)\n" }
            if let tsm = s.tsm {
                if !lineProtocolOnly { out += "# writing tsm data\n" }
                out += tsm.map { $0 + "\n" }.joined()
            }
            if let wal = s.wal {
                if !lineProtocolOnly { out += "# writing wal data\n" }
                out += wal.map { $0 + "\n" }.joined()
            }
        }
        return out
    }

    struct ExportCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let status: Int32
        /// The export file, or the error on standard error.
        let expected: String
        var testDescription: String { arguments.isEmpty ? "(no filter)" : arguments.joined(separator: " ") }
    }

    /// The lines whose time is `first` to `last` seconds after the base.
    static func within(_ lines: [String], _ first: Int64, _ last: Int64) -> [String] {
        lines.filter { line in
            let t = Int64(line.split(separator: " ").last!)!
            return t >= Small.base + first * Small.s && t <= Small.base + last * Small.s
        }
    }

    static let exportCases: [ExportCase] = [
        ExportCase(arguments: [], status: 0, expected: exportText([("db0", "autogen", db0TSM, db0WAL), ("db1", "week", db1TSM, nil)])),
        ExportCase(arguments: ["-database", "db1"], status: 0, expected: exportText([("db1", "week", db1TSM, nil)])),
        ExportCase(arguments: ["-database", "db0", "-retention", "autogen"], status: 0, expected: exportText([("db0", "autogen", db0TSM, db0WAL)])),
        ExportCase(arguments: ["-database", "db0", "-retention", "week"], status: 0, expected: exportText([])),
        ExportCase(arguments: ["-start", "2020-01-01T00:00:01Z", "-end", "2020-01-01T00:00:03Z"], status: 0,
                   expected: exportText(range: "2020-01-01T00:00:01Z - 2020-01-01T00:00:03Z",
                                        [("db0", "autogen", within(db0TSM, 1, 3), []), ("db1", "week", within(db1TSM, 1, 3), nil)])),
        ExportCase(arguments: ["-start", "2020-01-01T00:00:11Z"], status: 0,
                   expected: exportText(range: "2020-01-01T00:00:11Z - 2262-04-11T23:47:16Z",
                                        [("db0", "autogen", [], within(db0WAL, 11, 11)), ("db1", "week", [], nil)])),
        ExportCase(arguments: ["-lponly"], status: 0,
                   expected: exportText(lineProtocolOnly: true, [("db0", "autogen", db0TSM, db0WAL), ("db1", "week", db1TSM, nil)])),
        ExportCase(arguments: ["-retention", "week"], status: 1, expected: "export: must specify a db\n"),
        ExportCase(arguments: ["-start", "2020-01-02T00:00:00Z", "-end", "2020-01-01T00:00:00Z"], status: 1, expected: "export: end time before start time\n"),
        ExportCase(arguments: ["-end", "2020-01-01"], status: 1,
                   expected: "export: parsing time \"2020-01-01\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"T\"\n"),
        ExportCase(arguments: ["-start", "2020-02-30T00:00:00Z"], status: 1, expected: "export: parsing time \"2020-02-30T00:00:00Z\": day out of range\n"),
    ]

    /// Each filter of `export` on the small directory: the whole file, byte for byte.
    @Test(.enabled(if: built), arguments: exportCases)
    func exportFilters(_ c: ExportCase) async throws {
        let small = try Small.make()
        defer { small.remove() }
        let file = small.root.appendingPathComponent("export.lp").path
        let result = try await Self.inspect(["export", "-datadir", small.data, "-waldir", small.wal, "-out", file] + c.arguments)
        #expect(result.status == c.status, "\(result.err)")
        if c.status != 0 {
            #expect(result.err == c.expected)
            #expect(!FileManager.default.fileExists(atPath: file))
            return
        }
        let written = String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self)
        #expect(written == c.expected)
        // Progress on standard output; the WAL's delete-range is reported, not applied.
        let exportsDB0 = !c.arguments.contains("db1") && !c.arguments.contains("week")
        #expect(result.out.contains("writing out tsm file data for db0/autogen...complete.\n") == exportsDB0)
        #expect(result.out.contains("writing out wal file data for db0/autogen...complete.\n") == exportsDB0)
        #expect(result.err.contains("WARNING: detected deletes in wal file.\nSome series for \"db0/autogen\" may be brought back") == exportsDB0)
    }

    /// `-compress` writes one gzip stream holding exactly the plain export; `-out -` writes
    /// the export to standard output and the progress to standard error.
    @Test(.enabled(if: built))
    func exportCompressedAndToStandardOutput() async throws {
        let small = try Small.make()
        defer { small.remove() }
        let plain = small.root.appendingPathComponent("export.lp").path, packed = plain + ".gz"
        #expect(try await Self.inspect(["export", "-datadir", small.data, "-waldir", small.wal, "-out", plain]).status == 0)
        #expect(try await Self.inspect(["export", "-datadir", small.data, "-waldir", small.wal, "-out", packed, "-compress"]).status == 0)
        let gz = FileManager.default.contents(atPath: packed) ?? Data()
        #expect(gz.prefix(2) == Data([0x1F, 0x8B]))
        let inflated = try GzipStream.decode(ByteBuffer(bytes: gz))
        #expect(Data(inflated.readableBytesView) == FileManager.default.contents(atPath: plain))
        let stdout = try await Self.inspect(["export", "-datadir", small.data, "-waldir", small.wal, "-out", "-"])
        #expect(stdout.status == 0)
        #expect(Data(stdout.out.utf8) == FileManager.default.contents(atPath: plain))
        #expect(stdout.err.contains("writing out tsm file data for db1/week...complete.\n"))
    }

    // MARK: - verify, report, dumptsm, dumptsmwal, deletetsm

    /// A good directory verifies healthy; a flipped byte in a block is reported with the
    /// stored and the computed CRC and the key's bytes, and (as 1.x) does not fail the command.
    @Test(.enabled(if: built))
    func verifyFindsAFlippedByte() async throws {
        let small = try Small.make()
        defer { small.remove() }
        let good = try await Self.inspect(["verify", "-dir", small.root.path])
        #expect(good.status == 0)
        let lines = good.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first == "\(small.db0File): healthy")
        #expect(lines.dropFirst().first == "\(small.db1File): healthy")
        // The wholly tombstoned key's block is not counted, as 1.x drops the key on open.
        #expect(lines.last?.hasPrefix("Broken Blocks: 0 / 5, in ") == true)

        var bytes = [UInt8](FileManager.default.contents(atPath: small.db1File)!)
        let stored = UInt32(bytes[5]) << 24 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 8 | UInt32(bytes[8])
        bytes[5 + 4 + 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: small.db1File))
        let bad = try await Self.inspect(["verify", "-dir", small.root.path])
        #expect(bad.status == 0)
        let keyBytes = Array("disk#!~#free space".utf8).map(String.init).joined(separator: " ")
        #expect(bad.out.contains("\(small.db1File): got \(stored) but expected "))
        #expect(bad.out.contains(" for key [\(keyBytes)], block 0\n"))
        #expect(!bad.out.contains("\(small.db1File): healthy"))
        #expect(bad.out.contains("Broken Blocks: 1 / 5, in "))

        let missing = try await Self.inspect(["verify", "-dir", small.root.path + "/nowhere"])
        #expect(missing.status == 1)
        #expect(missing.err == "verify: could not load storage files (use -dir for custom storage root): lstat \(small.root.path)/nowhere/data: no such file or directory\n")
    }

    struct ReportCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let expected: [String]
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let reportCases: [ReportCase] = [
        ReportCase(arguments: ["-exact"], expected: ["     - db0: 2 (40%)\n", "     - db1: 3 (60%)\n", "  Total: 5\n"]),
        ReportCase(arguments: [], expected: ["     - db0 (est): 2 (40%)\n", "     - db1 (est): 3 (60%)\n", "  Total (est): 5\n"]),
        ReportCase(arguments: ["-exact", "-pattern", "db1"], expected: ["  Files: 1\n", "     - db1: 3 (100%)\n", "  Total: 3\n"]),
    ]

    /// Series per file and per database: exact, estimated (HyperLogLog++ is exact this small),
    /// and only the files a pattern names.
    @Test(.enabled(if: built), arguments: reportCases)
    func reportCounts(_ c: ReportCase) async throws {
        let small = try Small.make()
        defer { small.remove() }
        let result = try await Self.inspect(["report"] + c.arguments + [small.data])
        #expect(result.status == 0, "\(result.err)")
        for line in c.expected { #expect(result.out.contains(line), "\(line) in \(result.out)") }
        #expect(result.err == "\nSummary:\n\n")
        let rows = result.out.split(separator: "\n").filter { $0.hasPrefix("db") }.map { $0.split(separator: " ").map(String.init) }
        let files = c.arguments.contains("db1") ? 1 : 2
        #expect(rows.count == files)
        if let db1 = rows.last {
            #expect(Array(db1.prefix(6)) == ["db1", "week", "2", "000000001-000000001.tsm", "3", "3"])
            #expect(db1[6] == "2020-01-01T00:00:00Z" && db1[7] == "2020-01-01T00:00:01Z")
        }
    }

    /// `-detailed` on a shard: measurements, fields per measurement and tag values; refused
    /// on a directory that is not a shard.
    @Test(.enabled(if: built))
    func reportDetailed() async throws {
        let small = try Small.make()
        defer { small.remove() }
        let result = try await Self.inspect(["report", "-exact", "-detailed", small.data + "/db1/week/2"])
        #expect(result.status == 0)
        #expect(result.out.contains("\n  Measurements (est):\n    - disk: 1 (33%)\n    - flags: 1 (33%)\n    - logs: 1 (33%)\n"))
        #expect(result.out.contains("\n  Fields (est):\n    - disk: 1\n    - flags: 1\n    - logs: 1\n"))
        #expect(result.out.contains("\n  Tags (est):\n    - app: 1\n"))
        let refused = try await Self.inspect(["report", "-detailed", small.data])
        #expect(refused.status == 1 && refused.err == "report: -detailed only supported for shard dirs\n")
    }

    /// `dumptsm -all` lists every key the tombstones leave, each block, and the totals.
    @Test(.enabled(if: built))
    func dumptsmListsEveryKey() async throws {
        let small = try Small.make()
        defer { small.remove() }
        let result = try await Self.inspect(["dumptsm", "-all", small.db0File])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("  File: \(small.db0File)\n  Time Range: 2020-01-01T00:00:00Z - 2020-01-01T00:00:04Z\n"))
        #expect(result.out.contains("  Duration: 4s   Series: 2   File Size: "))
        let rows = result.out.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let index = rows.filter { $0.count == 7 && $0[0].hasPrefix("  ") && Int($0[0].dropFirst(2)) != nil }
        #expect(index.map { [$0[5], $0[6]] } == [["cpu,host=a", "count"], ["cpu,host=a", "value"]])
        let blocks = rows.filter { $0.count == 9 && Int($0[0].dropFirst(2)) != nil }
        #expect(blocks.map { $0[4] } == ["int64", "float64"])
        #expect(blocks.map { $0[6] } == ["5", "5"])
        #expect(result.out.contains("    Total: 2 Size: "))
        #expect(result.out.contains("  Points:\n    Total: 10"))
        #expect(result.err == "Summary:\n\nIndex:\n\nBlocks:\n\n\n  Encoding:\n\n\n\n")
        let filtered = try await Self.inspect(["dumptsm", "-filter-key", "value", small.db0File])
        let filteredIndex = filtered.out.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }.filter { $0.count == 7 }
        #expect(filteredIndex.map { $0[6] } == ["Field", "value"])
        let missing = try await Self.inspect(["dumptsm", small.root.path + "/none.tsm"])
        #expect(missing.status == 1 && missing.err == "dumptsm: open \(small.root.path)/none.tsm: no such file or directory\n")
    }

    /// `dumptsmwal` (and its alias `dumpwal`) prints every entry; `-show-duplicates` only the
    /// keys whose times repeat or go back.
    @Test(.enabled(if: built))
    func dumpwalPrintsEveryEntry() async throws {
        let small = try Small.make()
        defer { small.remove() }
        let expected = """
            [write] sz=42
            cpu,host=a#!~#value 9.75 1577836810000000000
            [delete-range] min=1577836820000000000 max=1577836830000000000 sz=39
            cpu,host=a#!~#value
            [write] sz=41
            mem,host=b#!~#used 42i 1577836811000000000

            """
        for command in ["dumptsmwal", "dumpwal"] {
            let result = try await Self.inspect([command, small.walFile])
            #expect(result.status == 0)
            #expect(result.out == expected)
        }
        var scratch: [UInt8] = []
        let twice = WAL.frame(.write([(Small.key("m", "v"), .string(Small.times(5, 5), [Array("a\tb".utf8), Array("é".utf8)]))]), scratch: &scratch)
        let duplicates = small.root.appendingPathComponent("_00009.wal")
        try Data(twice).write(to: duplicates)
        let all = try await Self.inspect(["dumptsmwal", duplicates.path])
        // Key, two times, two strings with their lengths: 7 + 6 + 16 + (4 + 3) + (4 + 2) bytes.
        let expectedDuplicates = "[write] sz=42\nm#!~#v \"a\\tb\" 1577836805000000000\nm#!~#v \"é\" 1577836805000000000\n"
        #expect(all.out == expectedDuplicates)
        // Deletes are printed either way (as 1.x does); of the writes, only the keys out of order.
        let shown = try await Self.inspect(["dumptsmwal", "-show-duplicates", small.walFile, duplicates.path])
        #expect(shown.out == "[delete-range] min=1577836820000000000 max=1577836830000000000 sz=39\ncpu,host=a#!~#value\nm#!~#v\n")
        let none = try await Self.inspect(["dumptsmwal"])
        #expect(none.status == 0 && none.out.hasPrefix("path required\n\nDumps all entries from one or more TSM WAL files."))
    }

    /// `deletetsm -measurement` rewrites the file without that measurement's blocks, the rest
    /// unchanged; `-sanitize` drops series with non-printable text.
    @Test(.enabled(if: built))
    func deletetsmRemovesAMeasurement() async throws {
        let small = try Small.make()
        defer { small.remove() }
        let before = try TSMReader(path: small.db1File)
        let logs = try before.values(for: Small.key("logs,app=web\\ x", "msg"))
        let result = try await Self.inspect(["deletetsm", "-measurement", "flags", "-v", small.db1File])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.err.contains(" processing: \(small.db1File)\n"))
        #expect(result.err.contains(" deleting block: flags#!~#on (2020-01-01T00:00:00Z-2020-01-01T00:00:01Z) sz="))
        let after = try TSMReader(path: small.db1File)
        #expect(after.keys == [Small.key("disk", "free space"), Small.key("logs,app=web\\ x", "msg")])
        #expect(try after.values(for: Small.key("logs,app=web\\ x", "msg")) == logs)
        #expect(!FileManager.default.fileExists(atPath: small.db1File + ".rewriting.tmp"))

        let odd = small.root.appendingPathComponent("odd.tsm").path
        var writer = try TSMWriter(path: odd)
        try writer.write(key: Small.key("cpu,host=bad\u{01}", "v"), timestamps: [1], values: [1.0])
        try writer.write(key: Small.key("cpu,host=good", "v"), timestamps: [1], values: [2.0])
        try writer.finish()
        #expect(try await Self.inspect(["deletetsm", "-sanitize", odd]).status == 0)
        #expect(try TSMReader(path: odd).keys == [Small.key("cpu,host=good", "v")])

        let refused = try await Self.inspect(["deletetsm", odd])
        #expect(refused.status == 1 && refused.err == "deletetsm: -measurement or -sanitize flag required\n")
    }

    struct CommandCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let status: Int32
        let out: String?
        let err: String?
        var testDescription: String { arguments.isEmpty ? "(none)" : arguments.joined(separator: " ") }
    }

    static let commandCases: [CommandCase] = [
        CommandCase(arguments: [], status: 0, out: "Usage: sundial-inspect [[command] [arguments]]\n\nThe commands are:\n\n", err: nil),
        CommandCase(arguments: ["help"], status: 0, out: "Usage: sundial-inspect [[command] [arguments]]", err: nil),
        CommandCase(arguments: ["nope"], status: 1, out: nil, err: "unknown command \"nope\"\nRun 'sundial-inspect help' for usage\n\n\n"),
        CommandCase(arguments: ["export", "-bogus"], status: 2, out: "flag provided but not defined: -bogus\nExports TSM files into InfluxDB line protocol format.\n", err: nil),
        CommandCase(arguments: ["export", "-compress=maybe"], status: 2,
                    out: "invalid boolean value \"maybe\" for -compress: strconv.ParseBool: parsing \"maybe\": invalid syntax\n", err: nil),
        CommandCase(arguments: ["verify", "-h"], status: 2, out: "Verifies the integrity of TSM files.\n\nUsage: sundial-inspect verify [flags]\n", err: nil),
        CommandCase(arguments: ["dumptsm"], status: 0, out: "TSM file not specified\n\nDumps low-level details about tsm1 files.\n", err: nil),
        // 1.6 checks -series-file before the paths.
        CommandCase(arguments: ["dumptsi"], status: 1, out: nil, err: "dumptsi: series file path required\n"),
        CommandCase(arguments: ["reporttsi"], status: 1, out: nil, err: "reporttsi: not available yet in sundial-inspect"),
        // 1.6: without -datadir and -waldir, Go's usage on standard output and exit 0.
        CommandCase(arguments: ["buildtsi"], status: 0, out: "Usage of buildtsi:\n", err: ""),
        CommandCase(arguments: ["verify-seriesfile", "-dir", "/nonexistent"], status: 1, out: nil, err: "verify-seriesfile: open /nonexistent: no such file or directory"),
    ]

    /// Help, unknown commands, Go flag errors (exit 2) and the TSI commands still to come.
    @Test(.enabled(if: built), arguments: commandCases)
    func commandLine(_ c: CommandCase) async throws {
        let result = try await Self.inspect(c.arguments)
        #expect(result.status == c.status)
        if let out = c.out { #expect(result.out.hasPrefix(out), "\(result.out)") }
        if let err = c.err { #expect(result.err.hasPrefix(err), "\(result.err)") }
    }

    /// The commands Sundial had before (tools/crosscheck calls them) still work.
    @Test(.enabled(if: built))
    func keepsSundialsOwnCommands() async throws {
        let small = try Small.make()
        defer { small.remove() }
        let dump = try await Self.inspect(["dump", small.db1File])
        #expect(dump.status == 0)
        #expect(dump.out.hasPrefix("3 keys, times 1577836800000000000...1577836801000000000"))
        #expect(dump.out.contains("flags#!~#on boolean blocks=1\n"))
        let wal = try await Self.inspect(["dump-wal", small.walFile])
        #expect(wal.status == 0 && wal.out.contains("write mem,host=b#!~#used integer"))
    }

    // MARK: - Round trips through influx -import

    /// A server (influxd or sundiald) on `dir` whose caches snapshot at 16 KiB and after a
    /// second without writes.
    static func start(_ binary: URL, dir: URL) async throws -> InfluxdCrossCheckTests.Server {
        try await InfluxdCrossCheckTests.Server.start(binary, dir: dir, data: ["cache-snapshot-write-cold-duration = \"1s\""])
    }

    /// What `binary` finds in db0 and db1 on `dir` (it may compact: call after exporting).
    static func truth(_ binary: URL, _ dir: URL) async throws -> [String: Set<String>] {
        let server = try await start(binary, dir: dir)
        defer { server.crash() }
        return ["db0": try await server.contents(of: "db0"), "db1": try await server.contents(of: "db1")]
    }

    /// Exports `dir` (plain and gzip), imports each file into a fresh influxd with the real
    /// `influx -import`, and compares every value with `expected`.
    static func importAndCompare(_ dir: URL, exports: (plain: String, gzip: String), expected: [String: Set<String>]) async throws {
        let fresh = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: fresh) }
        let server = try await start(InfluxdCrossCheckTests.influxd, dir: fresh)
        defer { server.crash() }
        for (file, compressed) in [(exports.plain, false), (exports.gzip, true)] {
            for db in ["db0", "db1"] { _ = try await server.post("/query", "DROP DATABASE \(db)", form: true) }
            let imported = try await run(influx, ["-import", "-path=\(file)", "-precision=ns", "-port", "\(server.port)"] + (compressed ? ["-compressed"] : []))
            #expect(imported.status == 0, "\(imported.out)\(imported.err)")
            #expect((imported.out + imported.err).contains("Failed 0 inserts"))
            for db in ["db0", "db1"] {
                let found = try await server.contents(of: db)
                let wanted = expected[db] ?? []
                #expect(found.count == wanted.count, "\(db) compressed=\(compressed)")
                #expect(found.subtracting(wanted).isEmpty, "\(db): \(found.subtracting(wanted).prefix(5))")
                #expect(wanted.subtracting(found).isEmpty, "\(db): \(wanted.subtracting(found).prefix(5))")
            }
        }
    }

    /// Exports `dir` twice (plain, `-compress`) into `dir`; returns the paths and what export printed.
    static func export(_ dir: URL) async throws -> (plain: String, gzip: String, output: Output) {
        let plain = dir.appendingPathComponent("export.lp").path, gzip = plain + ".gz"
        let data = dir.appendingPathComponent("data").path, wal = dir.appendingPathComponent("wal").path
        let output = try await inspect(["export", "-datadir", data, "-waldir", wal, "-out", plain])
        #expect(output.status == 0, "\(output.err)")
        #expect(try await inspect(["export", "-datadir", data, "-waldir", wal, "-out", gzip, "-compress"]).status == 0)
        return (plain, gzip, output)
    }

    /// influxd 1.6.7's directory after a `kill -9` — TSM files with tombstones, a WAL tail
    /// with deletes — exports to a file that `influx -import` loads into a fresh influxd with
    /// every value equal, plain and gzip. The same directory's report, dumptsm and dumptsmwal
    /// list every series and key.
    @Test(.enabled(if: withInfluxd))
    func influxdDirectoryRoundTrips() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truth = try await Self.writeAndExport(InfluxdCrossCheckTests.influxd, dir: dir)
        try await Self.importAndCompare(dir, exports: (truth.plain, truth.gzip), expected: truth.contents)
    }

    /// The same round trip for a directory Sundial's daemon wrote.
    @Test(.enabled(if: withInfluxd))
    func sundialDirectoryRoundTrips() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truth = try await Self.writeAndExport(DaemonProcessTests.binary, dir: dir)
        try await Self.importAndCompare(dir, exports: (truth.plain, truth.gzip), expected: truth.contents)
    }

    /// Writes the directory with `writer`, checks it as a user of influx_inspect would (series
    /// counts, every key in the dumps, healthy blocks), exports it, then reads what `writer`
    /// finds in it.
    static func writeAndExport(_ writer: URL, dir: URL) async throws -> (plain: String, gzip: String, exportErr: String, contents: [String: Set<String>]) {
        try await writeDirectory(writer, in: dir)
        let data = dir.appendingPathComponent("data")
        let tsmFiles = files(under: data, ".tsm"), walFiles = files(under: dir.appendingPathComponent("wal"), ".wal")
        #expect(tsmFiles.count >= 4)
        // influxd leaves the tombstones for its next compaction; Sundial compacts them away at once.
        if writer == InfluxdCrossCheckTests.influxd { #expect(!files(under: data, ".tombstone").isEmpty) }
        #expect(walFiles.contains { ((try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0) > 0 })

        // 8 cpu series (4 hosts, 2 fields), flags and logs in db0 (gone is dropped); 2 in db1.
        let report = try await inspect(["report", "-exact", data.path])
        #expect(report.status == 0, "\(report.err)")
        #expect(report.out.contains("     - db0: 10 (83%)\n     - db1: 2 (16%)\n  Total: 12\n"), "\(report.out)")
        let estimated = try await inspect(["report", data.path])
        #expect(estimated.out.contains("  Total (est): 12\n"))

        let verify = try await inspect(["verify", "-dir", dir.path])
        #expect(verify.status == 0)
        #expect(verify.out.components(separatedBy: ": healthy\n").count == tsmFiles.count + 1, "\(verify.out)")
        #expect(verify.out.contains("Broken Blocks: 0 / "))

        var dumped = Set<String>()
        for file in tsmFiles {
            let dump = try await inspect(["dumptsm", "-index", file])
            #expect(dump.status == 0)
            for row in dump.out.split(separator: "\n").map({ $0.split(separator: "\t").map(String.init) })
            where row.count == 7 && row[0].hasPrefix("  ") && Int(row[0].dropFirst(2)) != nil {
                dumped.insert(row[5] + "#!~#" + row[6])
            }
        }
        let series = ["a", "b\\ c", "d\\,e", "f\\=g"].flatMap { host in ["usage", "count"].map { "cpu,host=\(host),region=eu#!~#\($0)" } }
        #expect(dumped == Set(series + ["flags,dev=x#!~#on", "logs,app=web#!~#msg", "other,tag=x#!~#f", "other,tag=y#!~#s"]))

        var walKeys = Set<String>()
        var walDeletes = false
        for file in walFiles {
            let bytes = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
            for entry in bytes.withUnsafeBytes({ WAL.readEntries($0) }).entries {
                switch entry {
                case .write(let written): for (key, _) in written { walKeys.insert(String(decoding: key, as: UTF8.self)) }
                case .delete, .deleteRange: walDeletes = true
                }
            }
        }
        #expect(!walKeys.isEmpty)
        let wal = try await inspect(["dumptsmwal"] + walFiles)
        #expect(wal.status == 0)
        for key in walKeys { #expect(wal.out.contains(key + " "), "\(key)") }

        let (plain, gzip, output) = try await export(dir)
        // The WAL's delete entries (the DELETE, while the cache held cpu series) are reported,
        // not applied, as 1.x's export does.
        #expect(output.err.contains("WARNING: detected deletes in wal file.") == walDeletes)
        let contents = try await truth(writer, dir)
        #expect(!(contents["db0"] ?? []).isEmpty && !(contents["db1"] ?? []).isEmpty)
        return (plain, gzip, output.err, contents)
    }

    /// Writes InfluxdCrossCheckTests' points (every field type, tags needing escapes, three
    /// shards) and two small databases' worth with `writer`, waits until every cache is in TSM
    /// files, deletes (a time range of one measurement, a whole measurement: tombstones, and
    /// delete entries in the WAL), writes the last points (they stay in the WAL only) and
    /// kills the server.
    static func writeDirectory(_ writer: URL, in dir: URL) async throws {
        let (lines, _) = InfluxdCrossCheckTests.points()
        let server = try await start(writer, dir: dir)
        defer { if server.process.isRunning { server.crash() } }
        for db in ["db0", "db1"] { #expect(try await server.post("/query", "CREATE DATABASE \(db)", form: true).0 == 200) }
        #expect(try await server.post("/write?db=db0", "gone,k=v value=1 1600000100000000000\ngone,k=w value=2 1600000200000000000").0 == 204)
        #expect(try await server.post("/write?db=db1", "other,tag=x f=1.5 1600000000000000000\nother,tag=y s=\"x y\" 1600000001000000000").0 == 204)
        let tail = lines.count - 500
        for batch in stride(from: 0, to: tail, by: 500) {
            #expect(try await server.post("/write?db=db0", lines[batch..<(batch + 500)].joined(separator: "\n")).0 == 204)
        }
        // Every cache snapshotted: the WAL segments left are empty.
        for _ in 0..<200 {
            let sizes = files(under: dir.appendingPathComponent("wal"), ".wal").map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }
            if files(under: dir.appendingPathComponent("data"), ".tsm").count >= 4 && sizes.allSatisfy({ $0 == 0 }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Part of the tail first: with cpu series in the cache, the DELETE also goes into the WAL
        // (1.x logs only the keys its cache holds) — for times the cache has no points at.
        let middle = tail + 250
        #expect(try await server.post("/write?db=db0", lines[tail..<middle].joined(separator: "\n")).0 == 204)
        #expect(try await server.post("/query?db=db0", "DELETE FROM cpu WHERE time < '2020-09-13T12:43:20Z'", form: true).0 == 200)
        #expect(try await server.post("/query?db=db0", "DROP MEASUREMENT gone", form: true).0 == 200)
        #expect(try await server.post("/write?db=db0", lines[middle...].joined(separator: "\n")).0 == 204)
        server.crash()
    }
}
