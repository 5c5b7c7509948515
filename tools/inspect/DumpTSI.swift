#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GoText
import TSI

/// `dumptsi`: influx_inspect 1.6's dump of tsi1 index files, against the database's series
/// file (`-series-file`, required). The paths are either one index directory (`<shard>/index`,
/// every partition in turn, each as 1.6's partition opens it from its MANIFEST) or `.tsl` and
/// `.tsi` files taken as one file set in the order given. With no flags each file gets a
/// summary (`[LOG FILE]` counts, `[INDEX FILE]` counts and series data sizes); `-series` lists
/// every series of the series file; `-measurements`, `-tag-keys`, `-tag-values` and
/// `-tag-value-series` (each implying the ones before it) list the merged measurements, keys,
/// values and value series, `(deleted)` after what the newest file having it marks deleted.
/// Filters are Go regular expressions. Output, flags and errors follow 1.6's
/// `cmd/influx_inspect/dumptsi`; files are read through `Sources/TSI` and `Sources/TSDB`
/// (`Spec/tsi.md`, `Spec/series-file.md`) and never written (DumpTSIFiles.swift).
enum DumpTSICommand {
    /// 1.6's default `MaxLogFileSize` (`tsdb.DefaultMaxIndexLogFileSize`): a partition's first
    /// log file smaller than this is its active one.
    static let maxLogFileSize = 1 << 20

    struct Options {
        var showSeries = false
        var showMeasurements = false
        var showTagKeys = false
        var showTagValues = false
        var showTagValueSeries = false
        var measurementFilter: GoRegexp?
        var tagKeyFilter: GoRegexp?
        var tagValueFilter: GoRegexp?
    }

    static func run(_ args: [String], console: Console) throws(CommandError) {
        var flags = CommandFlags("dumptsi")
        flags.string("series-file", "", "Path to series file")
        flags.bool("series", "Show raw series data")
        flags.bool("measurements", "Show raw measurement data")
        flags.bool("tag-keys", "Show raw tag key data")
        flags.bool("tag-values", "Show raw tag value data")
        flags.bool("tag-value-series", "Show raw series data for each value")
        flags.string("measurement-filter", "", "Regex measurement filter")
        flags.string("tag-key-filter", "", "Regex tag key filter")
        flags.string("tag-value-filter", "", "Regex tag value filter")
        flags.usage = { _, c in printUsage(c) }
        flags.parse(args, console: console)

        var options = Options()
        for (name, keyPath) in [("measurement-filter", \Options.measurementFilter), ("tag-key-filter", \.tagKeyFilter),
                                ("tag-value-filter", \.tagValueFilter)] {
            let pattern = flags.string(name)
            guard !pattern.isEmpty else { continue }
            switch GoRegexp.compile(pattern) {
            case .success(let re): options[keyPath: keyPath] = re
            case .failure(let error): throw error
            }
        }
        let seriesFilePath = flags.string("series-file")
        guard !seriesFilePath.isEmpty else { throw CommandError("series file path required") }
        let paths = flags.arguments
        guard !paths.isEmpty else {
            console.out("at least one path required\n\n")
            printUsage(console)
            return
        }
        options.showSeries = flags.bool("series")
        options.showMeasurements = flags.bool("measurements")
        options.showTagKeys = flags.bool("tag-keys")
        options.showTagValues = flags.bool("tag-values")
        options.showTagValueSeries = flags.bool("tag-value-series")
        // Some flags imply others.
        if options.showTagValueSeries { options.showTagValues = true }
        if options.showTagValues { options.showTagKeys = true }
        if options.showTagKeys { options.showMeasurements = true }

        let seriesFile = try DumpTSISeriesFile.open(seriesFilePath)
        let dump = Dump(options: options, seriesFile: seriesFile, console: console)
        let fileSets = try openFileSets(paths, seriesFile: seriesFile, console: console)
        if options.showSeries { dump.printSeries() }
        for files in fileSets {
            if options.showSeries || options.showMeasurements {
                try dump.printMeasurements(files)
            } else {
                dump.printFileSummaries(files)
            }
        }
    }

    static func printUsage(_ console: Console) {
        console.out("""
            Dumps low-level details about tsi1 files.

            Usage: \(programName) dumptsi [flags] path...

                -series
                        Dump raw series data
                -measurements
                        Dump raw measurement data
                -tag-keys
                        Dump raw tag keys
                -tag-values
                        Dump raw tag values
                -tag-value-series
                        Dump raw series for each tag value
                -measurement-filter REGEXP
                        Filters data by measurement regular expression
                -series-file PATH
                        Path to the "_series" directory under the database data directory.
                        Required.
                -tag-key-filter REGEXP
                        Filters data by tag key regular expression
                -tag-value-filter REGEXP
                        Filters data by tag value regular expression

            One or more paths are required. Path must specify either a TSI index directory
            or it should specify one or more .tsi/.tsl files. If no flags are specified
            then summary stats are provided for each file.

            """)
    }

