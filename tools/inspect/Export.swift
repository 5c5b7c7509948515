#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GoText
import InfluxQL
import TSM

/// `export`: every point under a data directory and a WAL directory as line protocol, in the
/// file layout `influx -import` reads (Spec/inspect-export.md). Follows 1.6's
/// `influx_inspect export`, with 1.8's additions `-lponly` and `-out -`.
enum ExportCommand {
    static func run(_ args: [String], console: Console) throws(CommandError) {
        let home = getenv("HOME").map { String(cString: $0) } ?? ""
        var flags = CommandFlags("export")
        flags.string("datadir", home + "/.influxdb/data", "Data storage path")
        flags.string("waldir", home + "/.influxdb/wal", "WAL storage path")
        flags.string("out", home + "/.influxdb/export", "'-' for standard out or the destination file to export to")
        flags.string("database", "", "Optional: the database to export")
        flags.string("retention", "", "Optional: the retention policy to export (requires -database)")
        flags.string("start", "", "Optional: the start time to export (RFC3339 format)")
        flags.string("end", "", "Optional: the end time to export (RFC3339 format)")
        flags.bool("lponly", "Only export line protocol")
        flags.bool("compress", "Compress the output")
        flags.usage = { set, c in
            c.out("Exports TSM files into InfluxDB line protocol format.\n\n")
            c.out("Usage: \(programName) export [flags]\n\n")
            set.printDefaults(c)
        }
        flags.parse(args, console: console)

        var export = Export(console: console)
        export.dataDir = flags.string("datadir")
        export.walDir = flags.string("waldir")
        export.out = flags.string("out")
        export.database = flags.string("database")
        export.retention = flags.string("retention")
        export.compress = flags.bool("compress")
        export.lineProtocolOnly = flags.bool("lponly")
        if !flags.string("start").isEmpty { export.start = try GoTime.parseRFC3339(flags.string("start")).mapError { CommandError($0.description) }.get() }
        if !flags.string("end").isEmpty { export.end = try GoTime.parseRFC3339(flags.string("end")).mapError { CommandError($0.description) }.get() }

        if !export.retention.isEmpty && export.database.isEmpty { throw CommandError("must specify a db") }
        if export.start != 0 && export.end != 0 && export.end < export.start { throw CommandError("end time before start time") }
        try export.run()
    }
}

/// One run of `export`.
struct Export {
    let console: Console
    var dataDir = "", walDir = "", out = "", database = "", retention = ""
    var start = Int64.min, end = Int64.max
    var compress = false, lineProtocolOnly = false

    /// `db/rp` directories found, and their files in walk order.
    private var manifest = Set<String>()
    private var tsmFiles: [String: [String]] = [:]
    private var walFiles: [String: [String]] = [:]

    init(console: Console) { self.console = console }

    mutating func run() throws(CommandError) {
        // The data directory first, then the WAL directory: either failing to walk stops the export.
        tsmFiles = try collect(dataDir) { path in GoPath.ext(path) == ".tsm" }
        walFiles = try collect(walDir) { path in GoPath.ext(path) == ".wal" && GoPath.base(path).hasPrefix("_") }
        try write()
    }

    /// Files under `root` that `matches` accepts, grouped by their first two directories
    /// (database and retention policy) and filtered by `-database`/`-retention`.
    private mutating func collect(_ root: String, _ matches: (String) -> Bool) throws(CommandError) -> [String: [String]] {
        var found: [String: [String]] = [:]
        let database = self.database, retention = self.retention
        var keys = manifest
        try GoPath.walk(root) { (path: String, _: GoPath.Info?, error: String?) throws(CommandError) in
            if let error { throw CommandError(error) }
            guard matches(path) else { return }
            let dirs = GoPath.relative(root, path).split(separator: "/", omittingEmptySubsequences: false)
            guard dirs.count >= 2 else { throw CommandError("invalid directory structure for \(path)") }
            guard database.isEmpty || dirs[0] == database, retention.isEmpty || dirs[1] == retention else { return }
            let key = GoPath.join(String(dirs[0]), String(dirs[1]))
            keys.insert(key)
            found[key, default: []].append(path)
        }
        manifest = keys
        return found
    }

