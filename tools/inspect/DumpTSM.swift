#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GoText
import TSM

/// `dumptsm`: a TSM file's summary, its index (`-index`), its blocks (`-blocks`) and
/// statistics on block sizes and encodings — 1.6's `influx_inspect dumptsm`, with its output
/// quirks kept so the two print the same: "Summary:", "Index:", "Blocks:", "  Encoding:" and
/// the blank lines around them go to standard error (Go's builtin `println`), the block
/// table's "Ofs" column adds up block sizes cumulatively rather than giving each block's
/// offset, and with `-filter-key` matching nothing the index table's header is not printed.
enum DumpTSMCommand {
    static let fieldTypes = ["timestamp", "float", "int", "bool", "string", "unsigned"]
    static let blockTypes = ["float64", "int64", "bool", "string", "unsigned"]
    /// Encoding names per section: timestamps, then each block type's values.
    static let encodings: [[String]] = [
        ["none", "s8b", "rle"], ["none", "gor"], ["none", "s8b", "rle"], ["none", "bp"], ["none", "snpy"], ["none", "s8b", "rle"],
    ]

    static func run(_ args: [String], console: Console) throws(CommandError) {
        var flags = CommandFlags("file")
        flags.bool("index", "Dump raw index data")
        flags.bool("blocks", "Dump raw block data")
        flags.bool("all", "Dump all data. Caution: This may print a lot of information")
        flags.string("filter-key", "", "Only display index and block data match this key substring")
        flags.usage = { _, c in
            c.out("""
                Dumps low-level details about tsm1 files.

                Usage: \(programName) dumptsm [flags] <path

                    -index
                            Dump raw index data
                    -blocks
                            Dump raw block data
                    -all
                            Dump all data. Caution: This may print a lot of information
                    -filter-key <name>
                            Only display index and block data match this key substring

                """)
        }
        flags.parse(args, console: console)
        guard !flags.argument(0).isEmpty else {
            console.out("TSM file not specified\n\n")
            flags.printUsage(console)
            return
        }
        let path = flags.argument(0)
        let filter = Array(flags.string("filter-key").utf8)
        let dumpBlocks = flags.bool("blocks") || flags.bool("all") || !filter.isEmpty
        let dumpIndex = flags.bool("index") || flags.bool("all") || !filter.isEmpty

        let probe = open(path, O_RDONLY | O_CLOEXEC)
        guard probe >= 0 else { throw CommandError(goPathError("open", path, errno)) }
        close(probe)
        let file: InspectedTSM
        do throws(CommandError) { file = try InspectedTSM(path: path) } catch {
            throw CommandError("Error opening TSM files: \(error.message)")
        }
        let reader = file.reader
        let keyCount = file.positions.count
        func matches(_ key: [UInt8]) -> Bool { filter.isEmpty || contains(key, filter) }

        console.err("Summary:\n")
        console.out("  File: \(path)\n")
        console.out("  Time Range: \(GoTime.rfc3339(reader.minTime, nano: true)) - \(GoTime.rfc3339(reader.maxTime, nano: true))\n")
        console.out("  Duration: \(GoDurationText.string(ReportCommand.goSub(reader.maxTime, reader.minTime))) ")
        console.out("  Series: \(keyCount) ")
        console.out("  File Size: \(file.size)\n")
        console.err("\n")

        var table = TabWriter(console, minWidth: 8, tabWidth: 8, padding: 1, padChar: "\t")
        if dumpIndex {
            console.err("Index:\n")
            table.flush()
            console.err("\n")
            table.write("  " + ["Pos", "Min Time", "Max Time", "Ofs", "Size", "Key", "Field"].joined(separator: "\t") + "\n")
            var position = 0
            for i in file.positions {
                let key = reader.key(at: i)
                for entry in reader.entries(at: i).entries {
                    position += 1
                    let (series, field) = splitCompositeKey(key)
                    guard matches(key) else { continue }
                    table.write("  " + [
                        String(position), GoTime.rfc3339(entry.minTime, nano: true), GoTime.rfc3339(entry.maxTime, nano: true),
                        String(entry.offset), String(entry.size), String(decoding: series, as: UTF8.self), String(decoding: field, as: UTF8.self),
                    ].joined(separator: "\t") + "\n")
                    table.flush()
                }
            }
        }

        // A new table: whatever the index table still held is dropped, as in 1.x.
        table = TabWriter(console, minWidth: 8, tabWidth: 8, padding: 1, padChar: "\t")
        table.write("  " + ["Blk", "Chk", "Ofs", "Len", "Type", "Min Time", "Points", "Enc [T/V]", "Len [T/V]"].joined(separator: "\t") + "\n")
        var offset: Int64 = 5
        var blockCount: Int64 = 0, pointCount: Int64 = 0, blockSize: Int64 = 0
        var minSize = 0, maxSize = 0
        var counts: [[Int]] = []
        func count(_ section: Int, _ encoding: Int) {
            while counts.count <= section { counts.append([]) }
            while counts[section].count <= encoding { counts[section].append(0) }
            counts[section][encoding] += 1
        }
        for i in file.positions {
            let key = reader.key(at: i)
            for entry in reader.entries(at: i).entries {
                let (checksum, block) = file.block(entry)
                blockSize += Int64(entry.size)
                guard matches(key) else {
                    offset += blockSize
                    blockCount += 1
                    continue
                }
                let decoded: (first: Int64, count: Int, type: Int, timestampEncoding: Int, valueEncoding: Int, tsLength: Int, valueLength: Int)
                do throws(EncodingError) { decoded = try decode(block) } catch {
                    throw CommandError("\(error)")
                }
                pointCount += Int64(decoded.count)
                count(0, decoded.timestampEncoding)
                count(decoded.type + 1, decoded.valueEncoding)
                // 1.x's min/max bookkeeping, quirk included: the max only moves while min is 0.
                if minSize == 0 || block.count < minSize { minSize = block.count }
                if minSize == 0 || block.count > maxSize { maxSize = block.count }
                if dumpBlocks {
                    let names = encodings[decoded.type + 1]
                    table.write("  " + [
                        String(blockCount), String(checksum), String(offset), String(block.count), blockTypes[decoded.type],
                        GoTime.rfc3339(decoded.first, nano: true), String(decoded.count),
                        "\(name(encodings[0], decoded.timestampEncoding))/\(name(names, decoded.valueEncoding))",
                        "\(decoded.tsLength)/\(decoded.valueLength)",
                    ].joined(separator: "\t") + "\n")
                }
                offset += blockSize
                blockCount += 1
            }
        }
        if dumpBlocks {
            console.err("Blocks:\n")
            table.flush()
            console.err("\n")
        }

        let average = blockCount > 0 ? blockSize / blockCount : 0
        console.out("Statistics\n")
        console.out("  Blocks:\n")
        console.out("    Total: \(blockCount) Size: \(blockSize) Min: \(minSize) Max: \(maxSize) Avg: \(average)\n")
        console.out("  Index:\n")
        console.out("    Total: \(blockCount) Size: \(file.indexSize)\n")
        console.out("  Points:\n")
        console.out("    Total: \(pointCount)")
        console.err("\n")
        console.err("  Encoding:\n")
        for (section, sectionCounts) in counts.enumerated() where !sectionCounts.isEmpty {
            let title = fieldTypes[section].prefix(1).uppercased() + fieldTypes[section].dropFirst()
            console.out("    \(title): ")
            for (encoding, n) in sectionCounts.enumerated() {
                console.out("\t\(name(encodings[section], encoding)): \(n) (\(ReportCommand.percent(UInt64(n), UInt64(blockCount)))%) ")
            }
            console.err("\n")
        }
        console.out("  Compression:\n")
        console.out("    Per block: \(GoNumber.fixed2(Double(blockSize) / Double(pointCount))) bytes/point\n")
        console.out("    Total: \(GoNumber.fixed2(Double(file.size) / Double(pointCount))) bytes/point\n")
    }