    /// A Go runtime panic where 1.6's dumptsi has one: the message on standard error, exit 2
    /// (Go also prints the goroutine's stack, which has no counterpart here).
    static func goPanic(_ message: String, _ console: Console) -> Never {
        console.err("panic: runtime error: \(message)\n")
        console.exit(2)
    }

    // MARK: - Opening

    /// The file sets to dump: one per partition of an index directory, or the files given.
    static func openFileSets(_ paths: [String], seriesFile: DumpTSISeriesFile, console: Console) throws(CommandError) -> [[DumpTSIFile]] {
        if paths.count == 1 {
            let path = paths[0]
            var st = stat()
            guard stat(path, &st) == 0 else { throw CommandError(goPathError("stat", path, errno)) }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                guard try isIndexDirectory(path) else { throw CommandError("Not an index directory: \(GoQuote.quote(path))") }
                return try openIndex(path, seriesFile: seriesFile, console: console)
            }
        }
        var files: [DumpTSIFile] = []
        for path in paths {
            switch GoPath.ext(path) {
            case ManifestFileName.logExtension: files.append(.log(try DumpTSILogFile(path: path, seriesFile: seriesFile, console: console)))
            case ManifestFileName.indexExtension: files.append(.index(try DumpTSIIndexFile(path: path)))
            case let ext: throw CommandError("unexpected file extension: \(ext)")
            }
        }
        return [files]
    }

    /// 1.6's `IsIndexDir`: a subdirectory (not a link to one) holding a MANIFEST.
    static func isIndexDirectory(_ path: String) throws(CommandError) -> Bool {
        let names: [String]
        switch GoPath.names(in: path) {
        case .success(let n): names = n
        case .failure(let failure): throw CommandError(goPathError("open", path, failure.code))
        }
        for name in names {
            let dir = GoPath.join(path, name)
            guard case .success(let info) = GoPath.lstat(dir), info.isDirectory else { continue }
            let manifest = GoPath.join(dir, Manifest.fileName)
            var st = stat()
            if stat(manifest, &st) == 0 { return true }
            if errno != ENOENT { throw CommandError(goPathError("stat", manifest, errno)) }
        }
        return false
    }

    /// 1.6's partition count: `TSI_PARTITIONS` from the environment, else 8.
    static func partitionCount(_ console: Console) -> Int {
        guard let raw = getenv("TSI_PARTITIONS"), raw.pointee != 0 else { return ManifestPartitions.count }
        let text = String(cString: raw)
        guard let n = Int(text) else {
            // 1.6 panics in its package init on this, before any command runs.
            console.err("panic: strconv.Atoi: parsing \(GoQuote.quote(text)): invalid syntax\n")
            console.exit(2)
        }
        if n < 0 { goPanic("makeslice: len out of range", console) }
        return n
    }

    /// Every partition of the index at `path`, opened as 1.6's `Index.Open` opens them (what
    /// it would create is read as empty), then the sections it decodes on open.
    static func openIndex(_ path: String, seriesFile: DumpTSISeriesFile, console: Console) throws(CommandError) -> [[DumpTSIFile]] {
        try DumpTSIPaths.requireDirectoryOrAbsent(path)
        var partitions: [[DumpTSIFile]] = []
        for p in 0..<partitionCount(console) {
            partitions.append(try openPartition(GoPath.join(path, String(p)), seriesFile: seriesFile, console: console))
        }
        let indexFiles = partitions.joined().compactMap { file -> DumpTSIIndexFile? in
            if case .index(let f) = file { return f }
            return nil
        }
        for f in indexFiles { try f.checkSketches(measurements: false) }
        for f in indexFiles { try f.checkSketches(measurements: true) }
        return partitions
    }

    /// One partition's files in MANIFEST order (newest first). With no log file under 1.6's
    /// size limit, 1.6 starts a new empty one in front (`L0-<highest id + 1>.tsl`).
    static func openPartition(_ path: String, seriesFile: DumpTSISeriesFile, console: Console) throws(CommandError) -> [DumpTSIFile] {
        try DumpTSIPaths.requireDirectoryOrAbsent(path)
        let manifest: Manifest
        do throws(ManifestError) {
            manifest = try Manifest.read(path: GoPath.join(path, Manifest.fileName)) ?? Manifest()
            try manifest.validate()
        } catch {
            if case .syntax(let reason, _) = error { throw CommandError(reason) }
            throw CommandError(error.description)
        }
        var files: [DumpTSIFile] = []
        var hasActiveLog = false
        for name in manifest.files {
            switch GoPath.ext(name) {
            case ManifestFileName.logExtension:
                let log = try DumpTSILogFile(path: GoPath.join(path, name), seriesFile: seriesFile, console: console)
                if log.size < maxLogFileSize { hasActiveLog = true }
                files.append(.log(log))
            case ManifestFileName.indexExtension:
                files.append(.index(try DumpTSIIndexFile(path: GoPath.join(path, name))))
            default:
                continue
            }
        }
        if !hasActiveLog {
            let next = (files.map(\.id).max() ?? 0) + 1
            files.insert(.log(DumpTSILogFile(empty: GoPath.join(path, ManifestFileName.log(id: next)))), at: 0)
        }
        for case .index(let f) in files.reversed() { try f.checkSets() }
        return files
    }

    // MARK: - Printing

    struct Dump {
        let options: Options
        let seriesFile: DumpTSISeriesFile
        let console: Console

        func tabWriter() -> TabWriter { TabWriter(console, minWidth: 8, tabWidth: 8, padding: 1, padChar: "\t") }

        static func deleted(_ v: Bool) -> String { v ? "(deleted)" : "" }

        /// 1.6's `ParseSeriesKey` of the series file's key: an id with no key panics there.
        func series(_ id: UInt64) -> DumpTSISeries {
            guard let series = seriesFile.series(id) else { DumpTSICommand.goPanic("index out of range [1] with length 0", console) }
            return series
        }

        /// The measurement filter, then any tag whose key and value both pass theirs.
        func matches(_ s: DumpTSISeries) -> Bool {
            if let re = options.measurementFilter, !re.matches(s.name) { return false }
            if options.tagKeyFilter != nil || options.tagValueFilter != nil {
                let any = s.tags.contains { tag in
                    (options.tagKeyFilter?.matches(tag.key) ?? true) && (options.tagValueFilter?.matches(tag.value) ?? true)
                }
                if !any { return false }
            }
            return true
        }

        /// Every series of the series file, deleted ones marked, in one aligned table.
        func printSeries() {
            let tw = tabWriter()
            tw.write("Series\t\n")
            for id in seriesFile.ids() {
                let s = series(id)
                guard matches(s) else { continue }
                tw.write(bytes: s.printed)
                tw.write("\t\(Self.deleted(seriesFile.isDeleted(id)))\n")
            }
            tw.flush()
            console.out("\n\n")
        }

        func printMeasurements(_ files: [DumpTSIFile]) throws(CommandError) {
            guard options.showMeasurements else { return }
            // The header goes out with the first measurement (none: never).
            let tw = tabWriter()
            tw.write("Measurement\t\n")
            if !files.isEmpty {
                for m in DumpTSIMerge.merge(files.map { $0.measurements() }) {
                    if let re = options.measurementFilter, !re.matches(m.name) { continue }
                    tw.write(bytes: m.name)
                    tw.write("\t\(Self.deleted(m.deleted))\n")
                    tw.flush()
                    try printTagKeys(files, m.name)
                }
            }
            console.out("\n\n")
        }

        func printTagKeys(_ files: [DumpTSIFile], _ name: [UInt8]) throws(CommandError) {
            guard options.showTagKeys else { return }
            var lists: [[DumpTSIElement]] = []
            for f in files { if let keys = try f.tagKeys(name) { lists.append(keys) } }
            let tw = tabWriter()
            for k in DumpTSIMerge.merge(lists) {
                if let re = options.tagKeyFilter, !re.matches(k.name) { continue }
                tw.write("    ")
                tw.write(bytes: k.name)
                tw.write("\t\(Self.deleted(k.deleted))\n")
                tw.flush()
                try printTagValues(files, name, k.name)
            }
            console.out("\n")
        }

        func printTagValues(_ files: [DumpTSIFile], _ name: [UInt8], _ key: [UInt8]) throws(CommandError) {
            guard options.showTagValues else { return }
            var lists: [[DumpTSIElement]] = []
            for f in files { if let values = try f.tagValues(name, key) { lists.append(values) } }
            let tw = tabWriter()
            for v in DumpTSIMerge.merge(lists) {
                if let re = options.tagValueFilter, !re.matches(v.name) { continue }
                tw.write("        ")
                tw.write(bytes: v.name)
                tw.write("\t\(Self.deleted(v.deleted))\n")
                tw.flush()
                try printTagValueSeries(files, name, key, v.name)
            }
            console.out("\n")
        }

        func printTagValueSeries(_ files: [DumpTSIFile], _ name: [UInt8], _ key: [UInt8], _ value: [UInt8]) throws(CommandError) {
            guard options.showTagValueSeries else { return }
            var lists: [[UInt64]] = []
            for f in files { if let ids = try f.tagValueSeries(name, key, value) { lists.append(ids) } }
            // 1.6 calls Next on the nil iterator it gets when no file has series for the value.
            guard let ids = DumpTSIMerge.series(lists) else { DumpTSICommand.goPanic("invalid memory address or nil pointer dereference", console) }
            for id in ids {
                if id == 0 { break }
                let s = series(id)
                guard matches(s) else { continue }
                console.out("            ")
                console.out(bytes: s.printed)
                console.out("\n")
            }
            console.out("\n")
        }

        func printFileSummaries(_ files: [DumpTSIFile]) {
            for file in files {
                switch file {
                case .log(let f): printLogFileSummary(f)
                case .index(let f): printIndexFileSummary(f)
                }
                console.out("\n")
            }
        }

        func printLogFileSummary(_ f: DumpTSILogFile) {
            console.out("[LOG FILE] \(GoPath.base(f.path))\n")
            let tw = tabWriter()
            tw.write("Series:\t\(f.seriesCount)\n")
            tw.write("Measurements:\t\(f.measurementCount)\n")
            tw.write("Tag Keys:\t\(f.tagKeyCount)\n")
            tw.write("Tag Values:\t\(f.tagValueCount)\n")
            tw.flush()
        }

        func printIndexFileSummary(_ f: DumpTSIIndexFile) {
            console.out("[INDEX FILE] \(GoPath.base(f.path))\n")
            var measurementN: UInt64 = 0, measurementSeriesN: UInt64 = 0, measurementSeriesSize: UInt64 = 0
            var keyN: UInt64 = 0
            var valueN: UInt64 = 0, valueSeriesN: UInt64 = 0, valueSeriesSize: UInt64 = 0
            for m in f.file.measurements {
                // Decoded when the file was opened: these reads do not fail.
                if let block = try? f.file.tagBlock(of: m), let keys = try? block.keys() {
                    for k in keys {
                        for v in (try? k.values()) ?? [] {
                            valueN &+= 1
                            valueSeriesN &+= v.series.count
                            valueSeriesSize &+= UInt64(v.series.bytes.count)
                        }
                        keyN &+= 1
                    }
                }
                measurementN &+= 1
                measurementSeriesN &+= m.series.count
                measurementSeriesSize &+= UInt64(m.series.bytes.count)
            }
            let tw = tabWriter()
            tw.write("Measurements:\t\(measurementN)\n")
            tw.write("  Series data size:\t\(measurementSeriesSize) (\(Self.formatSize(measurementSeriesSize)))\n")
            tw.write("  Bytes per series:\t\(Self.fixed1(Double(measurementSeriesSize) / Double(measurementSeriesN)))b\n")
            tw.write("Tag Keys:\t\(keyN)\n")
            tw.write("Tag Values:\t\(valueN)\n")
            tw.write("  Series:\t\(valueSeriesN)\n")
            tw.write("  Series data size:\t\(valueSeriesSize) (\(Self.formatSize(valueSeriesSize)))\n")
            tw.write("  Bytes per series:\t\(Self.fixed1(Double(valueSeriesSize) / Double(valueSeriesN)))b\n")
            tw.flush()
        }

        /// Go's `%.1f` (`NaN` and `+Inf` spelled as Go spells them).
        static func fixed1(_ v: Double) -> String {
            if v.isNaN { return "NaN" }
            if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
            return String(format: "%.1f", v)
        }

        /// 1.6's `formatSize`: the largest unit of b, kb, mb, gb, tb (powers of 1024) not
        /// above the value, one decimal; from 1024 tb up the division is by 1024⁵, as in 1.6.
        static func formatSize(_ v: UInt64) -> String {
            var denominator: UInt64 = 1
            var unit = ""
            for u in ["b", "kb", "mb", "gb", "tb"] {
                unit = u
                if denominator * 1024 > v { break }
                denominator *= 1024
            }
            return fixed1(Double(v) / Double(denominator)) + unit
        }
    }
}
