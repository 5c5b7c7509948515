#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LineProtocol
import TSDB
import TSM

/// `buildtsi`: influx_inspect 1.6's conversion of shards to the tsi1 index. For every shard
/// under `-datadir` (filtered by `-database`, `-retention`, `-shard`) that has no `index`
/// directory, the series of its TSM files and of its WAL segments (under `-waldir`) are added,
/// through the database's series file, to an index built in `<shard>/.index`, which is then
/// renamed `index`: the next start opens the shard with tsi1 (`Spec/tsi.md`). Messages are
/// 1.6's zap lines on standard error; as 1.6, it asks before running as root.
enum BuildTSICommand {
    static func run(_ args: [String], console: Console) throws(CommandError) {
        var flags = CommandFlags("buildtsi")
        flags.string("datadir", "", "data directory")
        flags.string("waldir", "", "WAL directory")
        flags.string("concurrency", "\(max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))",
                     "Number of workers to dedicate to shard index building. Defaults to GOMAXPROCS")
        flags.string("database", "", "optional: database name")
        flags.string("retention", "", "optional: retention policy")
        flags.string("shard", "", "optional: shard id")
        flags.string("max-log-file-size", "\(1 << 20)", "optional: maximum log file size")
        flags.string("max-cache-size", "\(1 << 30)", "optional: maximum cache size")
        flags.string("batch-size", "10000",
                     "optional: set the size of the batches we write to the index. Setting this can have adverse affects on performance and heap requirements")
        flags.bool("v", "verbose")
        flags.parse(args, console: console)
        let dataDir = flags.string("datadir"), walDir = flags.string("waldir")
        guard flags.arguments.isEmpty, !dataDir.isEmpty, !walDir.isEmpty else {
            flags.printUsage(console)
            return
        }
        guard let maxLogFileSize = VerifySeriesFileCommand.goParseInt(flags.string("max-log-file-size")), maxLogFileSize >= 0 else {
            throw CommandError("invalid value \"\(flags.string("max-log-file-size"))\" for flag -max-log-file-size")
        }
        if getuid() == 0 {
            console.out("""
                You are currently running as root. This will build your
                index files with root ownership and will be inaccessible
                if you run influxd as a non-root user. You should run
                buildtsi as the same user you are running influxd.
                Are you sure you want to continue? (y/N): 
                """)
            let answer = readLine() ?? ""
            guard answer.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("y") else { throw CommandError("operation aborted") }
        }
        let build = Build(log: ZapLog(verbose: true), verbose: flags.bool("v"), console: console, maxLogFileSize: Int(maxLogFileSize),
                          database: flags.string("database"), retention: flags.string("retention"), shard: flags.string("shard"))
        try build.run(dataDir: dataDir, walDir: walDir)
    }

    struct Build {
        let log: ZapLog
        let verbose: Bool
        let console: Console
        let maxLogFileSize: Int
        let database, retention, shard: String

        func info(_ message: String, _ fields: [(String, ZapLog.Value)] = []) {
            if let line = log.line("info", message, fields) { console.err(line) }
        }

