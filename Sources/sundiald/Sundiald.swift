import Allocator
import ArgumentParser
import HTTPD
import Foundation
import Logging
import Server

/// `sundiald`: influxd's command line.
@main
struct Sundiald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sundiald",
        abstract: "Sundial, a time-series database server compatible with InfluxDB 1.x.",
        subcommands: [Run.self, PrintConfig.self, PrintVersion.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by `run` and `config`; single-dash spellings as influxd takes them.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config", withSingleDash: true), help: "Path to the configuration file.")
    var config: String?

    /// The effective configuration: file (from `-config` or `INFLUXDB_CONFIG_PATH`) or the
    /// embedded default with data under `./sundial-data`, then environment overrides.
    func load(logger: Logger) throws -> Config {
        let environment = ProcessInfo.processInfo.environment
        let path = config ?? environment["INFLUXDB_CONFIG_PATH"].flatMap { $0.isEmpty ? nil : $0 }
        var result: Config
        if let path {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            var unknown: [String] = []
            result = try Config(toml: text, unknownKeys: &unknown)
            for key in unknown { logger.warning("config_key_ignored", metadata: ["key": "\(key)", "path": "\(path)"]) }
        } else {
            let directory = FileManager.default.currentDirectoryPath + "/sundial-data"
            logger.info("no configuration provided, using embedded defaults", metadata: ["dir": "\(directory)"])
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
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "sundiald")
        let config = try options.load(logger: logger)
        if let pidfile {
            try "\(getpid())\n".write(toFile: pidfile, atomically: true, encoding: .utf8)
        }
        logger.info("starting", metadata: ["version": "\(Version.sundial)", "http": "\(config.http.bindAddress)", "allocator": "\(Allocator.description)"])
        try await Server.open(config: config, logger: logger).run()
        if let pidfile { try? FileManager.default.removeItem(atPath: pidfile) }
    }
}

struct PrintConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Print the effective configuration as TOML.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        var logger = Logger(label: "sundiald")
        logger.logLevel = .error
        print(try options.load(logger: logger).tomlText, terminator: "")
    }
}

struct PrintVersion: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("Sundial v\(Version.sundial) (InfluxDB \(Version.influxDB) API)")
    }
}
