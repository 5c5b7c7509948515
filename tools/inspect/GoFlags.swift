import GoText

/// A command's flags with Go's `ExitOnError` behaviour, as every influx_inspect subcommand
/// parses them: a bad argument prints the error and the usage to standard output (each
/// command sets its flag output to stdout) and exits 2, as does `-h`/`-help` when not defined
/// (the Go release 1.6.7 was built with exits 2 there too; Go 1.15 changed that to 0).
struct CommandFlags {
    private(set) var goFlags: GoFlagSet
    /// Prints the usage; the default lists the flags as Go's `PrintDefaults` does.
    var usage: ((CommandFlags, Console) -> Void)?

    init(_ name: String) { goFlags = GoFlagSet(name) }

    mutating func string(_ name: String, _ defaultValue: String, _ usage: String) { goFlags.string(name, defaultValue, usage) }
    mutating func bool(_ name: String, _ usage: String) { goFlags.bool(name, usage) }
    func string(_ name: String) -> String { goFlags.string(name) }
    func bool(_ name: String) -> Bool { goFlags.bool(name) }
    var arguments: [String] { goFlags.arguments }
    func argument(_ i: Int) -> String { goFlags.argument(i) }

    mutating func parse(_ args: [String], console: Console) {
        do throws(GoFlagSet.Failure) { try goFlags.parse(args) } catch {
            if case .invalid(let message) = error { console.out(message + "\n") }
            printUsage(console)
            console.exit(2)
        }
    }

    func printUsage(_ console: Console) {
        if let usage {
            usage(self, console)
        } else {
            console.out("Usage of \(goFlags.name):\n")
            printDefaults(console)
        }
    }

    func printDefaults(_ console: Console) { console.out(goFlags.defaults) }
}
