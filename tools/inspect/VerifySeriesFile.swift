#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization
import Checksum
import GoText
import TSDB

/// `verify-seriesfile`: influx_inspect 1.6's check of the series files that 1.x keeps per
/// database (`<data>/<db>/_series`), read with `Sources/TSDB/SeriesFile`. Flags as 1.6
/// (`-dir`, `-db`, `-series-file`, `-v`, `-c`); messages are 1.6's zap log lines in logfmt on
/// standard error (errors always, `Verifying …` progress with `-v`), and like 1.6 the command
/// exits 0 whether or not the files are valid: only a file it cannot read at all fails it.
///
/// The checks are 1.8's (which fixed two 1.6 bugs that reported every tombstone as a key that
/// does not parse and every series deleted after an index compaction as an inconsistency),
/// plus Sundial's: an unknown flag byte is reported instead of ending the segment silently;
/// keys are decoded strictly; a tombstone must name a series created before it; every id and
/// key must belong to its partition; and the index header (count, highest id and offset) and
/// every slot of both maps must agree with the segments. Partitions are verified with `-c`
/// workers but their messages are printed in partition order, each partition to its end
/// (1.6 stops the other workers at the first bad partition); `-v` adds one result line per
/// partition and per series file. `Spec/series-file.md` describes the format.
enum VerifySeriesFileCommand {
    static func run(_ args: [String], console: Console) throws(CommandError) {
        let home = getenv("HOME").map { String(cString: $0) } ?? ""
        let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var flags = CommandFlags("verify-seriesfile")
        flags.string("dir", home + "/.influxdb/data", "Data directory.")
        flags.string("db", "", "Only use this database inside of the data directory.")
        flags.string("series-file", "", "Path to a series file. This overrides -db and -dir.")
        flags.bool("v", "Verbose output.")
        flags.string("c", "\(cpus)", "How many concurrent workers to run.")
        flags.usage = { _, c in
            c.out("""
                Verifies the integrity of Series files.

                Usage: \(programName) verify-seriesfile [flags]

                    -dir <path>
                            Root data path.
                            Defaults to "\(home)/.influxdb/data".
                    -db <name>
                            Only verify this database inside of the data directory.
                    -series-file <path>
                            Path to a series file. This overrides -db and -dir.
                    -v
                            Enable verbose logging.
                    -c
                            How many concurrent workers to run.
                            Defaults to "\(cpus)" on this machine.

                """)
        }
        flags.parse(args, console: console)
        guard let concurrency = goParseInt(flags.string("c")) else {
            let value = flags.string("c")
            console.out("invalid value \"\(value)\" for flag -c: strconv.ParseInt: parsing \"\(value)\": invalid syntax\n")
            flags.printUsage(console)
            console.exit(2)
        }
        let log = ZapLog(verbose: flags.bool("v"))
        let verifier = SeriesFileVerifier(log: log, concurrency: max(1, concurrency))

        if !flags.string("series-file").isEmpty {
            try verifier.verifySeriesFile(flags.string("series-file"), console: console)
            return
        }
        let dir = flags.string("dir")
        if !flags.string("db").isEmpty {
            try verifier.verifySeriesFile(GoPath.join(dir, flags.string("db"), "_series"), console: console)
            return
        }
        let databases: [String]
        do throws(SeriesFileError) { databases = try SeriesFileDirectory.list(dir) } catch { throw CommandError(error.description) }
        for db in databases where SeriesFileDirectory.isDirectory(GoPath.join(dir, db)) {
            try verifier.verifySeriesFile(GoPath.join(dir, db, "_series"), console: console)
        }
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`/`0o`/`0b`/leading-0 octal or decimal.
    static func goParseInt(_ text: String) -> Int? {
        var s = Substring(text)
        var negative = false
        if s.hasPrefix("+") || s.hasPrefix("-") { negative = s.first == "-"; s = s.dropFirst() }
        var radix = 10
        if s.hasPrefix("0x") || s.hasPrefix("0X") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0b") || s.hasPrefix("0B") { radix = 2; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") || s.hasPrefix("0O") { radix = 8; s = s.dropFirst(2) }
        else if s.hasPrefix("0") && s.count > 1 { radix = 8; s = s.dropFirst() }
        guard !s.isEmpty, !s.hasPrefix("+"), !s.hasPrefix("-"), let value = Int(s, radix: radix) else { return nil }
        return negative ? -value : value
    }
}

/// 1.x's zap logger as influx_inspect builds it (`logger.Config.New`): logfmt lines
/// `ts=… lvl=… msg=… log_id=…` then the context fields and the call's fields; level warn, or
/// info with `-v`.
struct ZapLog: Sendable {
    /// One field's value.
    enum Value: Sendable {
        case string(String)
        case int(Int64)
        case uint(UInt64)
        case bool(Bool)
    }

    let verbose: Bool
    let logID: String

    init(verbose: Bool) {
        self.verbose = verbose
        logID = Self.snowflake()
    }

    /// A line, or nil when the level is off.
    func line(_ level: String, _ message: String, _ fields: [(String, Value)]) -> String? {
        if level == "info" && !verbose { return nil }
        var out = "ts=" + Self.timestamp() + " lvl=" + level + " msg=" + Self.quote(message) + " log_id=" + logID
        for (key, value) in fields {
            out += " " + key + "="
            switch value {
            case .string(let s): out += Self.quote(s)
            case .int(let n): out += String(n)
            case .uint(let n): out += String(n)
            case .bool(let b): out += b ? "true" : "false"
            }
        }
        return out + "\n"
    }

    /// zap-logfmt's quoting: bare unless empty or holding a space, `=`, `"`, a control or
    /// non-ASCII byte.
    static func quote(_ s: String) -> String {
        let needs = s.isEmpty || s.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\"") || $0 >= 0x7f }
        guard needs else { return s }
        return GoJSONString.quote(s, escapingHTML: false)
    }

    /// `2006-01-02T15:04:05.000000Z` in UTC, as 1.x's encoder writes `ts`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2) + "T"
            + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2) + "."
            + pad(Int(now.tv_nsec) / 1000, 6) + "Z"
    }

    /// 1.x's `log_id`: a snowflake id (milliseconds since 2017-04-09 shifted left 22 bits) in
    /// its 64-character alphabet, 11 characters.
    static func snowflake() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
        var n = (millis &- 1_491_696_000_000) << 22
        let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~".utf8)
        var out = [UInt8](repeating: 0, count: 11)
        for i in stride(from: 10, through: 0, by: -1) {
            out[i] = digits[Int(n & 0x3f)]
            n >>= 6
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The verification itself: one series file at a time, its partitions on `concurrency` workers.
struct SeriesFileVerifier: Sendable {
    let log: ZapLog
    let concurrency: Int

    /// Where a series was created, as the segment walk saw it.
    struct IDData {
        var offset: Int64 = 0
        var segment = -1
        var key: Range<Int> = 0..<0
        var deleted = false
    }

    /// One partition's log lines and verdict.
    struct PartitionResult: Sendable {
        var lines: [String] = []
        var valid = true
    }

    /// `VerifySeriesFile`: every partition directory under `path`.
    func verifySeriesFile(_ path: String, console: Console) throws(CommandError) {
        let context: [(String, ZapLog.Value)] = [("path", .string(path))]
        emit(console, "info", "Verifying series file", context)
        if !SeriesFileDirectory.exists(path) {
            emit(console, "error", "Series file does not exist", context)
            return
        }
        let names: [String]
        do throws(SeriesFileError) { names = try SeriesFileDirectory.list(path) } catch { throw CommandError(error.description) }
        let results = Mutex<[PartitionResult?]>(Array(repeating: nil, count: names.count))
        let next = Mutex(0)
        let workers = min(concurrency, max(names.count, 1))
        let verifier = self
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.withLock { n -> Int in
                    defer { n += 1 }
                    return n
                }
                guard i < names.count else { return }
                let result = verifier.verifyPartition(path + "/" + names[i], name: names[i], context: context)
                results.withLock { $0[i] = result }
            }
        }
        var valid = true
        for result in results.withLock({ $0 }) {
            guard let result else { continue }
            for line in result.lines { console.err(line) }
            valid = valid && result.valid
        }
        emit(console, "info", "Verified series file", context + [("valid", .bool(valid))])
    }

    private func emit(_ console: Console, _ level: String, _ message: String, _ fields: [(String, ZapLog.Value)]) {
        if let line = log.line(level, message, fields) { console.err(line) }
    }

    /// `VerifyPartition`: each segment, then the index.
    func verifyPartition(_ path: String, name: String, context: [(String, ZapLog.Value)]) -> PartitionResult {
        var result = PartitionResult()
        let context = context + [("partition", .string(name))]
        func add(_ level: String, _ message: String, _ fields: [(String, ZapLog.Value)]) {
            if let line = log.line(level, message, context + fields) { result.lines.append(line) }
        }
        func finish(_ valid: Bool) -> PartitionResult {
            result.valid = valid
            add("info", "Verified partition", [("valid", .bool(valid))])
            return result
        }
        add("info", "Verifying partition", [])
        let files: [String]
        do throws(SeriesFileError) { files = try SeriesFileDirectory.list(path) } catch {
            add("error", "Error reading partition", [("error", .string(error.description))])
            return finish(false)
        }
        let number = name.utf8.count == 2 ? Int(name, radix: 16).flatMap { (0..<8).contains($0) ? $0 : nil } : nil
        var segments: [SeriesSegment] = []
        var ids: [UInt64: IDData] = [:]
        for file in files {
            guard let segmentID = SeriesSegment.parseFileName(file) else { continue }
            var lines: [String] = []
            let segment = verifySegment(path + "/" + file, id: segmentID, index: segments.count, partition: number,
                                        context: context + [("segment", .string(file))], ids: &ids, lines: &lines)
            result.lines += lines
            guard let segment else { return finish(false) }
            segments.append(segment)
        }
        var lines: [String] = []
        let valid = verifyIndex(path + "/index", path: path, segments: segments, ids: ids, context: context, lines: &lines)
        result.lines += lines
        return finish(valid)
    }

    /// `VerifySegment`: every entry decodes, insert ids increase, tombstones name known ids;
    /// records each id in `ids`. Returns the segment when it is valid.
    func verifySegment(_ path: String, id segmentID: UInt16, index: Int, partition: Int?, context: [(String, ZapLog.Value)],
                       ids: inout [UInt64: IDData], lines: inout [String]) -> SeriesSegment? {
        func add(_ level: String, _ message: String, _ fields: [(String, ZapLog.Value)]) {
            if let line = log.line(level, message, context + fields) { lines.append(line) }
        }
        add("info", "Verifying segment", [])
        let segment: SeriesSegment
        do throws(SeriesFileError) { segment = try SeriesSegment.read(path: path, id: segmentID) } catch {
            add("error", "Error opening segment", [("error", .string(error.description))])
            return nil
        }
        var prevID: UInt64 = 0, first = true
        var position = SeriesSegment.headerSize
        let ok: Bool = segment.data.withUnsafeBytes { b in
            while true {
                let entry: SeriesEntry?
                do throws(SeriesFileError) { entry = try SeriesSegment.entry(in: b, at: position) } catch {
                    switch error {
                    case .invalidFlag(let flag, let offset):
                        add("error", "Invalid flag", [("flag", .uint(UInt64(flag))), ("offset", .int(Int64(offset)))])
                    case .truncated:
                        add("error", "Unable to advance buffer", [("offset", .int(Int64(position))),
                            ("error", .string("unable to advance \(SeriesSegment.entryHeaderSize) bytes: \(b.count - position) remaining"))])
                    default:
                        let remaining = b.count - position
                        add("error", "Unable to advance buffer", [("offset", .int(Int64(position))),
                            ("error", .string("unable to advance \(needed(b, position)) bytes: \(remaining) remaining"))])
                    }
                    return false
                }
                guard let entry else { return true }
                let offset = SeriesFileOffset.join(segment: segmentID, position: UInt32(truncatingIfNeeded: entry.position))
                switch entry.kind {
                case .insert:
                    if !first && prevID > entry.id {
                        add("error", "ID is not monotonically increasing",
                            [("prev_id", .uint(prevID)), ("id", .uint(entry.id)), ("offset", .int(Int64(position)))])
                        return false
                    }
                    first = false
                    prevID = entry.id
                    do throws(SeriesFileError) { _ = try SeriesFileKey.decode(b, at: entry.key.lowerBound) } catch {
                        add("error", "Panic parsing key", [("key", .string(hex(b, entry.key))), ("offset", .int(Int64(position))),
                                                           ("recovered", .string(error.description))])
                        return false
                    }
                    if let partition {
                        if SeriesFileHash.partition(ofID: entry.id) != partition {
                            add("error", "Series ID in wrong partition", [("id", .uint(entry.id)), ("offset", .int(Int64(position))),
                                                                            ("id_partition", .int(Int64(SeriesFileHash.partition(ofID: entry.id))))])
                            return false
                        }
                        let keyPartition = SeriesFileHash.partition(ofKey: UnsafeRawBufferPointer(rebasing: b[entry.key]))
                        if keyPartition != partition {
                            add("error", "Series key in wrong partition", [("id", .uint(entry.id)), ("key", .string(hex(b, entry.key))),
                                                                             ("offset", .int(Int64(position))), ("key_partition", .int(Int64(keyPartition)))])
                            return false
                        }
                    }
                    ids[entry.id] = IDData(offset: offset, segment: index, key: entry.key, deleted: false)
                case .tombstone:
                    guard ids[entry.id] != nil else {
                        add("error", "Tombstone for unknown series ID", [("id", .uint(entry.id)), ("offset", .int(Int64(position)))])
                        return false
                    }
                    ids[entry.id]?.deleted = true
                }
                position = entry.end
            }
        }
        return ok ? segment : nil
    }

    /// The size the entry at `position` claims (header plus length-prefixed key).
    private func needed(_ b: UnsafeRawBufferPointer, _ position: Int) -> Int {
        var size = 0, shift = 0, i = position + SeriesSegment.entryHeaderSize
        while i < b.count, shift < 63 {
            size |= Int(b[i] & 0x7f) << shift
            if b[i] < 0x80 { break }
            shift += 7
            i += 1
        }
        return SeriesSegment.entryHeaderSize + (i - position - SeriesSegment.entryHeaderSize + 1) + size
    }

    private func hex(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(range.count * 2)
        for i in range {
            out.append(digits[Int(b[i] >> 4)])
            out.append(digits[Int(b[i] & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `VerifyIndex` (1.8's checks): for each id in order, the index agrees on whether it is
    /// deleted, and for a live one on its offset and on the id its key finds. Then Sundial's:
    /// the header's count and highest id/offset, and every non-empty slot of both maps.
    func verifyIndex(_ indexPath: String, path: String, segments: [SeriesSegment], ids: [UInt64: IDData],
                     context: [(String, ZapLog.Value)], lines: inout [String]) -> Bool {
        func add(_ level: String, _ message: String, _ fields: [(String, ZapLog.Value)]) {
            if let line = log.line(level, message, context + fields) { lines.append(line) }
        }
        add("info", "Verifying index", [])
        var index: SeriesFileIndex?
        if SeriesFileDirectory.exists(indexPath) {
            do throws(SeriesFileError) { index = try SeriesFileIndex.read(path: indexPath) } catch {
                add("error", "Error opening index", [("error", .string(error.description))])
                return false
            }
        }
        let partition = SeriesFilePartition(path: path, segments: segments, index: index)
        let lookup = partition.lookup()
        for id in ids.keys.sorted() {
            guard let data = ids[id] else { continue }
            let gotDeleted = lookup.isDeleted(id)
            if gotDeleted != data.deleted {
                add("error", "Index inconsistency", [("id", .uint(id)), ("got_deleted", .bool(gotDeleted)), ("expected_deleted", .bool(data.deleted))])
                return false
            }
            if data.deleted { continue }
            let gotOffset = lookup.offset(forID: id)
            if gotOffset != data.offset {
                add("error", "Index inconsistency", [("id", .uint(id)), ("got_offset", .int(gotOffset)), ("expected_offset", .int(data.offset))])
                return false
            }
            let gotID = lookup.id(forKey: segments[data.segment].data[data.key])
            if gotID != id {
                add("error", "Index inconsistency", [("id", .uint(id)), ("got_id", .uint(gotID)), ("expected_id", .uint(id))])
                return false
            }
        }
        guard let index else { return true }

        // The header: the maps cover the inserts up to maxOffset, the last of them at maxOffset.
        let header = index.header
        var covered: UInt64 = 0
        var lastID: UInt64 = 0, lastOffset: Int64 = 0
        for (id, data) in ids where data.offset <= header.maxOffset {
            covered += 1
            if data.offset > lastOffset { lastOffset = data.offset; lastID = id }
        }
        if header.count != covered {
            add("error", "Index inconsistency", [("got_count", .uint(header.count)), ("expected_count", .uint(covered)),
                                                 ("max_offset", .int(header.maxOffset))])
            return false
        }
        if header.maxOffset != lastOffset || header.maxSeriesID != lastID {
            add("error", "Index inconsistency", [("got_max_offset", .int(header.maxOffset)), ("expected_max_offset", .int(lastOffset)),
                                                 ("got_max_series_id", .uint(header.maxSeriesID)), ("expected_max_series_id", .uint(lastID))])
            return false
        }
        // Every slot in use names an insert the maps cover, at its own offset.
        for slot in 0..<index.capacity {
            let (id, offset) = index.idOffsetSlot(slot)
            if id == 0 && offset == 0 { continue }
            if ids[id]?.offset != offset || offset > header.maxOffset {
                add("error", "Index inconsistency", [("map", .string("id/offset")), ("slot", .int(Int64(slot))), ("id", .uint(id)), ("offset", .int(offset))])
                return false
            }
        }
        for slot in 0..<index.capacity {
            let (offset, id) = index.keyIDSlot(slot)
            if offset == 0 && id == 0 { continue }
            if ids[id]?.offset != offset || offset > header.maxOffset {
                add("error", "Index inconsistency", [("map", .string("key/id")), ("slot", .int(Int64(slot))), ("id", .uint(id)), ("offset", .int(offset))])
                return false
            }
        }
        return true
    }
}