    private static func name(_ names: [String], _ i: Int) -> String { i < names.count ? names[i] : "?" }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
        return false
    }

    /// Decodes a block fully (as 1.x does, so a damaged block fails the dump) and describes it.
    private static func decode(_ block: UnsafeRawBufferPointer) throws(EncodingError) -> (first: Int64, count: Int, type: Int, timestampEncoding: Int, valueEncoding: Int, tsLength: Int, valueLength: Int) {
        let (type, ts, values) = try Block.sections(of: block)
        var times: [Int64] = []
        switch type {
        case .float:
            var v: [Double] = []
            try Block.decode(block, timestamps: &times, values: &v)
        case .integer:
            var v: [Int64] = []
            try Block.decode(block, timestamps: &times, values: &v)
        case .unsigned:
            var v: [UInt64] = []
            try Block.decode(block, timestamps: &times, values: &v)
        case .boolean:
            var v: [Bool] = []
            try Block.decode(block, timestamps: &times, values: &v)
        case .string:
            var v: [String] = []
            try Block.decode(block, timestamps: &times, values: &v)
        }
        guard let first = times.first, let tsHeader = ts.first, let valueHeader = values.first else { throw .emptyBlock }
        return (first, times.count, Int(type.rawValue), Int(tsHeader >> 4), Int(valueHeader >> 4), ts.count, values.count)
    }
}
