import Foundation
import InfluxQL
import LineProtocol
import Meta
import TSM

/// Sundial's own subcommands from before the influx_inspect ones, kept as they were: other
/// tools call them (tools/crosscheck).
///   dump FILE.tsm            keys, block types, entries and points
///   dump-wal FILE.wal        entries of a WAL segment
///   write-lp INPUT.lp DIR    line protocol → WAL + cache → one level-1 TSM file in DIR (what
///                            a Sundial shard writes)
///   meta-sample DIR          writes DIR/meta.db through Sundial's MetaClient (the databases
///                            tools/crosscheck expects)
///   influxql FILE            one query per line (JSON strings): prints `OK <canonical>` or
///                            `ERR <parse error>` per line
enum LegacyCommands {
    static let names: Set<String> = ["dump", "dump-wal", "write-lp", "meta-sample", "influxql"]

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }

    static func run(_ name: String, _ args: [String]) async throws {
        guard args.count >= 1 else { fail("usage: sundial-inspect dump FILE.tsm | dump-wal FILE.wal | write-lp INPUT.lp DIR") }
        switch name {
        case "dump":
            let reader = try TSMReader(path: args[0])
            print("\(reader.keyCount) keys, times \(reader.minTime)...\(reader.maxTime), \(reader.size) bytes")
            for position in 0..<reader.keyCount {
                let key = String(decoding: reader.key(at: position), as: UTF8.self)
                let (type, entries) = reader.entries(at: position)
                print("\(key) \(type) blocks=\(entries.count)")
                for e in entries { print("  [\(e.minTime), \(e.maxTime)] offset=\(e.offset) size=\(e.size)") }
            }
        case "dump-wal":
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: args[0])))
            let (entries, valid, failure) = bytes.withUnsafeBytes { WAL.readEntries($0) }
            for entry in entries {
                switch entry {
                case .write(let series):
                    for (key, values) in series { print("write \(String(decoding: key, as: UTF8.self)) \(values)") }
                case .delete(let keys): print("delete \(keys.map { String(decoding: $0, as: UTF8.self) })")
                case .deleteRange(let keys, let min, let max): print("delete-range [\(min), \(max)] \(keys.map { String(decoding: $0, as: UTF8.self) })")
                }
            }
            if let failure { print("stopped at byte \(valid): \(failure)") }
        case "write-lp":
            guard args.count >= 2 else { fail("usage: sundial-inspect write-lp INPUT.lp DIR") }
            let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: args[0])))
            let parsed = LineProtocolParser.parse(input, options: ParseOptions(defaultTime: 0))
            if let errors = parsed.errorText { fail(errors) }
            let dir = args[1]
            let engine = Engine(path: dir, walPath: dir + "/.wal")
            _ = try engine.open()
            for point in parsed.points {
                var series: [(key: [UInt8], values: WALValues)] = []
                point.forEachField { rawKey, value in
                    let key = Array(point.seriesKey) + TSMFormat.fieldSeparator + Array(rawKey)
                    switch value {
                    case .float(let v): series.append((key, .float([point.time], [v])))
                    case .integer(let v): series.append((key, .integer([point.time], [v])))
                    case .unsigned(let v): series.append((key, .unsigned([point.time], [v])))
                    case .boolean(let v): series.append((key, .boolean([point.time], [v])))
                    case .string(let v): series.append((key, .string([point.time], [Array(v.utf8)])))
                    }
                }
                try engine.write(series)
            }
            try engine.snapshot()
            try? FileManager.default.removeItem(atPath: dir + "/.wal")
            print("wrote \(parsed.points.count) points to \(dir)")
        case "meta-sample":
            let meta = try MetaClient(directory: args[0])
            try await meta.createDatabase("alpha")
            try await meta.createRetentionPolicy(database: "alpha", name: "hour", duration: 2 * 3_600_000_000_000, shardGroupDuration: 3_600_000_000_000)
            try await meta.createRetentionPolicy(database: "alpha", name: "forever", duration: 0, makeDefault: true)
            try await meta.createDatabase("beta")
            try await meta.createRetentionPolicy(database: "beta", name: "week", duration: 7 * 86_400_000_000_000, replicaN: 1, makeDefault: true)
            try await meta.createDatabase("gamma")
            try await meta.dropDatabase("gamma")
            print("wrote \(args[0])/meta.db")
        case "influxql":
            let lines = try String(contentsOfFile: args[0], encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
            for line in lines {
                guard let query = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) as? String else { continue }
                do {
                    // As influxd's handler does, surrounding whitespace is trimmed first.
                    let parsed = try Parser.parseQuery(query.trimmingCharacters(in: .whitespacesAndNewlines))
                    print("OK " + parsed.description.replacingOccurrences(of: "\n", with: "\\n"))
                } catch {
                    print("ERR " + error.description.replacingOccurrences(of: "\n", with: "\\n"))
                }
            }
        default:
            fail("unknown command \(name)")
        }
    }
}
