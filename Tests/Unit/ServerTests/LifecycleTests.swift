import ContinuousQuery
import Foundation
import HTTPD
import Logging
import Monitor
import Precreator
import Retention
import Snapshotter
import Storage
import ServiceLifecycle
import Subscriber
import Testing
@testable import Server

@Suite struct LifecycleTests {
    /// A service's name in the start order.
    static func name(_ service: any Service) -> String {
        switch service {
        case let step as LifecycleStep: step.name
        case is StoreService: "store"
        case is PrecreatorService: "precreator"
        case is ContinuousQueryService: "continuous_querier"
        case is RetentionService: "retention"
        case is SubscriberService: "subscriber"
        case is MonitorService: "monitor"
        case is SnapshotterService: "snapshotter"
        case is StorageService: "storage"
        default: "http"
        }
    }

    /// 1.x's order: storage first, the subscriber before the points writer, then the monitor,
    /// precreation, continuous queries, HTTP, retention.
    @Test func servicesStartStorageFirstInOrder() throws {
        var config = Config.embeddedDefault(directory: "/tmp/unused")
        config.http.bindAddress = "127.0.0.1:0"
        let services = try Server(config: config).services()
        #expect(services.map(Self.name) == ["meta", "store", "subscriber", "points-writer", "monitor", "precreator", "snapshotter", "continuous_querier", "http", "retention"])
    }

    /// A disabled section runs no service.
    @Test func sectionsCanBeDisabled() throws {
        var config = Config()
        config.http.enabled = false
        config.retention.enabled = false
        config.precreator.enabled = false
        config.continuousQueries.enabled = false
        config.subscriber.enabled = false
        // The monitor and the snapshotter always run (1.x's too): SHOW STATS and SHOW
        // DIAGNOSTICS need the one, backups the other.
        #expect(try Server(config: config).services().map(Self.name) == ["meta", "store", "points-writer", "monitor", "snapshotter"])
        #expect(Server(config: config).subscriber == nil)
    }

    /// A section with an impossible setting stops the server before it opens, with 1.x's text.
    @Test(arguments: [
        ("retention", "check-interval must be positive"),
        ("precreator-check", "check-interval must be positive"),
        ("precreator-advance", "advance-period must be positive"),
        ("monitor-interval", "monitor store interval must be positive"),
        ("monitor-database", "monitor store database name must not be empty"),
    ])
    func refusesNonPositiveIntervals(section: String, message: String) throws {
        var config = Config()
        switch section {
        case "retention": config.retention.checkInterval = .zero
        case "precreator-check": config.precreator.checkInterval = GoDuration(nanoseconds: -1)
        case "monitor-interval": config.monitor.storeInterval = .zero
        case "monitor-database": config.monitor.storeDatabase = ""
        default: config.precreator.advancePeriod = .zero
        }
        #expect(throws: ConfigError(message)) { try Server(config: config).services() }
        // Disabled, the same setting is not checked (1.x validates enabled sections only) —
        // except [monitor]'s, which 1.x checks even with store-enabled off.
        config.retention.enabled = false
        config.precreator.enabled = false
        config.monitor.storeEnabled = false
        if section.hasPrefix("monitor") {
            #expect(throws: ConfigError(message)) { try Server(config: config).services() }
        } else {
            _ = try Server(config: config).services()
        }
    }

    /// `[http] flux-enabled` (Sundial runs no Flux engine) stops the server at start naming it.
    @Test func refusesFlux() throws {
        var config = Config()
        _ = try Server(config: config).services()  // all disabled by default, as in 1.x
        config.http.fluxEnabled = true
        #expect {
            try Server(config: config).services()
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix("[http] flux-enabled is true") == true
        }
    }

    /// `[ifql] enabled` adds the storage read service between HTTP and retention, as 1.6 orders them.
    @Test func ifqlBecomesTheStorageServiceAfterHTTP() throws {
        var config = Config.embeddedDefault(directory: "/tmp/unused")
        config.http.bindAddress = "127.0.0.1:0"
        config.ifql.enabled = true
        config.ifql.bindAddress = "127.0.0.1:0"
        #expect(try Server(config: config).services().map(Self.name)
            == ["meta", "store", "subscriber", "points-writer", "monitor", "precreator", "snapshotter", "continuous_querier", "http", "storage", "retention"])
    }

    /// Enabled collectd and UDP sections (any number) become services after retention, in
    /// 1.x's order; collectd's settings are checked in every section, enabled or not, and a
    /// missing types.db stops the start.
    @Test func collectdAndUDPSectionsBecomeServices() throws {
        let typesDB = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-types-\(UUID()).db")
        defer { try? FileManager.default.removeItem(at: typesDB) }
        try "load shortterm:GAUGE:0:U midterm:GAUGE:0:U longterm:GAUGE:0:U\n".write(to: typesDB, atomically: true, encoding: .utf8)
        var config = Config()
        config.collectd[0].enabled = true
        config.collectd[0].typesDB = typesDB.path
        config.collectd[0].bindAddress = "127.0.0.1:0"
        config.collectd.append(config.collectd[0])
        config.udp[0].enabled = true
        config.udp[0].bindAddress = "127.0.0.1:0"
        let names = try Server(config: config).services().map { "\(type(of: $0))" }
        #expect(Array(names.suffix(4)) == ["RetentionService", "CollectdService", "CollectdService", "UDPService"])
        var bad = config
        bad.collectd[1].enabled = false
        bad.collectd[1].securityLevel = "high"
        #expect(throws: ConfigError("invalid collectd config: Invalid security level")) { try Server(config: bad).services() }
        bad = config
        bad.collectd[0].parseMultivaluePlugin = "merge"
        #expect(throws: ConfigError("invalid collectd config: Invalid value for parse-multivalue-plugin. Valid options are \"split\" and \"join\"")) {
            try Server(config: bad).services()
        }
        bad = config
        bad.collectd[0].typesDB = "/nonexistent/types.db"
        #expect(throws: ConfigError("collectd: Stat(): stat /nonexistent/types.db: no such file or directory")) { try Server(config: bad).services() }
        bad = config
        bad.collectd = try Config(toml: "[[collectd]]\n  enabled = true\n  typesdb = \"\(typesDB.path)\"\n  security-level = \"none\"\n").collectd
        #expect(throws: ConfigError("invalid collectd config: Invalid value for parse-multivalue-plugin. Valid options are \"split\" and \"join\"")) {
            try Server(config: bad).services()
        }
        bad = config
        bad.udp[0].bindAddress = ""
        #expect(throws: ConfigError("bind address has to be specified in config")) { try Server(config: bad).services() }
    }

    /// The whole group comes up and winds down on a graceful shutdown without hanging.
    @Test func runsAndShutsDownGracefully() async throws {
        var config = Config.embeddedDefault(directory: "/tmp/unused")
        config.http.bindAddress = "127.0.0.1:0"
        let server = Server(config: config)
        let group = ServiceGroup(configuration: .init(
            services: try server.services().map { .init(service: $0) },
            logger: Logger(label: "test")
        ))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test(arguments: [
        (":8086", "0.0.0.0", 8086), ("127.0.0.1:0", "127.0.0.1", 0), ("[::1]:9", "::1", 9),
    ] as [(String, String, Int)])
    func parsesBindAddresses(address: String, host: String, port: Int) throws {
        let (h, p) = try Server.hostAndPort(address)
        #expect(h == host && p == port)
    }

    @Test(arguments: ["8086", "host:", "host:99999"])
    func rejectsBadBindAddresses(address: String) {
        #expect(throws: ConfigError.self) { try Server.hostAndPort(address) }
    }
}
