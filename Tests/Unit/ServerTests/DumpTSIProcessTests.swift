import Foundation
import SundialTestSupport
import Testing
import TSI

/// `sundial-inspect dumptsi` on tsi1 indexes the real influxd 1.6.7 wrote: 60 series over four
/// measurements with escapes in names, keys and values, one series dropped, one deleted and a
/// measurement dropped. Two directories: one where every partition is still a single log file
/// (`log`), and one written with a 256-byte log limit, so partitions hold index files and logs
/// (`compacted`). What dumptsi lists must be exactly what influxd answers to `SHOW SERIES`,
/// `SHOW MEASUREMENTS`, `SHOW TAG KEYS` and `SHOW TAG VALUES`, with 1.6's `(deleted)` marks, and
/// the text must be laid out as 1.6's command lays it out (tabwriter cells, indentation, blank
/// lines), which the tests rebuild from the parsed output and compare byte for byte.
@Suite(.serialized, DumpTSIFixtureScope()) struct DumpTSIProcessTests {
    typealias Server = InfluxdCrossCheckTests.Server

    static var available: Bool { InfluxdCrossCheckTests.available && InspectProcessTests.built }

    // MARK: - Data

    static let measurements = ["cpu", "disk\\ io", "m\\,x", "gone"]

    /// Series `i % 60`: measurement, `dc`, `host` and `t=k` tags, escaped as line protocol.
    static func key(_ i: Int) -> String {
        "\(measurements[i % 4]),dc=eu\\,\(i % 5),host=h\\ \(i % 30),t\\=k=v\\=\(i % 3)"
    }

    static let lines: [String] = (0..<240).map { "\(key($0)) value=\($0) \(1_600_000_000_000_000_000 + Int64($0) * 1_000_000_000)" }

    /// What is removed after the writes: `cpu,…host=h 0…` and `disk io,…host=h 1…` (one series
    /// each) and the 15 series of `gone`.
    static let deletes = ["DROP SERIES FROM cpu WHERE host = 'h 0'", "DELETE FROM \"disk io\" WHERE host = 'h 1'", "DROP MEASUREMENT gone"]

    struct Series: Hashable {
        let key: String  // as line protocol (SHOW SERIES)
        let name: String
        let tags: [String: String]
        var deleted: Bool { name == "gone" || (name == "cpu" && tags["host"] == "h 0") || (name == "disk io" && tags["host"] == "h 1") }
        /// How dumptsi prints it: the raw name, then the escaped tags.
        var printed: String { name + String(key.dropFirst(Self.escapedNameLength(key))) }

        init(_ i: Int) {
            key = DumpTSIProcessTests.key(i)
            name = ["cpu", "disk io", "m,x", "gone"][i % 4]
            tags = ["dc": "eu,\(i % 5)", "host": "h \(i % 30)", "t=k": "v=\(i % 3)"]
        }

        static func escapedNameLength(_ key: String) -> Int {
            var escaped = false, n = 0
            for c in key {
                if !escaped && c == "," { break }
                escaped = !escaped && c == "\\"
                n += 1
            }
            return n
        }
    }

    static let allSeries: [Series] = (0..<60).map(Series.init)

    // MARK: - Fixtures

    enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
        case log, compacted
        var description: String { rawValue }
    }

    /// A stopped influxd's data directory and its answers, taken before it stopped.
    struct Fixture: Sendable {
        let dir: URL
        let series: Set<String>
        let measurements: Set<String>
        /// "measurement|key" pairs.
        let tagKeys: Set<String>
        /// "measurement|key|value" triples.
        let tagValues: Set<String>

        var seriesFile: String { dir.appendingPathComponent("data/db0/_series").path }
        var index: String { dir.appendingPathComponent("data/db0/autogen/1/index").path }

        func partition(_ p: Int) -> String { index + "/\(p)" }

        /// A partition's MANIFEST file list, newest first.
        func manifestFiles(_ p: Int) throws -> [String] {
            let data = try Data(contentsOf: URL(fileURLWithPath: partition(p) + "/MANIFEST"))
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return json?["files"] as? [String] ?? []
        }

        func dumptsi(_ flags: [String], _ paths: [String]? = nil) async throws -> InspectProcessTests.Output {
            try await InspectProcessTests.inspect(["dumptsi", "-series-file", seriesFile] + flags + (paths ?? [index]))
        }

        static func make(_ kind: Kind) async throws -> Fixture {
            let dir = try InspectProcessTests.temporaryDirectory()
            let data = ["index-version = \"tsi1\""] + (kind == .compacted ? ["max-index-log-file-size = 256"] : [])
            let server = try await Server.start(InfluxdCrossCheckTests.influxd, dir: dir, data: data)
            defer { if server.process.isRunning { server.crash() } }
            #expect(try await server.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
            let batch = kind == .compacted ? 10 : 60
            for start in stride(from: 0, to: lines.count, by: batch) {
                #expect(try await server.post("/write?db=db0", lines[start..<start + batch].joined(separator: "\n")).0 == 204)
            }
            for q in deletes { #expect(try await server.post("/query?db=db0", q, form: true).0 == 200) }
            func rows(_ q: String) async throws -> [(name: String, values: [[String]])] {
                let (status, body) = try await server.post("/query?db=db0", q, form: true)
                #expect(status == 200)
                let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
                let series = ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
                return series.map { ($0["name"] as? String ?? "", ($0["values"] as? [[Any]] ?? []).map { $0.map { "\($0)" } }) }
            }
            let fixture = Fixture(
                dir: dir,
                series: Set(try await rows("SHOW SERIES").flatMap { $0.values.map { $0[0] } }),
                measurements: Set(try await rows("SHOW MEASUREMENTS").flatMap { $0.values.map { $0[0] } }),
                tagKeys: Set(try await rows("SHOW TAG KEYS").flatMap { r in r.values.map { "\(r.name)|\($0[0])" } }),
                tagValues: Set(try await rows("SHOW TAG VALUES WITH KEY =~ /.*/").flatMap { r in r.values.map { "\(r.name)|\($0[0])|\($0[1])" } }))
            kill(server.process.processIdentifier, SIGTERM)
            server.process.waitUntilExit()
            return fixture
        }
    }

    /// The fixtures of one run of the suite, made when a test first asks and removed when the
    /// suite ends (DumpTSIFixtureScope).
    actor Fixtures {
        @TaskLocal static var current: Fixtures?
        private var made: [Kind: Fixture] = [:]

        func get(_ kind: Kind) async throws -> Fixture {
            if let f = made[kind] { return f }
            let f = try await Fixture.make(kind)
            made[kind] = f
            return f
        }

        func removeAll() {
            for f in made.values { try? FileManager.default.removeItem(at: f.dir) }
            made = [:]
        }

        static func get(_ kind: Kind) async throws -> Fixture {
            let fixtures = try #require(current)
            return try await fixtures.get(kind)
        }
    }

    // MARK: - Parsing and rebuilding 1.6's layout

    /// Go's text/tabwriter as dumptsi uses it (min width 8, tab width 8, padding 1, tabs):
    /// the tabs after a cell of `width` in a column whose widest cell is `widest`.
    static func tabs(_ width: Int, widest: Int) -> String {
        let cell = (max(widest + 1, 8) + 7) / 8 * 8
        return String(repeating: "\t", count: (cell - width + 7) / 8)
    }

    static func mark(_ deleted: Bool) -> String { deleted ? "(deleted)" : "" }

    struct Named {
        var name: String
        var deleted: Bool
        var children: [Named] = []
        var series: [String] = []
    }

    /// Splits `name<tabs>(deleted)` after `indent` spaces.
    static func cell(_ line: Substring, indent: Int) throws -> Named {
        let body = line.dropFirst(indent)
        let name = body.prefix { $0 != "\t" }
        let rest = body.dropFirst(name.count)
        try #require(rest.hasPrefix("\t") && !name.isEmpty && name.first != " ", "bad line: \(line.debugDescription)")
        let tail = rest.drop { $0 == "\t" }
        try #require(tail.isEmpty || tail == "(deleted)", "bad line: \(line.debugDescription)")
        return Named(name: String(name), deleted: !tail.isEmpty)
    }

    /// `-measurements` … `-tag-value-series` output: one list of measurements per partition
    /// (eight, in order), each read by the grammar of 1.6's printing functions.
    static func parseListing(_ text: String, depth: Int, partitions: Int = 8) throws -> [[Named]] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        try #require(lines.last == "", "output does not end with a newline")
        lines = lines.dropLast()
        func next() throws -> Substring {
            let line = lines.popFirst()
            return try #require(line, "output ends early")
        }
        func blank() throws {
            let line = try next()
            try #require(line == "", "expected a blank line before \(lines.prefix(2))")
        }
        func indented(_ n: Int) -> Bool {
            guard let line = lines.first else { return false }
            return line.hasPrefix(String(repeating: " ", count: n)) && line.dropFirst(n).first.map { $0 != " " } == true
        }
        var out: [[Named]] = []
        for _ in 0..<partitions {
            var measurements: [Named] = []
            if lines.first?.hasPrefix("Measurement\t") == true {
                _ = try cell(try next(), indent: 0)
                while indented(0) {
                    var m = try cell(try next(), indent: 0)
                    if depth >= 1 {
                        while indented(4) {
                            var k = try cell(try next(), indent: 4)
                            if depth >= 2 {
                                while indented(8) {
                                    var v = try cell(try next(), indent: 8)
                                    if depth >= 3 {
                                        while indented(12) { v.series.append(String(try next().dropFirst(12))) }
                                        try blank()
                                    }
                                    k.children.append(v)
                                }
                                try blank()
                            }
                            m.children.append(k)
                        }
                        try blank()
                    }
                    measurements.append(m)
                }
            }
            try blank()
            try blank()
            out.append(measurements)
        }
        try #require(lines.isEmpty, "left over: \(lines.prefix(3))")
        return out
    }

    /// The text 1.6 prints for `partitions` (see `parseListing`).
    static func renderListing(_ partitions: [[Named]], depth: Int) -> String {
        var out = ""
        for measurements in partitions {
            for (i, m) in measurements.enumerated() {
                // The header waits in the tabwriter and goes out with the first measurement.
                if i == 0 { out += "Measurement" + tabs(11, widest: max(11, m.name.count)) + "\n" }
                out += m.name + tabs(m.name.count, widest: i == 0 ? max(11, m.name.count) : m.name.count) + mark(m.deleted) + "\n"
                guard depth >= 1 else { continue }
                for k in m.children {
                    out += "    " + k.name + tabs(4 + k.name.count, widest: 4 + k.name.count) + mark(k.deleted) + "\n"
                    guard depth >= 2 else { continue }
                    for v in k.children {
                        out += "        " + v.name + tabs(8 + v.name.count, widest: 8 + v.name.count) + mark(v.deleted) + "\n"
                        guard depth >= 3 else { continue }
                        for s in v.series { out += "            " + s + "\n" }
                        out += "\n"
                    }
                    out += "\n"
                }
                out += "\n"
            }
            out += "\n\n"
        }
        return out
    }

    // MARK: - Tests

    /// No flags: a `[LOG FILE]` or `[INDEX FILE]` summary per file, partition by partition, in
    /// MANIFEST order; a log file's counts are those of 1.6's in-memory log (a dropped series
    /// leaves its measurement and tag values behind; a dropped measurement is in every
    /// partition, with no keys).
    @Test(.enabled(if: available), arguments: Kind.allCases)
    func summaries(_ kind: Kind) async throws {
        let fixture = try await Fixtures.get(kind)
        let out = try await fixture.dumptsi([])
        #expect(out.status == 0 && out.err.isEmpty, "\(out.err)")
        var expected: [String] = []
        for p in 0..<8 { expected += try fixture.manifestFiles(p) }
        let blocks = out.out.components(separatedBy: "\n\n").dropLast()
        #expect(out.out.hasSuffix("\n\n"))
        #expect(blocks.map { $0.split(separator: "\n").first.map { String($0.split(separator: " ").last ?? "") } ?? "" } == expected)
        let log = #/\[LOG FILE\] L0-\d{8}\.tsl\nSeries:\t\t(\d+)\nMeasurements:\t(\d+)\nTag Keys:\t(\d+)\nTag Values:\t(\d+)/#
        let index = #/\[INDEX FILE\] L\d+-\d{8}\.tsi\nMeasurements:\t\t\d+\n  Series data size:\t(\d+) \(([\d.]+)(k?b)\)\n  Bytes per series:\t([\d.]+|NaN)b\nTag Keys:\t\t\d+\nTag Values:\t\t\d+\n  Series:\t\t(\d+)\n  Series data size:\t(\d+) \(([\d.]+)(k?b)\)\n  Bytes per series:\t([\d.]+|NaN)b/#
        var counts: [[Int]] = []
        for block in blocks {
            if let m = try log.wholeMatch(in: block) {
                counts.append([Int(m.1)!, Int(m.2)!, Int(m.3)!, Int(m.4)!])
            } else if let m = try index.wholeMatch(in: block) {
                // Below 1 kb the size is repeated in bytes.
                #expect(m.3 == "b" && Double(m.2)! == Double(Int(m.1)!))
                #expect(m.8 == "b" && Double(m.7)! == Double(Int(m.6)!))
                #expect(Int(m.5)! == 0 ? m.9 == "NaN" : m.9 == String(format: "%.1f", Double(Int(m.6)!) / Double(Int(m.5)!)))
            } else {
                Issue.record("not a summary: \(block.debugDescription)")
            }
        }
        #expect(kind == .log ? !out.out.contains("[INDEX FILE]") : out.out.contains("[INDEX FILE]"))
        guard kind == .log else { return }
        // One log file per partition: its counts follow from the series that hash to it.
        #expect(counts.count == 8)
        for (p, c) in counts.enumerated() {
            let here = Self.allSeries.filter { ManifestPartitions.partition(ofKey: Array($0.key.utf8)) == p }
            let kept = here.filter { $0.name != "gone" }
            let values: Set<String> = Set(kept.flatMap { s in s.tags.map { "\(s.name)|\($0.key)|\($0.value)" } })
            let names: Set<String> = Set(kept.map(\.name))
            let live: Int = here.filter { !$0.deleted }.count
            let expected: [Int] = [live, names.count + 1, names.count * 3, values.count]
            #expect(c == expected, "partition \(p)")
        }
    }

    /// `-series`: every series of the series file in id order, one aligned table; the live ones
    /// are SHOW SERIES (name unescaped, tags escaped), the dropped ones are marked.
    @Test(.enabled(if: available), arguments: Kind.allCases)
    func series(_ kind: Kind) async throws {
        let fixture = try await Fixtures.get(kind)
        let out = try await fixture.dumptsi(["-series"])
        #expect(out.status == 0 && out.err.isEmpty, "\(out.err)")
        let lines = out.out.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count > 3 && lines.suffix(3) == ["", "", ""])
        let rows = try lines.dropFirst().dropLast(3).map { try Self.cell($0, indent: 0) }
        let widest = max(6, rows.map(\.name.count).max() ?? 0)
        var rendered = "Series" + Self.tabs(6, widest: widest) + "\n"
        for r in rows { rendered += r.name + Self.tabs(r.name.count, widest: widest) + Self.mark(r.deleted) + "\n" }
        #expect(out.out == rendered + "\n\n")

        let live = Set(fixture.series.map { key in Series.printedForm(key) })
        #expect(Set(rows.filter { !$0.deleted }.map(\.name)) == live)
        #expect(Set(rows.filter(\.deleted).map(\.name)) == Set(Self.allSeries.filter(\.deleted).map(\.printed)))
        #expect(rows.count == 60 && live.count == 43)
    }

    /// `-measurements`, `-tag-keys`, `-tag-values`: the merged lists of each partition; what is
    /// not marked deleted adds up to influxd's SHOW answers; the dropped measurement is marked in
    /// every partition and nothing else is.
    @Test(.enabled(if: available), arguments: Kind.allCases, [1, 2, 3])
    func listings(_ kind: Kind, depth: Int) async throws {
        let fixture = try await Fixtures.get(kind)
        let flag = ["-measurements", "-tag-keys", "-tag-values"][depth - 1]
        let out = try await fixture.dumptsi([flag])
        #expect(out.status == 0 && out.err.isEmpty, "\(out.err)")
        let partitions = try Self.parseListing(out.out, depth: depth - 1)
        #expect(Self.renderListing(partitions, depth: depth - 1) == out.out)

        let all = partitions.joined()
        #expect(Set(all.filter { !$0.deleted }.map(\.name)) == fixture.measurements)
        #expect(Set(all.filter(\.deleted).map(\.name)) == ["gone"])
        #expect(partitions.allSatisfy { p in p.contains { $0.name == "gone" && $0.deleted } })
        guard depth >= 2 else { return }
        let live = all.filter { !$0.deleted }
        #expect(!live.contains { m in m.children.contains(where: \.deleted) })
        #expect(Set(live.flatMap { m in m.children.map { "\(m.name)|\($0.name)" } }) == fixture.tagKeys)
        guard depth >= 3 else { return }
        #expect(!live.contains { m in m.children.contains { k in k.children.contains(where: \.deleted) } })
        #expect(Set(live.flatMap { m in m.children.flatMap { k in k.children.map { "\(m.name)|\(k.name)|\($0.name)" } } }) == fixture.tagValues)
        // 1.6 keeps the values of dropped series: SHOW TAG VALUES lists them, and so does dumptsi.
        #expect(fixture.tagValues.contains("cpu|host|h 0") && fixture.tagValues.contains("disk io|host|h 1"))
    }

    /// The same files given one by one, in MANIFEST order, print what the partition prints
    /// within the directory.
    @Test(.enabled(if: available), arguments: [[], ["-tag-values"]])
    func filesAsGiven(_ flags: [String]) async throws {
        let fixture = try await Fixtures.get(.compacted)
        let whole = try await fixture.dumptsi(flags)
        var joined = ""
        for p in 0..<8 {
            let files = try fixture.manifestFiles(p).map { fixture.partition(p) + "/" + $0 }
            let out = try await fixture.dumptsi(flags, files)
            #expect(out.status == 0 && out.err.isEmpty, "\(out.err)")
            joined += out.out
        }
        #expect(whole.status == 0 && joined == whole.out)
    }

    /// `-tag-value-series` lists each value's series (the union over the files). On a tag value
    /// whose series were all dropped in a log file, 1.6 gets no iterator and panics after
    /// printing the value: so does dumptsi, exit status 2.
    @Test(.enabled(if: available))
    func tagValueSeries() async throws {
        let fixture = try await Fixtures.get(.log)
        let filtered = try await fixture.dumptsi(["-tag-value-series", "-measurement-filter", "^m,x$"])
        #expect(filtered.status == 0 && filtered.err.isEmpty, "\(filtered.err)")
        let partitions = try Self.parseListing(filtered.out, depth: 3)
        #expect(Self.renderListing(partitions, depth: 3) == filtered.out)
        let series = Self.allSeries.filter { $0.name == "m,x" }
        for m in partitions.joined() {
            #expect(m.name == "m,x" && !m.deleted)
            for k in m.children {
                for v in k.children {
                    // Each value lists exactly the series (of its partition) that have it.
                    let listed = Set(v.series)
                    #expect(listed.allSatisfy { s in series.contains { $0.printed == s && $0.tags[k.name] == v.name } })
                    #expect(!listed.isEmpty)
                }
            }
        }
        #expect(Set(partitions.joined().flatMap { $0.children.flatMap { $0.children.flatMap(\.series) } }) == Set(series.map(\.printed)))

        let panicked = try await fixture.dumptsi(["-tag-value-series"])
        #expect(panicked.status == 2)
        #expect(panicked.err == "panic: runtime error: invalid memory address or nil pointer dereference\n")
        let last = try #require(panicked.out.split(separator: "\n").last)
        let value = try Self.cell(last, indent: 8)
        let dropped = Self.allSeries.filter { $0.deleted && $0.name != "gone" }
        #expect(dropped.contains { $0.tags.values.contains(value.name) }, "\(last)")
    }

    /// Filters (Go regular expressions, matched anywhere): series by measurement and by a tag
    /// whose key and value both match; listings by measurement, key and value. The expected
    /// lists apply the same patterns to the data and to influxd's answers.
    @Test(.enabled(if: available), arguments: [
        ["-series", "-measurement-filter", "^cpu$"],
        ["-series", "-tag-key-filter", "^host$", "-tag-value-filter", "^h 1$"],
        ["-series", "-tag-value-filter", "=2"],
        ["-tag-values", "-measurement-filter", "io", "-tag-key-filter", "^t=k$", "-tag-value-filter", "=2$"],
        ["-tag-keys", "-measurement-filter", "^(cpu|gone)$", "-tag-key-filter", "o"],
    ])
    func filters(_ flags: [String]) async throws {
        let fixture = try await Fixtures.get(.compacted)
        let out = try await fixture.dumptsi(flags)
        #expect(out.status == 0 && out.err.isEmpty, "\(out.err)")
        func pattern(_ flag: String) throws -> Regex<AnyRegexOutput>? {
            try flags.firstIndex(of: flag).map { try Regex(flags[$0 + 1]) }
        }
        let mf = try pattern("-measurement-filter"), kf = try pattern("-tag-key-filter"), vf = try pattern("-tag-value-filter")
        func matches(_ re: Regex<AnyRegexOutput>?, _ s: String) -> Bool { re.map { s.contains($0) } ?? true }
        if flags[0] == "-series" {
            let rows = try out.out.split(separator: "\n").dropFirst().map { try Self.cell($0, indent: 0) }
            let want = Self.allSeries.filter { s in
                matches(mf, s.name) && ((kf == nil && vf == nil) || s.tags.contains { matches(kf, $0.key) && matches(vf, $0.value) })
            }
            #expect(!want.isEmpty && rows.count == want.count)
            #expect(Set(rows.map(\.name)) == Set(want.map(\.printed)))
            #expect(rows.allSatisfy { r in want.contains { $0.printed == r.name && $0.deleted == r.deleted } })
        } else {
            let depth = flags[0] == "-tag-values" ? 2 : 1
            let partitions = try Self.parseListing(out.out, depth: depth)
            // The header waits for the first measurement that passes the filter.
            #expect(Self.renderListing(partitions, depth: depth) == out.out)
            let all = partitions.joined()
            #expect(Set(all.map(\.name)) == fixture.measurements.union(["gone"]).filter { matches(mf, $0) })
            // Every series has every key: each partition lists all of a measurement's keys.
            for m in all where !m.deleted {
                let keys = fixture.tagKeys.map { $0.split(separator: "|").map(String.init) }.filter { $0[0] == m.name && matches(kf, $0[1]) }
                #expect(Set(m.children.map(\.name)) == Set(keys.map { $0[1] }))
            }
            guard depth == 2 else { return }
            let values = fixture.tagValues.filter { v in
                let p = v.split(separator: "|").map(String.init)
                return matches(mf, p[0]) && matches(kf, p[1]) && matches(vf, p[2])
            }
            let listed = all.filter { !$0.deleted }.flatMap { m in m.children.flatMap { k in k.children.map { "\(m.name)|\(k.name)|\($0.name)" } } }
            #expect(Set(listed) == values && !values.isEmpty)
        }
    }

    /// What dumptsi refuses, with 1.6's texts; no index needed.
    @Test(.enabled(if: InspectProcessTests.built))
    func errors() async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let series = dir.appendingPathComponent("_series").path, empty = dir.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let cases: [([String], Int32, String, String)] = [
            (["-series-file", series, dir.appendingPathComponent("missing").path], 1, "",
             "dumptsi: stat \(dir.path)/missing: no such file or directory\n"),
            (["-series-file", series, empty], 1, "", "dumptsi: Not an index directory: \"\(empty)\"\n"),
            (["-series-file", series, empty + "/a.tsl", empty + "/b.txt"], 1, "", "dumptsi: unexpected file extension: .txt\n"),
            (["-series-file", series, empty + "/a.tsl", empty + "/L1-00000002.tsi"], 1, "",
             "dumptsi: open \(empty)/L1-00000002.tsi: no such file or directory\n"),
            ([empty], 1, "", "dumptsi: series file path required\n"),
            (["-series-file", series, "-tag-key-filter", "(", empty], 1, "", "dumptsi: error parsing regexp: missing closing ): `(`\n"),
            (["-series-file", series], 0, "at least one path required\n\nDumps low-level details about tsi1 files.\n", ""),
            (["-bogus"], 2, "flag provided but not defined: -bogus\nDumps low-level details about tsi1 files.\n", ""),
        ]
        for (args, status, out, err) in cases {
            let result = try await InspectProcessTests.inspect(["dumptsi"] + args)
            #expect(result.status == status, "\(args)")
            #expect(result.err == err, "\(args)")
            #expect(result.out.hasPrefix(out) && (out.isEmpty ? result.out.isEmpty : result.out.hasSuffix("then summary stats are provided for each file.\n")),
                    "\(args): \(result.out)")
        }
        // Read-only: a missing series file and log file stay missing.
        #expect(!FileManager.default.fileExists(atPath: series) && !FileManager.default.fileExists(atPath: empty + "/a.tsl"))
        let help = try await InspectProcessTests.inspect(["help"])
        #expect(help.out.contains("    dumptsi              dumps low-level details about tsi1 files\n"))
    }
}

extension DumpTSIProcessTests.Series {
    /// A SHOW SERIES key as dumptsi prints it: the measurement unescaped.
    static func printedForm(_ key: String) -> String {
        let n = escapedNameLength(key)
        let name = key.prefix(n).replacingOccurrences(of: "\\,", with: ",").replacingOccurrences(of: "\\ ", with: " ")
        return name + String(key.dropFirst(n))
    }
}

/// Makes the suite's influxd directories on demand and removes them when the suite ends.
struct DumpTSIFixtureScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let fixtures = DumpTSIProcessTests.Fixtures()
        try await DumpTSIProcessTests.Fixtures.$current.withValue(fixtures) {
            do {
                try await function()
            } catch {
                await fixtures.removeAll()
                throw error
            }
            await fixtures.removeAll()
        }
    }
}
