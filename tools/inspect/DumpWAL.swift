import GoText
import TSM

/// `dumptsmwal` (also `dumpwal`): every entry of one or more WAL segments — 1.6's
/// `influx_inspect dumptsmwal` (1.x has no `dumpwal`; the name is Sundial's alias). A write
/// prints `[write] sz=<bytes>` and a line per value, its keys in byte order; deletes print
/// their keys. With `-show-duplicates` only the keys whose times go backwards or repeat
/// within a file are printed, sorted.
enum DumpWALCommand {
    static func run(_ args: [String], console: Console) throws(CommandError) {
        var flags = CommandFlags("dumptsmwal")
        flags.bool("show-duplicates", "prints keys with out-of-order or duplicate values")
        flags.usage = { _, c in
            c.out("Dumps all entries from one or more TSM WAL files.\n\nUsage: \(programName) dumptsmwal path...")
        }
        flags.parse(args, console: console)
        guard !flags.arguments.isEmpty else {
            console.out("path required\n\n")
            flags.printUsage(console)
            return
        }
        for path in flags.arguments {
            try dump(path, duplicatesOnly: flags.bool("show-duplicates"), console: console)
        }
    }

    private static func dump(_ path: String, duplicatesOnly: Bool, console: Console) throws(CommandError) {
        guard GoPath.ext(path) == ".wal" else {
            console.log("invalid wal filename, skipping \(path)")
            return
        }
        let bytes: [UInt8]
        switch GoPath.readFile(path) {
        case .failure(let failure): throw CommandError(goPathError("open", path, failure.code))
        case .success(let content): bytes = content
        }
        var lastTime: [[UInt8]: Int64] = [:]
        var duplicates = Set<[UInt8]>()
        let (entries, _, failure) = bytes.withUnsafeBytes { WAL.readEntries($0) }
        var line: [UInt8] = []
        for entry in entries {
            switch entry {
            case .write(let series):
                if !duplicatesOnly { console.out("[write] sz=\(writeSize(series))\n") }
                for (key, values) in series.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                    let ts = values.timestamps
                    for i in ts.indices {
                        if let previous = lastTime[key], ts[i] <= previous { duplicates.insert(key) }
                        lastTime[key] = ts[i]
                        if duplicatesOnly { continue }
                        line.removeAll(keepingCapacity: true)
                        line += key
                        line.append(UInt8(ascii: " "))
                        switch values {
                        case .integer(_, let v): GoNumber.appendInt(v[i], to: &line); line.append(UInt8(ascii: "i"))
                        case .unsigned(_, let v): GoNumber.appendUInt(v[i], to: &line); line.append(UInt8(ascii: "u"))
                        case .float(_, let v): GoNumber.appendFloat(v[i], to: &line)
                        case .boolean(_, let v): line += Array((v[i] ? "true" : "false").utf8)
                        case .string(_, let v): line += Array(GoQuote.quote(v[i]).utf8)
                        }
                        line.append(UInt8(ascii: " "))
                        GoNumber.appendInt(ts[i], to: &line)
                        line.append(UInt8(ascii: "\n"))
                        console.out(bytes: line)
                    }
                }
            case .delete(let keys):
                console.out("[delete] sz=\(keys.count + keys.reduce(0) { $0 + $1.count })\n")
                for key in keys { console.out(bytes: key + [0x0A]) }
            case .deleteRange(let keys, let min, let max):
                console.out("[delete-range] min=\(min) max=\(max) sz=\(16 + keys.count * 4 + keys.reduce(0) { $0 + $1.count })\n")
                for key in keys { console.out(bytes: key + [0x0A]) }
            }
        }
        if let failure { throw CommandError("cannot read entry: \(failure)") }
        if duplicatesOnly {
            for key in duplicates.sorted(by: { $0.lexicographicallyPrecedes($1) }) { console.out(bytes: key + [0x0A]) }
        }
    }

    /// 1.x's `WriteWALEntry.MarshalSize`: per key its type, length and count (7 bytes) and
    /// the key; per value 8 bytes of time and the value (8, 1 for a boolean, 4 + length for
    /// a string).
    private static func writeSize(_ series: [(key: [UInt8], values: WALValues)]) -> Int {
        var size = 7 * series.count
        for (key, values) in series {
            size += key.count + 8 * values.count
            switch values {
            case .float, .integer, .unsigned: size += 8 * values.count
            case .boolean: size += values.count
            case .string(_, let v): size += v.reduce(0) { $0 + 4 + $1.count }
            }
        }
        return size
    }
}
