import TSDB
import Coordinator
import InputSupport
import LineProtocol
import Logging
import Meta
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// One `[[opentsdb]]` listener (1.x's `services/opentsdb`): one TCP port (TLS with
/// `tls-enabled`) serving telnet `put` lines, batched, and HTTP `/api/put`, written at once.
/// The database is created before the first batch is written, as 1.x does.
public final class OpenTSDBService: Service, Sendable {
    public let settings: OpenTSDBSettings
    public let statistics = OpenTSDBStatistics()
    /// The telnet batcher (its counters are 1.x's `PointBatcherStats`).
    public let batcher: PointBatcher
    let meta: MetaClient
    let pointsWriter: PointsWriter
    let logger: Logger
    let connections = ChannelSet()
    private let bound = Mutex<(any Channel)?>(nil)

    public init(settings: OpenTSDBSettings, meta: MetaClient, pointsWriter: PointsWriter, logger: Logger) {
        self.settings = settings
        self.meta = meta
        self.pointsWriter = pointsWriter
        self.batcher = PointBatcher(size: settings.batchSize, pending: settings.batchPending, timeout: settings.batchTimeout)
        var logger = logger
        logger[metadataKey: "service"] = "opentsdb"
        self.logger = logger
    }

    /// The port listened on once running.
    public var port: Int? { bound.withLock { $0?.localAddress?.port } }

    public func run() async throws {
        logger.info("Starting OpenTSDB service")
        let writer = Task { await writeBatches() }
        let channel: any Channel
        do {
            channel = try await bind()
        } catch {
            batcher.stop()
            await writer.value
            throw error
        }
        bound.withLock { $0 = channel }
        logger.info("Listening on TCP", metadata: ["addr": "\(channel.localAddress.map { "\($0)" } ?? "")", "tls": "\(settings.tlsEnabled)"])
        try? await gracefulShutdown()
        try? await channel.close()
        await connections.closeAll()
        batcher.stop()
        await writer.value
        logger.info("OpenTSDB TCP listener closed")
    }

    /// 1.x's `tls.LoadX509KeyPair(cert, cert)`: chain and key from the one PEM file.
    private func tlsContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: settings.certificate, format: .pem)
        return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    }

    private func bind() async throws -> any Channel {
        guard let (host, port) = ListenAddress.split(settings.bindAddress) else {
            throw OpenTSDBError("invalid bind address: \(settings.bindAddress)")
        }
        let tls = settings.tlsEnabled ? try tlsContext() : nil
        let connections = self.connections
        let statistics = self.statistics
        let batcher = self.batcher
        let logger = self.logger
        let logPointErrors = settings.logPointErrors
        let http = HTTPPutHandler.Context(database: settings.database, retentionPolicy: settings.retentionPolicy, meta: meta,
                                          pointsWriter: pointsWriter, statistics: statistics, logger: logger)
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.track(channel)
                statistics.connectionsActive.add(1, ordering: .relaxed)
                statistics.connectionsHandled.add(1, ordering: .relaxed)
                channel.closeFuture.whenComplete { _ in statistics.connectionsActive.subtract(1, ordering: .relaxed) }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ProtocolSniffer(
                        telnet: { TelnetHandler(batcher: batcher, statistics: statistics, logger: logger, logPointErrors: logPointErrors) },
                        http: { HTTPPutHandler(http) },
                        sawHTTP: { statistics.httpConnectionsHandled.add(1, ordering: .relaxed) }))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// 1.x's `processBatches`.
    private func writeBatches() async {
        let meta = self.meta, database = settings.database, logger = self.logger
        await batcher.writeBatches(database: database, retentionPolicy: settings.retentionPolicy, pointsWriter: pointsWriter,
                                   counters: statistics.batches, logger: logger,
                                   prepare: { () throws(MetaError) in try await meta.createDatabase(database) },
                                   notReady: { logger.info("Required database does not yet exist", metadata: ["db_instance": "\(database)", "error": "\($0)"]) })
    }
}

/// A start failure of the OpenTSDB service.
public struct OpenTSDBError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
