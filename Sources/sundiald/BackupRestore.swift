import ArgumentParser
import Foundation
import Snapshotter

/// `sundiald backup`: influxd's command, with its flags as Go's flag package reads them.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up a server through its snapshotter (influxd backup's flags: -portable, -host, -db, -rp, -shard, -since, -start, -end).")

    @Argument(parsing: .captureForPassthrough, help: "[options] PATH")
    var arguments: [String] = []

    func run() throws {
        var command = BackupCommand(stdout: Output.out, stderr: Output.err)
        do throws(BackupCommand.Failure) { try command.run(arguments) } catch {
            Output.err("backup: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// `sundiald restore`: influxd's command (online with -portable or -online, offline with
/// -metadir and -datadir).
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup (influxd restore's flags: -portable, -online, -host, -db, -newdb, -rp, -newrp, -shard, -metadir, -datadir).")

    @Argument(parsing: .captureForPassthrough, help: "[options] PATH")
    var arguments: [String] = []

    func run() throws {
        var command = RestoreCommand(stdout: Output.out, stderr: Output.err)
        do throws(BackupCommand.Failure) { try command.run(arguments) } catch {
            Output.err("restore: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// Unbuffered writes to the standard streams (the commands log line by line).
enum Output {
    static let out: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
    static let err: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
}
