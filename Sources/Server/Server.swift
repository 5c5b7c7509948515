import NIOCore
import NIOPosix
import TSM
import UnixSignals
import ContinuousQuery
import Coordinator
import HTTPD
import Hummingbird
import Logging
import Meta
import Monitor
import Precreator
import Query
import Retention
import ServiceLifecycle
import Subscriber
import TSDB
import LineProtocol
import Graphite
import OpenTSDB
import Snapshotter
import Storage

/// The database server: every component built from one `Config`, run as one service group.
///
/// Services start in the order of `services` and stop in reverse, as 1.x's `Server.Open` and
/// `Close` order them: metadata and storage come up before anything that accepts requests,
/// and HTTP stops (finishing in-flight requests) before storage closes.
public struct Server: Sendable {
    public let config: Config
    public let meta: MetaClient
    public let store: Store
    public let pointsWriter: PointsWriter
    public let handler: Handler
    /// The query executor of HTTP and of the continuous queries (one registry: SHOW QUERIES
    /// and KILL QUERY see both, as in 1.x).
    public let queryExecutor: QueryExecutor
    /// Forwards accepted writes to subscriptions (nil when `[subscriber]` is disabled).
    public let subscriber: SubscriberService?
    /// Every component's statistics and diagnostics (SHOW STATS, `/debug/vars`, `_internal`).
    public let monitor: Monitor
    let logger: Logger

    /// Background snapshots and compactions (nil: they run on the writing thread, as in the
    /// in-process tests), and the thread pool of the store's blocking work.
    let scheduler: EngineScheduler?
    let storePool: NIOThreadPool?

    /// A server whose metadata lives in memory (tests, tools).
    public init(config: Config, logger: Logger = Logger(label: "sundiald")) {
        self.init(config: config, meta: MetaClient(), logger: logger)
    }

    /// A server whose metadata is `meta` — `open(config:)` passes the one persisted in
    /// `[meta] dir`. With `background`, the store gets its own thread pool and an engine
    /// scheduler for snapshots and compactions (the daemon); without, writes snapshot and
    /// compact on their own thread and blocking work shares NIO's singleton pool (tests).
    public init(config: Config, meta: MetaClient, logger: Logger = Logger(label: "sundiald"), background: Bool = false) {
        self.config = config
        self.logger = logger
        self.meta = meta
        if background {
            let engineLogger = Logger(label: "tsm1")
            scheduler = EngineScheduler(maxConcurrentCompactions: config.data.maxConcurrentCompactions,
                                        compactThroughput: Int(clamping: config.data.compactThroughput.bytes),
                                        compactThroughputBurst: Int(clamping: config.data.compactThroughputBurst.bytes),
                                        report: { engineLogger.error("\($0)") })
            // Writers block in fsync waits: more threads than cores keep the cores busy.
            let pool = NIOThreadPool(numberOfThreads: max(8, 4 * System.coreCount))
            pool.start()
            storePool = pool
        } else {
            scheduler = nil
            storePool = nil
        }
        self.store = Store(dataDir: config.data.dir, walDir: config.data.walDir, engineConfig: config.data.engineConfig,
                           limits: SeriesLimits(maxSeriesPerDatabase: config.data.maxSeriesPerDatabase, maxValuesPerTag: config.data.maxValuesPerTag),
                           scheduler: scheduler, indexVersion: IndexVersion(rawValue: config.data.indexVersion) ?? .inmem,
                           maxIndexLogFileSize: Int(clamping: config.data.maxIndexLogFileSize.bytes),
                           seriesIDSetCacheSize: config.data.seriesIDSetCacheSize, pool: storePool ?? .singleton, log: Self.storageLog(logger))
        if config.subscriber.enabled {
            let c = config.subscriber
            subscriber = SubscriberService(meta: meta, settings: SubscriberSettings(
                httpTimeout: c.httpTimeout.duration, insecureSkipVerify: c.insecureSkipVerify, caCerts: c.caCerts,
                writeConcurrency: c.writeConcurrency, writeBufferSize: c.writeBufferSize), logger: logger)
        } else {
            subscriber = nil
        }
        self.pointsWriter = PointsWriter(meta: meta, store: store, subscriber: subscriber?.writeSubscriber)
        let monitor = Monitor(build: BuildInfo(version: Version.header))
        self.monitor = monitor
        self.queryExecutor = QueryExecutor(meta: meta, store: store, registry: QueryRegistry(
            maxConcurrentQueries: config.coordinator.maxConcurrentQueries, queryTimeout: config.coordinator.queryTimeout.nanoseconds),
            pointsWriter: pointsWriter,
            limits: SelectLimits(maxPoints: config.coordinator.maxSelectPoint, maxSeries: config.coordinator.maxSelectSeries,
                                 maxBuckets: config.coordinator.maxSelectBuckets, maxMemory: Int(clamping: config.coordinator.maxQueryMemory.bytes)),
            monitor: monitor,
            logging: Self.queryLogging(config, logger: logger))
        self.handler = Handler(
            config: config.http,
            version: Version.header,
            catalog: meta,
            pointsWriter: pointsWriter,
            users: meta,
            queryExecutor: queryExecutor,
            monitor: monitor,
            logger: Self.httpLogger(Logger(label: "httpd"))
        )
        // 1.x's order: the query executor, the store, the points writer, the subscriber, then
        // the services (``services()``).
        monitor.register(queryExecutor)
        monitor.register(store)
        monitor.register(pointsWriter)
        if let subscriber { monitor.register(subscriber) }
        for (name, table) in config.diagnostics { monitor.register(diagnostics: name) { table } }
    }

