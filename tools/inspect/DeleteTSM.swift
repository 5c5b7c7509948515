#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GoText
import TSM

/// `deletetsm`: rewrites TSM files without the blocks of one measurement (`-measurement`) or
/// of series whose measurement or tags hold non-printable or invalid UTF-8 text
/// (`-sanitize`) — 1.6's `influx_inspect deletetsm`. Blocks are copied as they are (a fresh
/// CRC computed over each) into `<file>.rewriting.tmp`, which then replaces the file; the
/// file's `.tombstone` is left alone. `-v` logs each file and each dropped block.
enum DeleteTSMCommand {
    static func run(_ args: [String], console: Console) throws(CommandError) {
        var flags = CommandFlags("deletetsm")
        flags.string("measurement", "", "")
        flags.bool("sanitize", "")
        flags.bool("v", "")
        flags.usage = { _, c in
            c.out("""
                Deletes a measurement from a raw tsm file.

                Usage: \(programName) deletetsm [flags] path...

                    -measurement NAME
                            The name of the measurement to remove.
                    -sanitize
                            Remove all keys with non-printable unicode characters.
                    -v
                            Enable verbose logging.
                """)
        }
        flags.parse(args, console: console)
        guard !flags.arguments.isEmpty else {
            console.out("path required\n\n")
            flags.printUsage(console)
            return
        }
        let measurement = Array(flags.string("measurement").utf8)
        let sanitize = flags.bool("sanitize"), verbose = flags.bool("v")
        if measurement.isEmpty && !sanitize { throw CommandError("-measurement or -sanitize flag required") }
        for path in flags.arguments {
            if verbose { console.log("processing: \(path)") }
            try rewrite(path, measurement: measurement, sanitize: sanitize, log: verbose ? console : nil)
        }
    }

    private static func rewrite(_ path: String, measurement: [UInt8], sanitize: Bool, log: Console?) throws(CommandError) {
        let probe = open(path, O_RDONLY | O_CLOEXEC)
        guard probe >= 0 else { throw CommandError(goPathError("open", path, errno)) }
        close(probe)
        let file: InspectedTSM
        do throws(CommandError) { file = try InspectedTSM(path: path) } catch {
            throw CommandError("unable to read \(path): \(error.message)")
        }
        let output = path + ".rewriting.tmp"
        unlink(output)
        unlink(output + ".idx.tmp")
        var writer: TSMWriter
        do throws(TSMFileError) { writer = try TSMWriter(path: output) } catch { throw CommandError(error.description) }
        let reader = file.reader
        for position in file.positions {
            let key = reader.key(at: position)
            let parsed = ParsedSeriesKey(splitCompositeKey(key).series)
            let drop = parsed.measurement == measurement || (sanitize && !validTokens(parsed))
            for entry in reader.entries(at: position).entries {
                let block = file.block(entry).block
                if drop {
                    log?.log("deleting block: \(String(decoding: key, as: UTF8.self)) (\(GoTime.rfc3339(entry.minTime, nano: true))-\(GoTime.rfc3339(entry.maxTime, nano: true))) sz=\(block.count)")
                    continue
                }
                do throws(TSMFileError) { try writer.writeBlock(key: key, minTime: entry.minTime, maxTime: entry.maxTime, bytes: block) } catch {
                    throw CommandError(error.description)
                }
            }
        }
        do throws(TSMFileError) { try writer.finish() } catch { throw CommandError(error.description) }
        guard rename(output, path) == 0 else {
            let code = errno
            throw CommandError("rename \(output) \(path): \(goErrnoText(code))")
        }
    }

    /// 1.x's `models.ValidKeyTokens`: the measurement and every tag key and value are valid
    /// UTF-8 made of printable characters (Go's `unicode.IsPrint`: letters, marks, numbers,
    /// punctuation, symbols and the ASCII space) without U+FFFD.
    static func validTokens(_ key: ParsedSeriesKey) -> Bool {
        guard validToken(key.measurement) else { return false }
        return key.tags.allSatisfy { validToken($0.key) && validToken($0.value) }
    }

    static func validToken(_ bytes: [UInt8]) -> Bool {
        guard isValidUTF8(bytes) else { return false }
        // Go's unicode.IsPrint, but for the replacement character (an invalid sequence).
        return String(decoding: bytes, as: UTF8.self).unicodeScalars.allSatisfy { $0 != "\u{FFFD}" && GoUnicode.isPrint($0) }
    }
}
