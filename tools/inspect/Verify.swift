#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum
import GoText
import TSM

/// `verify`: every TSM file under `<dir>/data`, each block's stored CRC-32 against its bytes
/// (or, with `-check-utf8`, every key's UTF-8), one line per file and a total. As 1.8's
/// `influx_inspect verify` (1.6 printed "healthy" even for a file with broken blocks): broken
/// blocks are reported but do not fail the command; a file that cannot be opened ends the
/// walk with an error, as does `-check-utf8` finding an invalid key.
enum VerifyCommand {
    static func run(_ args: [String], console: Console) throws(CommandError) {
        let home = getenv("HOME").map { String(cString: $0) } ?? ""
        var flags = CommandFlags("verify")
        flags.string("dir", home + "/.influxdb", "Root storage path. [$HOME/.influxdb]")
        flags.bool("check-utf8", "Verify series keys are valid UTF-8")
        flags.usage = { _, c in
            c.out("""
                Verifies the integrity of TSM files.

                Usage: \(programName) verify [flags]

                    -dir <path>
                            The root storage path.
                            Must be changed if you are using a non-default storage directory.
                            Defaults to "\(home)/.influxdb".
                    -check-utf8 
                            Verify series keys are valid UTF-8.
                            This check skips verification of block checksums.
                 
                """)
        }
        flags.parse(args, console: console)

        let dataPath = GoPath.join(flags.string("dir"), "data")
        let table = TabWriter(console, minWidth: 16, tabWidth: 8, padding: 0, padChar: "\t")
        // 1.x flushes the table before returning the error, so the totals print either way.
        defer { table.flush() }
        var files: [String] = []
        do throws(CommandError) {
            try GoPath.walk(dataPath) { (path: String, _: GoPath.Info?, error: String?) throws(CommandError) in
                if let error { throw CommandError(error) }
                if GoPath.ext(path) == ".tsm" { files.append(path) }
            }
        } catch {
            throw CommandError("could not load storage files (use -dir for custom storage root): \(error.message)")
        }
        if flags.bool("check-utf8") {
            try checkUTF8(files, table)
        } else {
            try checkBlocks(files, table)
        }
    }

    private static func checkBlocks(_ files: [String], _ table: TabWriter) throws(CommandError) {
        let started = GoTime.monotonic()
        var broken = 0, total = 0
        let failure = eachFile(files) { path, file in
            let reader = file.reader
            var fileErrors = 0, count = 0
            for position in file.positions {
                let key = reader.key(at: position)
                for entry in reader.entries(at: position).entries {
                    total += 1
                    let (stored, block) = file.block(entry)
                    let expected = CRC32.checksum(block)
                    if stored != expected {
                        broken += 1
                        fileErrors += 1
                        // Go prints the key with %v: its bytes in decimal.
                        table.write("\(path): got \(stored) but expected \(expected) for key \(goByteList(key)), block \(count)\n")
                    }
                    count += 1
                }
            }
            if fileErrors == 0 { table.write("\(path): healthy\n") }
        }
        let seconds = Double(GoTime.monotonic() - started) / 1e9
        table.write("Broken Blocks: \(broken) / \(total), in \(GoNumber.float(seconds))s\n")
        if let failure { throw failure }
    }

    private static func checkUTF8(_ files: [String], _ table: TabWriter) throws(CommandError) {
        let started = GoTime.monotonic()
        var invalid = 0, total = 0
        var failure = eachFile(files) { path, file in
            var fileErrors = 0
            total += file.positions.count
            for (n, position) in file.positions.enumerated() where !isValidUTF8(file.reader.key(at: position)) {
                invalid += 1
                fileErrors += 1
                table.write("\(path): key #\(n) is not valid UTF-8\n")
            }
            if fileErrors == 0 { table.write("\(path): healthy\n") }
        }
        let seconds = Double(GoTime.monotonic() - started) / 1e9
        table.write("Invalid Keys: \(invalid) / \(total), in \(GoNumber.float(seconds))s\n")
        if invalid > 0 && failure == nil { failure = CommandError("check-utf8: failed") }
        if let failure { throw failure }
    }

    /// Opens each file in turn and passes it to `body`; stops at the first that cannot be
    /// opened and returns its error (what was checked before it is still printed).
    private static func eachFile(_ files: [String], _ body: (String, InspectedTSM) -> Void) -> CommandError? {
        for path in files {
            do throws(CommandError) { body(path, try InspectedTSM(path: path)) } catch { return error }
        }
        return nil
    }
}

/// Go's `%v` of a byte slice: `[99 112 117]`.
func goByteList(_ bytes: [UInt8]) -> String {
    "[" + bytes.map { String($0) }.joined(separator: " ") + "]"
}

/// Go's `utf8.Valid`.
func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    var i = 0
    while i < bytes.count {
        if bytes[i] < 0x80 {
            i += 1
            continue
        }
        let n = GoUTF8.sequenceLength(bytes, at: i)
        guard n > 0 else { return false }
        i += n
    }
    return true
}
