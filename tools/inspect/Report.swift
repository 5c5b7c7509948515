import GoText
import TSM

/// `report`: per TSM file its series count and how many series it adds to its database, the
/// time range and how long the file took to open, in a table; then totals, and with
/// `-detailed` cardinalities per measurement, field and tag key. Counts are HyperLogLog++
/// estimates unless `-exact` (HyperLogLog.swift). As 1.6's `influx_inspect report`, except
/// that `-pattern` keeps the files whose path contains it — what its help says and what 1.8
/// does; 1.6 skipped exactly those files.
enum ReportCommand {
    static func run(_ args: [String], console: Console) throws(CommandError) {
        var flags = CommandFlags("report")
        flags.string("pattern", "", "Include only files matching a pattern")
        flags.bool("detailed", "Report detailed cardinality estimates")
        flags.bool("exact", "Report exact counts")
        flags.usage = { _, c in
            c.out("""
                Displays shard level report.

                Usage: \(programName) report [flags]

                    -pattern <pattern>
                            Include only files matching a pattern.
                    -exact
                            Report exact cardinality counts instead of estimates.  Note: this can use a lot of memory.
                            Defaults to "false".
                    -detailed
                            Report detailed cardinality estimates.
                            Defaults to "false".

                """)
        }
        flags.parse(args, console: console)
        let exact = flags.bool("exact"), detailed = flags.bool("detailed"), pattern = flags.string("pattern")
        let estimated = exact ? "" : " (est)"
        let dir = flags.argument(0)
        if detailed && !isShardDir(dir) { throw CommandError("-detailed only supported for shard dirs") }

        var totalSeries = DistinctCounter(exact: exact)
        var databases: [String: DistinctCounter] = [:]
        var measurements: [[UInt8]: DistinctCounter] = [:]
        var fields: [[UInt8]: DistinctCounter] = [:]
        var tags: [[UInt8]: DistinctCounter] = [:]
        let started = GoTime.monotonic()

        let table = TabWriter(console, minWidth: 8, tabWidth: 2, padding: 1, padChar: " ")
        table.write(["DB", "RP", "Shard", "File", "Series", "New" + estimated, "Min Time", "Max Time", "Load Time"].joined(separator: "\t") + "\n")
        var minTime = Int64.max, maxTime = Int64.min
        var fileCount = 0
        for file in try shardFiles(dir) {
            if !pattern.isEmpty && !file.path.contains(pattern) { continue }
            let loadStart = GoTime.monotonic()
            let tsm: InspectedTSM
            do throws(CommandError) { tsm = try InspectedTSM(path: file.path) } catch {
                console.err("error: \(file.path): \(error.message). Skipping.\n")
                continue
            }
            let loadTime = GoTime.monotonic() - loadStart
            fileCount += 1
            var database = databases[file.db] ?? DistinctCounter(exact: exact)
            let before = database.count()
            let reader = tsm.reader
            for position in tsm.positions {
                let key = reader.key(at: position)
                totalSeries.add(key)
                database.add(key)
                guard detailed else { continue }
                let (series, field) = splitCompositeKey(key)
                let parsed = ParsedSeriesKey(series)
                measurements[parsed.measurement, default: DistinctCounter(exact: exact)].add(key)
                fields[parsed.measurement, default: DistinctCounter(exact: exact)].add(field)
                for tag in parsed.tags { tags[tag.key, default: DistinctCounter(exact: exact)].add(tag.value) }
            }
            let added = database.count() &- before
            databases[file.db] = database
            minTime = min(minTime, reader.minTime)
            maxTime = max(maxTime, reader.maxTime)
            table.write([
                file.db, file.rp, file.id, GoPath.base(file.path), String(tsm.positions.count), String(Int64(bitPattern: added)),
                GoTime.rfc3339(reader.minTime, nano: true), GoTime.rfc3339(reader.maxTime, nano: true),
                GoDurationText.string(loadTime),
            ].joined(separator: "\t") + "\n")
            if detailed { table.flush() }
        }
        table.flush()

        // 1.x prints these blank lines and "Summary:" with Go's builtin println: on stderr.
        console.err("\n")
        console.err("Summary:\n")
        console.out("  Files: \(fileCount)\n")
        console.out("  Time Range: \(GoTime.rfc3339(minTime, nano: true)) - \(GoTime.rfc3339(maxTime, nano: true))\n")
        console.out("  Duration: \(GoDurationText.string(goSub(maxTime, minTime))) \n")
        console.err("\n")
        console.out("Statistics\n")
        console.out("  Series:\n")
        let total = totalSeries.count()
        // Go walks a map here (a random order each run); sorted is one of its orders.
        for db in databases.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let n = databases[db]!.count()
            console.out("     - \(db)\(estimated): \(n) (\(percent(n, total))%)\n")
        }
        console.out("  Total\(estimated): \(total)\n")
        if detailed {
            console.out("\n  Measurements (est):\n")
            for name in sortedKeys(measurements) {
                let n = measurements[name]!.count()
                console.out("    - \(String(decoding: name, as: UTF8.self)): \(n) (\(percent(n, total))%)\n")
            }
            console.out("\n  Fields (est):\n")
            for name in sortedKeys(fields) { console.out("    - \(String(decoding: name, as: UTF8.self)): \(fields[name]!.count())\n") }
            console.out("\n  Tags (est):\n")
            for name in sortedKeys(tags) { console.out("    - \(String(decoding: name, as: UTF8.self)): \(tags[name]!.count())\n") }
        }
        console.out("Completed in \(GoDurationText.string(GoTime.monotonic() - started))\n")
    }

    /// `int(float64(n)/float64(total)*100)`; Go on amd64 turns the NaN of 0/0 into the
    /// smallest int64.
    static func percent(_ n: UInt64, _ total: UInt64) -> String {
        let ratio = Double(n) / Double(total) * 100
        guard ratio.isFinite, ratio < 9.2e18, ratio > -9.2e18 else { return String(Int64.min) }
        return String(Int64(ratio))
    }

    static func sortedKeys(_ map: [[UInt8]: DistinctCounter]) -> [[UInt8]] {
        map.keys.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// `time.Unix(0, a).Sub(time.Unix(0, b))`: saturated at the int64 limits.
    static func goSub(_ a: Int64, _ b: Int64) -> Int64 {
        let (d, overflow) = a.subtractingReportingOverflow(b)
        guard overflow else { return d }
        return a < b ? .min : .max
    }

    /// 1.x's `isShardDir`: the last element of the path is a positive integer.
    static func isShardDir(_ dir: String) -> Bool {
        guard let id = goAtoi(GoPath.base(dir)) else { return false }
        return id >= 1
    }

    /// Go's `strconv.Atoi`: an optional sign and decimal digits that fit an int64.
    static func goAtoi(_ s: String) -> Int64? {
        var digits = Substring(s)
        var negative = false
        if let first = digits.first, first == "+" || first == "-" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return negative ? Int64("-" + digits) : Int64(digits)
    }

    /// A TSM file with the database, retention policy and shard its directories name.
    struct ShardFile {
        let db: String, rp: String, id: String, path: String
    }

    /// Every `.tsm` file under `root`, each required to sit in a shard directory (a number),
    /// in shard number order (walk order within a shard).
    static func shardFiles(_ root: String) throws(CommandError) -> [ShardFile] {
        var files: [ShardFile] = []
        try GoPath.walk(root) { (path: String, info: GoPath.Info?, error: String?) throws(CommandError) in
            if let error { throw CommandError(error) }
            guard let info, !info.isDirectory, GoPath.ext(GoPath.base(path)) == ".tsm" else { return }
            let shardDir = GoPath.dir(path)
            guard isShardDir(shardDir) else { throw CommandError("not a valid shard dir: \(shardDir)") }
            let parts = GoPath.abs(path).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 4 else { throw CommandError("not a valid shard dir: \(shardDir)") }
            files.append(ShardFile(db: parts[parts.count - 4], rp: parts[parts.count - 3], id: parts[parts.count - 2], path: path))
        }
        // Stable, so files of one shard keep their walk order.
        return files.enumerated().sorted { a, b in
            let x = goAtoi(a.element.id) ?? 0, y = goAtoi(b.element.id) ?? 0
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
    }
}