        static func directories(_ path: String) throws(CommandError) -> [String] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                throw CommandError("open \(path): no such file or directory")
            }
            return names.sorted().filter { name in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
            }
        }

        func run(dataDir: String, walDir: String) throws(CommandError) {
            for db in try Self.directories(dataDir) where database.isEmpty || db == database {
                info("Rebuilding database", [("name", .string(db))])
                let seriesFile: SeriesFile
                do throws(SeriesFileError) { seriesFile = try SeriesFile.open(path: "\(dataDir)/\(db)/_series") } catch {
                    throw CommandError(error.description)
                }
                defer { seriesFile.close() }
                for rp in try Self.directories("\(dataDir)/\(db)") where rp != "_series" && (retention.isEmpty || rp == retention) {
                    info("Rebuilding retention policy", [("db_instance", .string(db)), ("db_rp", .string(rp))])
                    for id in try Self.directories("\(dataDir)/\(db)/\(rp)") where UInt64(id) != nil && (shard.isEmpty || id == shard) {
                        try buildShard(seriesFile, db: db, rp: rp, id: id, data: "\(dataDir)/\(db)/\(rp)/\(id)", wal: "\(walDir)/\(db)/\(rp)/\(id)")
                    }
                }
            }
        }

        func buildShard(_ seriesFile: SeriesFile, db: String, rp: String, id: String, data: String, wal: String) throws(CommandError) {
            let context: [(String, ZapLog.Value)] = [("db_instance", .string(db)), ("db_rp", .string(rp)), ("db_shard_id", .uint(UInt64(id) ?? 0))]
            info("Rebuilding shard", context)
            let indexPath = data + "/index"
            info("Checking index path", context + [("path", .string(indexPath))])
            if FileManager.default.fileExists(atPath: indexPath) {
                info("tsi1 index already exists, skipping", context + [("path", .string(indexPath))])
                return
            }
            info("Opening shard", context)
            let temporary = data + "/.index"
            info("Cleaning up partial index from previous run, if any", context)
            try? FileManager.default.removeItem(atPath: temporary)
            let index: TSI1Index
            do throws(StoreError) { index = try TSI1Index.open(indexPath: temporary, seriesFile: seriesFile, maxLogFileSize: maxLogFileSize) } catch {
                throw CommandError(error.description)
            }
            info("Opening tsi index in temporary location", context + [("path", .string(temporary))])
            info("Iterating over tsm files", context)
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).sorted() where file.hasSuffix(".tsm") {
                info("Processing tsm file", context + [("path", .string(data + "/" + file))])
                let reader: TSMReader
                do throws(TSMFileError) { reader = try TSMReader(path: data + "/" + file) } catch {
                    if let line = log.line("warn", "Unable to read, skipping", context + [("path", .string(data + "/" + file)), ("error", .string(error.description))]) {
                        console.err(line)
                    }
                    continue
                }
                // As 1.6's reader, a key its tombstones cover entirely is not in the file.
                var deleted: [[UInt8]: [(min: Int64, max: Int64)]] = [:]
                for t in (try? TombstoneFile.read(TombstoneFile.path(forTSM: data + "/" + file))) ?? [] { deleted[t.key, default: []].append((t.min, t.max)) }
                let live = (0..<reader.keyCount).compactMap { i -> [UInt8]? in
                    let key = reader.key(at: i)
                    guard let ranges = deleted[key] else { return key }
                    let entries = reader.entries(at: i).entries
                    guard let first = entries.map(\.minTime).min(), let last = entries.map(\.maxTime).max() else { return key }
                    return ranges.contains { $0.min <= first && $0.max >= last } ? nil : key
                }
                try add(live, to: index, context)
            }
            info("Building cache from wal files", context)
            // The WAL replayed as into a cache: a delete removes the keys written before it.
            var walKeys = Set<[UInt8]>()
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: wal)) ?? []).sorted() where file.hasSuffix(".wal") {
                guard let bytes = FileManager.default.contents(atPath: wal + "/" + file) else { continue }
                for entry in [UInt8](bytes).withUnsafeBytes({ WAL.readEntries($0).entries }) {
                    switch entry {
                    case .write(let series): walKeys.formUnion(series.map(\.key))
                    case .delete(let keys): walKeys.subtract(keys)
                    case .deleteRange(let keys, let min, let max) where min == .min && max == .max: walKeys.subtract(keys)
                    case .deleteRange: continue
                    }
                }
            }
            info("Iterating over cache", context)
            try add(walKeys.sorted { $0.lexicographicallyPrecedes($1) }, to: index, context)
            info("compacting index", context)
            index.waitForCompactions()
            info("Closing tsi index", context)
            info("Moving tsi to permanent location", context)
            if rename(temporary, indexPath) != 0 { throw CommandError("rename \(temporary) \(indexPath): \(String(cString: strerror(errno)))") }
        }

        /// The series of TSM keys (`series#!~#field`), added to the index.
        func add(_ keys: [[UInt8]], to index: TSI1Index, _ context: [(String, ZapLog.Value)]) throws(CommandError) {
            var series: [[UInt8]] = []
            var previous: ArraySlice<UInt8> = []
            for key in keys {
                let seriesKey = key[..<Shard.fieldSeparatorStart(key)]
                if seriesKey == previous { continue }
                previous = seriesKey
                if verbose {
                    let parts = SeriesKey(escaped: seriesKey)
                    let tags = parts.tags.map { String(decoding: $0.key, as: UTF8.self) + ":" + String(decoding: $0.value, as: UTF8.self) }
                    info("Series", context + [("name", .string(String(decoding: parts.name, as: UTF8.self))), ("tags", .string("[" + tags.joined(separator: " ") + "]"))])
                }
                series.append(Array(seriesKey))
            }
            do throws(StoreError) { try index.add(series) } catch { throw CommandError("problem creating series: (\(error))") }
        }

    }
}
