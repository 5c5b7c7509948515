/// The program's name as invoked, where influx_inspect prints its own (`filepath.Base(os.Args[0])`).
let programName = GoPath.base(CommandLine.arguments.first ?? "sundial-inspect")

/// `help`: influx_inspect's command list, then Sundial's own commands.
enum HelpCommand {
    static func run(console: Console) {
        console.out("""
            Usage: \(programName) [[command] [arguments]]

            The commands are:

                deletetsm            bulk measurement deletion of raw tsm file
                dumptsi              dumps low-level details about tsi1 files
                dumptsm              dumps low-level details about tsm1 files
                dumptsmwal           dumps all entries from one or more TSM WAL files (also: dumpwal)
                export               exports raw data from a shard to line protocol
                buildtsi             generates tsi1 indexes from tsm1 data
                help                 display this help message
                report               displays a shard level report
                verify               verifies integrity of TSM files
                verify-seriesfile    verifies integrity of the Series file

            "help" is the default command.

            Use "\(programName) [command] -help" for more information about a command.

            Sundial's own commands:

                dump FILE.tsm            keys, block types and entries of a TSM file
                dump-wal FILE.wal        entries of a WAL segment
                write-lp INPUT.lp DIR    line protocol to one level-1 TSM file in DIR
                meta-sample DIR          a sample meta.db written by Sundial's meta client
                influxql FILE            parses one JSON-quoted query per line

            """)
    }
}

/// 1.x's commands over the TSI index that Sundial's inspect tool does not have yet
/// (`buildtsi` is BuildTSI.swift, `dumptsi` DumpTSI.swift, `verify-seriesfile` VerifySeriesFile.swift).
enum TSICommands {
    static let names: Set<String> = ["reporttsi"]

    static func run(_ name: String, console: Console) -> Never {
        console.err("\(name): not available yet in sundial-inspect (its tsi1 index files: Spec/tsi.md)\n")
        console.exit(1)
    }
}