    /// The store's events logged as 1.x logs them: its message, its fields as metadata.
    static func storageLog(_ logger: Logger) -> StorageLog {
        { event in
            let level: Logger.Level = switch event.level {
            case .info: .info
            case .warning: .warning
            case .error: .error
            }
            var metadata: Logger.Metadata = [:]
            for (key, value) in event.fields { metadata[key] = "\(value)" }
            logger.log(level: level, "\(event.message)", metadata: metadata)
        }
    }

    /// `[data] query-log-enabled` and `[coordinator] log-queries-after` as 1.x logs them (with
    /// `service=query`): each statement at info, a query still running at the threshold at warn.
    static func queryLogging(_ config: Config, logger: Logger) -> QueryLogging {
        var queryLogger = logger
        queryLogger[metadataKey: "service"] = "query"
        let log = queryLogger
        var executing: (@Sendable (String) -> Void)?
        if config.data.queryLogEnabled {
            executing = { statement in log.info("Executing query", metadata: ["query": .string(statement)]) }
        }
        return QueryLogging(executing: executing, slowAfter: config.coordinator.logQueriesAfter.nanoseconds,
                            slow: { message in log.warning(Logger.Message(stringLiteral: message)) })
    }

    /// The daemon's server: metadata loaded from (and saved to) `<[meta] dir>/meta.db`, so
    /// databases, retention policies and users survive restarts.
    public static func open(config: Config, logger: Logger = Logger(label: "sundiald")) throws(MetaError) -> Server {
        let meta = try MetaClient(directory: config.meta.dir, retentionAutocreate: config.meta.retentionAutocreate)
        return Server(config: config, meta: meta, logger: logger, background: true)
    }

