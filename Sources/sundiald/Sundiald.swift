import Allocator
import ArgumentParser
import HTTPD
import Foundation
import Logging
import Server
import Snapshotter
import Synchronization

/// `sundiald`: influxd's command line.
@main
struct Sundiald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sundiald",
        abstract: "Sundial, a time-series database server compatible with InfluxDB 1.x.",
        subcommands: [Run.self, PrintConfig.self, PrintVersion.self, Backup.self, Restore.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by `run` and `config`; single-dash spellings as influxd takes them.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config", withSingleDash: true), help: "Path to the configuration file.")
    var config: String?

    /// What loading had to say, logged once `[logging] level` is known.
    struct Note {
        var level: Logger.Level
        var message: Logger.Message
        var metadata: Logger.Metadata
    }

    /// The effective configuration: file (from `-config` or `INFLUXDB_CONFIG_PATH`) or the
    /// embedded default with data under `./sundial-data`, then environment overrides.
    func load(notes: inout [Note]) throws -> Config {
        let environment = ProcessInfo.processInfo.environment
        let path = config ?? environment["INFLUXDB_CONFIG_PATH"].flatMap { $0.isEmpty ? nil : $0 }
        var result: Config
        if let path {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            var unknown: [String] = []
            result = try Config(toml: text, unknownKeys: &unknown)
            for key in unknown { notes.append(Note(level: .warning, message: "config_key_ignored", metadata: ["key": "\(key)", "path": "\(path)"])) }
        } else {
            let directory = FileManager.default.currentDirectoryPath + "/sundial-data"
            notes.append(Note(level: .info, message: "no configuration provided, using embedded defaults", metadata: ["dir": "\(directory)"]))
            result = Config.embeddedDefault(directory: directory)
        }
        try result.applyEnvironment(environment)
        return result
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default command).")

    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("pidfile", withSingleDash: true), help: "Write the process ID to this file.")
    var pidfile: String?

    func run() async throws {
        let allocator = Allocator.configureForServer(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = LogSettings.level.withLock { $0 }
            return handler
        }
        var logger = Logger(label: "sundiald")
        var notes: [ConfigOptions.Note] = []
        let config = try options.load(notes: &notes)
        // `[logging] level` (1.x: error, warn, info, debug) applies to every logger made from
        // here on, and to what loading the config had to say.
        guard let level = LogSettings.level(named: config.logging.level) else {
            // influxd refuses the file the same way (zap's level parser).
            throw ConfigError("parse config: unrecognized level: \"\(config.logging.level)\"")
        }
        LogSettings.level.withLock { $0 = level }
        logger.logLevel = level
        for note in notes { logger.log(level: note.level, note.message, metadata: note.metadata) }
        do throws(ConfigError) { try config.validate() } catch {
            // influxd's wording, with this binary's command.
            throw ConfigError("\(error.description). To generate a valid configuration file run `sundiald config > sundial.generated.conf`")
        }
        if let pidfile {
            try "\(getpid())\n".write(toFile: pidfile, atomically: true, encoding: .utf8)
        }
        logger.info("starting", metadata: ["version": "\(Version.sundial)", "http": "\(config.http.bindAddress)", "allocator": "\(Allocator.description) (\(allocator))"])
        try await Server.open(config: config, logger: logger).run()
        if let pidfile { try? FileManager.default.removeItem(atPath: pidfile) }
    }
}

/// The level `[logging] level` asks for, read by the log handler factory.
enum LogSettings {
    static let level = Mutex(Logger.Level.info)

    /// 1.x's level names (zap's); nil for a name influxd would refuse.
    static func level(named name: String) -> Logger.Level? {
        switch name.lowercased() {
        case "debug": .debug
        case "info", "": .info
        case "warn": .warning
        case "error": .error
        case "dpanic", "panic", "fatal": .critical
        default: nil
        }
    }
}

struct PrintConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Print the effective configuration as TOML.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        var notes: [ConfigOptions.Note] = []
        let config = try options.load(notes: &notes)
        let logger = Logger(label: "sundiald")
        for note in notes where note.level >= .warning { logger.log(level: note.level, note.message, metadata: note.metadata) }
        print(config.tomlText, terminator: "")
    }
}

struct PrintVersion: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("Sundial v\(Version.sundial) (InfluxDB \(Version.influxDB) API)")
    }
}