    private func write() throws(CommandError) {
        let output = try ExportOutput(path: out == "-" ? nil : out, compress: compress)
        // With -out - the progress messages move to standard error, out of the data's way.
        let progress: (String) -> Void = out == "-" ? { console.err($0) } : { console.out($0) }
        // Comments and section markers go through `meta`, which -lponly silences.
        let meta: (String) throws(CommandError) -> Void = { (text: String) throws(CommandError) in
            if !lineProtocolOnly { try output.write(text) }
        }
        try meta("# INFLUXDB EXPORT: \(GoTime.rfc3339(start, local: true)) - \(GoTime.rfc3339(end, local: true))\n")
        // Go walks a map here (a random order each run); sorted is one of its orders.
        let keys = manifest.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        if !lineProtocolOnly {
            try meta("# DDL\n")
            for key in keys {
                let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                try output.write("CREATE DATABASE \(Quote.ident(parts[0])) WITH NAME \(Quote.ident(parts.count > 1 ? parts[1] : ""))\n")
            }
        }
        try meta("# DML\n")
        for key in keys {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            try meta("# CONTEXT-DATABASE:\(parts[0])\n")
            try meta("# CONTEXT-RETENTION-POLICY:\(parts.count > 1 ? parts[1] : "")\n")
            var lines = LineWriter(output: output, console: console, start: start, end: end)
            if let files = tsmFiles[key] {
                progress("writing out tsm file data for \(key)...")
                try meta("# writing tsm data\n")
                // File names sort in the order they were written.
                for file in files.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                    try lines.exportTSM(file)
                }
                progress("complete.\n")
            }
            if let files = walFiles[key] {
                progress("writing out wal file data for \(key)...")
                try meta("# writing wal data\n")
                var warned = false
                for file in files.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                    try lines.exportWAL(file) {
                        guard !warned else { return }
                        warned = true
                        console.err("""
                            WARNING: detected deletes in wal file.
                            Some series for \(GoQuote.quote(key)) may be brought back by replaying this data.
                            To resolve, you can either let the shard snapshot prior to exporting the data
                            or manually editing the exported file.
                            \t\t\t

                            """)
                    }
                }
                progress("complete.\n")
            }
        }
        try output.finish()
    }
}

/// Formats points as 1.x's export does, straight into the output buffer: the series key as
/// stored (already escaped), a space, the field name with `,` `"` space and `=` escaped, `=`,
/// the value (float as Go's `%g` shortest, `123i`, `123u`, `true`/`false`, a string in
/// double quotes with `"` and `\` escaped), a space and the time in nanoseconds.
struct LineWriter {
    let output: ExportOutput
    let console: Console
    let start: Int64, end: Int64
    private var timestamps: [Int64] = []
    private var floats: [Double] = []
    private var integers: [Int64] = []
    private var unsigneds: [UInt64] = []
    private var booleans: [Bool] = []
    /// One key's lines: 1.x writes nothing for a key with an unreadable block.
    private var pending: [UInt8] = []

    init(output: ExportOutput, console: Console, start: Int64, end: Int64) {
        self.output = output
        self.console = console
        self.start = start
        self.end = end
    }