    /// The HTTP service on the configured bind address: Hummingbird's server with Sundial's
    /// HTTP/1.1 connection handling (``HTTP1ServerChannel``), the unix socket when enabled, and
    /// the access log.
    public func makeHTTPServer(
        bindAddress: String? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws(ConfigError) -> any Service {
        let (host, port) = try Self.hostAndPort(bindAddress ?? config.http.bindAddress)
        return HTTPService(handler: handler, host: host, port: port, logger: Self.httpLogger(logger), onServerRunning: onServerRunning)
    }

    /// `logger` with 1.x's `service=httpd`.
    static func httpLogger(_ logger: Logger) -> Logger {
        var logger = logger
        logger[metadataKey: "service"] = "httpd"
        return logger
    }

    /// Runs the HTTP server on `bindAddress` (an ephemeral loopback port unless given) while
    /// `body` runs with the port it listens on; then shuts it down gracefully.
    public func withHTTPServer<T: Sendable>(
        bindAddress: String = "127.0.0.1:0",
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (host, port) = try Self.hostAndPort(bindAddress)
        return try await httpChannel.withServer(host: host, port: port, logger: logger) { port, _ in try await body(port) }
    }

    /// The HTTP channel answering with this server's handler.
    private var httpChannel: HTTP1ServerChannel {
        let handler = self.handler
        return HTTP1ServerChannel(maxConnections: config.http.maxConnectionLimit, readTimeout: config.http.readTimeout) { request in
            await handler.respond(to: request)
        }
    }

    /// The services in start order.
    public func services() throws(ConfigError) -> [any Service] {
        try config.validate()
        var services: [any Service] = [
            LifecycleStep(name: "meta", logger: logger),
            StoreService(store: store, logger: logger),
        ]
        // 1.x opens the subscriber between the store and the points writer.
        if let subscriber { services.append(subscriber) }
        services.append(LifecycleStep(name: "points-writer", logger: logger))
        // 1.x's order from here: monitor, precreator, (snapshotter, continuous queries), HTTP, retention.
        var reporters: [any StatisticsReporter] = []
        let statisticsStore = config.monitor.storeEnabled
            ? StatisticsStore(database: config.monitor.storeDatabase, meta: meta, pointsWriter: pointsWriter, logger: logger) : nil
        services.append(MonitorService(monitor: monitor, store: statisticsStore, intervalNanoseconds: config.monitor.storeInterval.nanoseconds,
                                       intervalLiteral: config.monitor.storeInterval.literal, logger: logger))
        if config.precreator.enabled {
            let c = config.precreator
            services.append(PrecreatorService(meta: meta, checkInterval: c.checkInterval.duration, advancePeriod: c.advancePeriod.nanoseconds,
                                              literals: (c.checkInterval.literal, c.advancePeriod.literal), logger: logger))
        }
        // 1.x always serves the snapshotter, on the TCP `bind-address` (backup and restore).
        let (snapshotHost, snapshotPort) = try Self.hostAndPort(config.bindAddress)
        services.append(SnapshotterService(host: snapshotHost, port: snapshotPort, meta: meta, store: store, logger: logger))
        if config.continuousQueries.enabled {
            let c = config.continuousQueries
            let service = ContinuousQueryService(meta: meta, queryExecutor: queryExecutor, logEnabled: c.logEnabled,
                                                 queryStatsEnabled: c.queryStatsEnabled, runInterval: c.runInterval.duration,
                                                 statisticsStore: statisticsStore, logger: logger)
            services.append(service)
            reporters.append(service)
        }
        if config.http.enabled {
            services.append(try makeHTTPServer())
            reporters.append(handler)
        }
        // `[ifql]`: 1.6's storage read service (yarpc), after HTTP as in 1.6.
        if config.ifql.enabled {
            let (host, port) = try Self.hostAndPort(config.ifql.bindAddress)
            services.append(StorageService(host: host, port: port, logEnabled: config.ifql.logEnabled, meta: meta, store: store, logger: logger))
        }
        if config.retention.enabled {
            services.append(RetentionService(meta: meta, store: store, checkInterval: config.retention.checkInterval.duration,
                                             checkIntervalLiteral: config.retention.checkInterval.literal, logger: logger))
        }
        // 1.x's inputs, after retention: graphite, collectd, opentsdb, udp; each section its own.
        for c in config.graphite where c.enabled {
            do throws(GraphiteConfigError) {
                let settings = try GraphiteSettings(bindAddress: c.bindAddress, database: c.database, retentionPolicy: c.retentionPolicy,
                                                    protocol: c.protocolName, batchSize: c.batchSize, batchPending: c.batchPending,
                                                    batchTimeout: c.batchTimeout.duration, udpReadBuffer: c.udpReadBuffer,
                                                    separator: c.separator, templates: c.templates, tags: c.tags)
                let service = try GraphiteService(settings: settings, meta: meta, pointsWriter: pointsWriter, logger: logger)
                services.append(service)
                reporters.append(service)
            } catch {
                throw ConfigError(error.description)
            }
        }
        let collectd = try collectdServices()
        services += collectd as [any Service]
        reporters += collectd as [any StatisticsReporter]
        for c in config.opentsdb where c.enabled {
            let settings = OpenTSDBSettings(bindAddress: c.bindAddress, database: c.database, retentionPolicy: c.retentionPolicy,
                                            tlsEnabled: c.tlsEnabled, certificate: c.certificate, logPointErrors: c.logPointErrors,
                                            batchSize: c.batchSize, batchPending: c.batchPending, batchTimeout: c.batchTimeout.duration)
            let service = OpenTSDBService(settings: settings, meta: meta, pointsWriter: pointsWriter, logger: logger)
            services.append(service)
            reporters.append(service)
        }
        let udp = try udpServices()
        services += udp as [any Service]
        reporters += udp as [any StatisticsReporter]
        monitor.setServices(reporters)
        return services
    }

    /// Opens every shard on disk (WAL replay included), as 1.x's `Store.Open` does before any
    /// service starts: nothing listens until this is done.
    public func openStore() async {
        let began = ContinuousClock.now
        // Each failure was logged as it happened (Store's "Failed to open shard").
        let (opened, failed) = await store.open()
        logger.info("store_opened", metadata: ["shards": "\(opened)", "failed": "\(failed.count)", "path": "\(store.dataDir)",
                                              "duration": "\(ContinuousClock.now - began)"])
    }

    /// Opens the store, then runs the services until SIGINT or SIGTERM, then shuts down
    /// gracefully: services stop in reverse order, then the store's background work.
    public func run() async throws {
        await openStore()
        let group = ServiceGroup(configuration: .init(
            services: try services().map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        await close()
    }

    /// Stops the store's background work and its thread pools.
    public func close() async {
        await store.close()
        if let scheduler { await store.blocking { scheduler.shutdown() } }
        try? await storePool?.shutdownGracefully()
    }

    /// Splits Go's `host:port` (`:8086` means every interface).
    static func hostAndPort(_ address: String) throws(ConfigError) -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ConfigError("invalid bind address: \(address)")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// A component with nothing to run between opening and closing; it logs both so the order
/// is visible, and holds its place in the group so shutdown reaches it in reverse order.
struct LifecycleStep: Service {
    let name: String
    let logger: Logger

    func run() async throws {
        logger.debug("service_opened", metadata: ["service": "\(name)"])
        try? await gracefulShutdown()
        logger.debug("service_closed", metadata: ["service": "\(name)"])
    }
}

extension MetaClient: DatabaseCatalog {
    public func databaseExists(_ name: String) -> Bool { database(name) != nil }
}

extension PointsWriter: PointsWriting {}
