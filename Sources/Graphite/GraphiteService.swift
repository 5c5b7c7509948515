import TSDB
import Coordinator
import InputSupport
import LineProtocol
import Logging
import Meta
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// One `[[graphite]]` listener (1.x's `services/graphite`): Graphite plaintext lines over TCP
/// or UDP, parsed on the event loop, batched, and written to `database` — created, with its
/// retention policy, before the first batch is written, as 1.x does.
public final class GraphiteService: Service, Sendable {
    public let settings: GraphiteSettings
    public let statistics = GraphiteStatistics()
    /// The batcher's own counters (1.x's `PointBatcherStats`).
    public let batcher: PointBatcher
    let parser: GraphiteParser
    let meta: MetaClient
    let pointsWriter: PointsWriter
    let logger: Logger
    let connections = ChannelSet()
    private let bound = Mutex<(any Channel)?>(nil)

    public init(settings: GraphiteSettings, meta: MetaClient, pointsWriter: PointsWriter, logger: Logger) throws(GraphiteConfigError) {
        self.settings = settings
        self.parser = try GraphiteParser(separator: settings.separator, templates: settings.templates, tags: settings.tags)
        self.meta = meta
        self.pointsWriter = pointsWriter
        self.batcher = PointBatcher(size: settings.batchSize, pending: settings.batchPending, timeout: settings.batchTimeout)
        var logger = logger
        logger[metadataKey: "service"] = "graphite"
        logger[metadataKey: "addr"] = "\(settings.bindAddress)"
        self.logger = logger
    }

    /// The port listened on once running (the configured one, or the one the system chose for
    /// port 0).
    public var port: Int? { bound.withLock { $0?.localAddress?.port } }

    public func run() async throws {
        logger.info("Starting graphite service", metadata: ["batch_size": "\(settings.batchSize)", "batch_timeout": "\(settings.batchTimeout)"])
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
        logger.info("Listening", metadata: ["protocol": "\(settings.transport.rawValue)", "addr": "\(channel.localAddress.map { "\($0)" } ?? "")"])
        try? await gracefulShutdown()
        try? await channel.close()
        await connections.closeAll()
        batcher.stop()
        await writer.value
        logger.info("Graphite listener closed")
    }

    private func bind() async throws -> any Channel {
        guard let (host, port) = ListenAddress.split(settings.bindAddress) else {
            throw GraphiteConfigError("invalid bind address: \(settings.bindAddress)")
        }
        let lines = GraphiteLines(parser: parser, batcher: batcher, statistics: statistics, logger: logger, clock: PointsWriter.wallClock)
        switch settings.transport {
        case .tcp:
            let connections = self.connections
            return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    connections.track(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(GraphiteTCPHandler(lines: lines))
                    }
                }
                .bind(host: host, port: port).get()
        case .udp:
            var bootstrap = DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(GraphiteUDPHandler(lines: lines))
                    }
                }
            if settings.udpReadBuffer != 0 {
                bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(clamping: settings.udpReadBuffer))
            }
            return try await bootstrap.bind(host: host, port: port).get()
        }
    }

    /// 1.x's `processBatches`: each batch is written in turn; the database is made first.
    private func writeBatches() async {
        let logger = self.logger
        await batcher.writeBatches(database: settings.database, retentionPolicy: settings.retentionPolicy, pointsWriter: pointsWriter,
                                   counters: statistics.batches, logger: logger,
                                   prepare: { () throws(MetaError) in try await self.createStorage() },
                                   notReady: { logger.info("Required database or retention policy do not yet exist", metadata: ["error": "\($0)"]) })
    }

    /// 1.x's `createInternalStorage`: the database with the section's retention policy as its
    /// default, or the policy added (as default) to an existing database that lacks it.
    private func createStorage() async throws(MetaError) {
        let rp = settings.retentionPolicy
        if let db = meta.database(settings.database) {
            let name = rp.isEmpty ? db.defaultRetentionPolicy : rp
            if name.isEmpty || !db.retentionPolicies.contains(where: { $0.name == name }) {
                try await meta.createRetentionPolicy(database: settings.database, name: rp, duration: 0, makeDefault: true)
            }
        } else {
            try await meta.createDatabase(settings.database, policy: RetentionPolicySpec(name: rp))
        }
    }
}