    /// `<series key> <escaped field>=`.
    static func prefix(_ key: some Collection<UInt8>) -> [UInt8] {
        let (series, field) = splitCompositeKey(key)
        var out = Array(series)
        out.append(UInt8(ascii: " "))
        for b in field {
            switch b {
            case UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: " "), UInt8(ascii: "="): out.append(UInt8(ascii: "\\"))
            default: break
            }
            out.append(b)
        }
        out.append(UInt8(ascii: "="))
        return out
    }

    mutating func exportTSM(_ path: String) throws(CommandError) {
        let probe = open(path, O_RDONLY | O_CLOEXEC)
        guard probe >= 0 else {
            let code = errno
            if code == ENOENT {
                try output.write("skipped missing file: \(path)")
                return
            }
            throw CommandError(goPathError("open", path, code))
        }
        close(probe)
        let file: InspectedTSM
        do throws(CommandError) { file = try InspectedTSM(path: path) } catch {
            console.err("unable to read \(path), skipping: \(error.message)\n")
            return
        }
        let reader = file.reader
        guard reader.minTime <= end && reader.maxTime >= start else { return }
        for position in file.positions {
            let key = reader.key(at: position)
            let (_, entries) = reader.entries(at: position)
            let deleted = file.tombstones[key] ?? []
            let prefix = Self.prefix(key)
            pending.removeAll(keepingCapacity: true)
            var failure: String?
            for entry in entries {
                // A block a tombstone covers entirely is not even read.
                if deleted.contains(where: { $0.min <= entry.minTime && $0.max >= entry.maxTime }) { continue }
                do throws(EncodingError) {
                    try append(block: file.block(entry).block, prefix: prefix, deleted: deleted)
                } catch {
                    failure = "\(error)"
                    break
                }
            }
            if let failure {
                console.err("unable to read key \(GoQuote.quote(key)) in \(path), skipping: \(failure)\n")
                continue
            }
            try output.write(bytes: pending)
        }
    }

    /// Entries of a WAL segment in order: writes become lines; deletes are not applied (1.x's
    /// export neither) but reported once per database and retention policy through `warnDelete`.
    mutating func exportWAL(_ path: String, warnDelete: () -> Void) throws(CommandError) {
        let bytes: [UInt8]
        switch GoPath.readFile(path) {
        case .failure(let failure):
            let code = failure.code
            if code == ENOENT {
                try output.write("skipped missing file: \(path)")
                return
            }
            throw CommandError(goPathError("open", path, code))
        case .success(let content):
            bytes = content
        }
        let (entries, valid, failure) = bytes.withUnsafeBytes { WAL.readEntries($0) }
        for entry in entries {
            switch entry {
            case .delete, .deleteRange:
                warnDelete()
            case .write(let series):
                for (key, values) in series {
                    pending.removeAll(keepingCapacity: true)
                    append(values: values, prefix: Self.prefix(key))
                    try output.write(bytes: pending)
                }
            }
        }
        if let failure { console.err("file \(path) corrupt at position \(valid): \(failure)") }
    }

    private func keep(_ t: Int64, _ deleted: [(min: Int64, max: Int64)]) -> Bool {
        guard t >= start && t <= end else { return false }
        for d in deleted where t >= d.min && t <= d.max { return false }
        return true
    }

    /// Decodes one TSM block (by its own type byte, as 1.x's `DecodeBlock`) into lines.
    private mutating func append(block: UnsafeRawBufferPointer, prefix: [UInt8], deleted: [(min: Int64, max: Int64)]) throws(EncodingError) {
        timestamps.removeAll(keepingCapacity: true)
        switch try Block.type(of: block) {
        case .float:
            floats.removeAll(keepingCapacity: true)
            try Block.decode(block, timestamps: &timestamps, values: &floats)
            let ts = timestamps, vs = floats
            for i in ts.indices where keep(ts[i], deleted) {
                Self.line(&pending, prefix, ts[i]) { GoNumber.appendFloat(vs[i], to: &$0) }
            }
        case .integer:
            integers.removeAll(keepingCapacity: true)
            try Block.decode(block, timestamps: &timestamps, values: &integers)
            let ts = timestamps, vs = integers
            for i in ts.indices where keep(ts[i], deleted) {
                Self.line(&pending, prefix, ts[i]) { GoNumber.appendInt(vs[i], to: &$0); $0.append(UInt8(ascii: "i")) }
            }
        case .unsigned:
            unsigneds.removeAll(keepingCapacity: true)
            try Block.decode(block, timestamps: &timestamps, values: &unsigneds)
            let ts = timestamps, vs = unsigneds
            for i in ts.indices where keep(ts[i], deleted) {
                Self.line(&pending, prefix, ts[i]) { GoNumber.appendUInt(vs[i], to: &$0); $0.append(UInt8(ascii: "u")) }
            }
        case .boolean:
            booleans.removeAll(keepingCapacity: true)
            try Block.decode(block, timestamps: &timestamps, values: &booleans)
            let ts = timestamps, vs = booleans
            for i in ts.indices where keep(ts[i], deleted) {
                Self.line(&pending, prefix, ts[i]) { $0.append(contentsOf: vs[i] ? Self.trueText : Self.falseText) }
            }
        case .string:
            // Strings stay bytes (a Go string may hold any bytes): no String per value.
            let (_, tsSection, valueSection) = try Block.sections(of: block)
            try TimestampEncoding.decode(tsSection, into: &timestamps)
            let ts = timestamps
            let (start, end) = (self.start, self.end)
            var out = pending
            pending = []
            defer { pending = out }
            let mark = out.count
            var i = 0
            try StringEncoding.forEach(valueSection) { raw in
                defer { i += 1 }
                guard i < ts.count, ts[i] >= start, ts[i] <= end,
                      !deleted.contains(where: { ts[i] >= $0.min && ts[i] <= $0.max }) else { return }
                Self.line(&out, prefix, ts[i]) { Self.appendQuoted(raw, to: &$0) }
            }
            if i != ts.count {
                out.removeSubrange(mark...)
                throw .countMismatch(timestamps: ts.count, values: i)
            }
        }
    }

    private mutating func append(values: WALValues, prefix: [UInt8]) {
        switch values {
        case .float(let ts, let vs):
            for i in ts.indices where keep(ts[i], []) { Self.line(&pending, prefix, ts[i]) { GoNumber.appendFloat(vs[i], to: &$0) } }
        case .integer(let ts, let vs):
            for i in ts.indices where keep(ts[i], []) {
                Self.line(&pending, prefix, ts[i]) { GoNumber.appendInt(vs[i], to: &$0); $0.append(UInt8(ascii: "i")) }
            }
        case .unsigned(let ts, let vs):
            for i in ts.indices where keep(ts[i], []) {
                Self.line(&pending, prefix, ts[i]) { GoNumber.appendUInt(vs[i], to: &$0); $0.append(UInt8(ascii: "u")) }
            }
        case .boolean(let ts, let vs):
            for i in ts.indices where keep(ts[i], []) { Self.line(&pending, prefix, ts[i]) { $0.append(contentsOf: vs[i] ? Self.trueText : Self.falseText) } }
        case .string(let ts, let vs):
            for i in ts.indices where keep(ts[i], []) {
                Self.line(&pending, prefix, ts[i]) { out in vs[i].withUnsafeBytes { Self.appendQuoted($0, to: &out) } }
            }
        }
    }

    private static let trueText = Array("true".utf8), falseText = Array("false".utf8)

    @inline(__always)
    private static func line(_ out: inout [UInt8], _ prefix: [UInt8], _ time: Int64, _ value: (inout [UInt8]) -> Void) {
        out.append(contentsOf: prefix)
        value(&out)
        out.append(UInt8(ascii: " "))
        GoNumber.appendInt(time, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// `"` + the bytes with `"` and `\` escaped + `"` (1.x's `EscapeStringField`).
    static func appendQuoted(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in raw {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}
