// sundial-inspect: InfluxDB 1.x's `influx_inspect` for Sundial's (and 1.x's) storage files —
// export, verify, report, dumptsi, dumptsm, dumptsmwal, deletetsm — plus Sundial's own dump,
// dump-wal, write-lp, meta-sample and influxql (Legacy.swift). `help` lists them.

let console = Console()

/// 1.x's `cmd.ParseCommandName`: the first argument names the command unless it is a flag
/// (`-h`, `-help` and `--help` mean help); `help CMD ARG…` turns into `CMD -h`.
func parseCommandName(_ args: [String]) -> (String, [String]) {
    var name = ""
    if let first = args.first {
        if !first.hasPrefix("-") {
            name = first
        } else if first == "-h" || first == "-help" || first == "--help" {
            name = "help"
        }
    }
    if name == "help" && args.count > 2 && !args[1].hasPrefix("-") { return (args[1], ["-h"]) }
    if !name.isEmpty { return (name, Array(args.dropFirst())) }
    return ("", args)
}

let (command, arguments) = parseCommandName(Array(CommandLine.arguments.dropFirst()))

if LegacyCommands.names.contains(command) {
    do {
        try await LegacyCommands.run(command, arguments)
    } catch {
        LegacyCommands.fail("\(error)")
    }
    console.exit(0)
}

do throws(CommandError) {
    switch command {
    case "", "help": HelpCommand.run(console: console)
    case "buildtsi": try BuildTSICommand.run(arguments, console: console)
    case "deletetsm": try DeleteTSMCommand.run(arguments, console: console)
    case "dumptsi": try DumpTSICommand.run(arguments, console: console)
    case "dumptsmdev":
        console.err("warning: dumptsmdev is deprecated, use dumptsm instead.\n")
        try DumpTSMCommand.run(arguments, console: console)
    case "dumptsm": try DumpTSMCommand.run(arguments, console: console)
    case "dumptsmwal", "dumpwal": try DumpWALCommand.run(arguments, console: console)
    case "export": try ExportCommand.run(arguments, console: console)
    case "report": try ReportCommand.run(arguments, console: console)
    case "verify": try VerifyCommand.run(arguments, console: console)
    case "verify-seriesfile": try VerifySeriesFileCommand.run(arguments, console: console)
    default:
        if TSICommands.names.contains(command) { TSICommands.run(command, console: console) }
        throw CommandError("unknown command \"\(command)\"\nRun '\(programName) help' for usage\n\n")
    }
} catch {
    // 1.x prefixes the command's error with its name, except for an unknown command.
    let prefix = ["buildtsi", "deletetsm", "dumptsi", "dumptsm", "dumptsmdev", "dumptsmwal", "dumpwal", "export", "report", "verify", "verify-seriesfile"].contains(command)
        ? (command == "dumptsmdev" ? "dumptsm" : command == "dumpwal" ? "dumptsmwal" : command) + ": " : ""
    console.err(prefix + error.message + "\n")
    console.exit(1)
}
console.exit(0)
