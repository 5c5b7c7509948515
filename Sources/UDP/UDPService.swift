import Coordinator
import InputSupport
import LineProtocol
import Logging
import Meta
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import TSDB

/// 1.x's UDP input (`[[udp]]`): each datagram is line protocol, parsed with the configured
/// `precision` (lines without a time get the arrival time), batched, and written to the
/// configured database, which is created with the first batch as 1.x does.
///
/// As in 1.x, a datagram with any line that does not parse is dropped whole and counted once
/// in `pointsParseFail`. Datagrams are read up to 64 KiB (longer ones are truncated by the
/// kernel); reading pauses while `batch-pending` batches wait for the writer.
public struct UDPService: Service {
    /// A `[[udp]]` section.
    public struct Settings: Sendable {
        public var host: String
        /// The `bind-address` as configured (the statistics' `bind` tag, as in 1.x).
        public var bindAddress: String
        public var port: Int
        public var database: String
        public var retentionPolicy: String
        public var precision: Precision
        public var batchSize: Int
        public var batchPending: Int
        public var batchTimeout: Duration
        public var readBuffer: Int

        public init(host: String, port: Int, bindAddress: String? = nil, database: String, retentionPolicy: String = "", precision: Precision = .nanosecond,
                    batchSize: Int = 5000, batchPending: Int = 10, batchTimeout: Duration = .seconds(1), readBuffer: Int = 0) {
            self.host = host
            self.bindAddress = bindAddress ?? "\(host):\(port)"
            self.port = port
            self.database = database
            self.retentionPolicy = retentionPolicy
            self.precision = precision
            self.batchSize = batchSize
            self.batchPending = batchPending
            self.batchTimeout = batchTimeout
            self.readBuffer = readBuffer
        }
    }

    /// 1.x's `MaxUDPPayload`: the largest datagram read.
    public static let maxPayload = 64 * 1024

    public let settings: Settings
    public let statistics = UDPStatistics()
    let meta: MetaClient
    let pointsWriter: PointsWriter
    let logger: Logger
    let now: @Sendable () -> Int64
    let onListening: @Sendable (SocketAddress) -> Void

    /// `onListening` is told the bound address (tests bind port 0).
    public init(settings: Settings, meta: MetaClient, pointsWriter: PointsWriter, logger: Logger,
                now: @escaping @Sendable () -> Int64 = PointsWriter.wallClock,
                onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }) {
        self.settings = settings
        self.meta = meta
        self.pointsWriter = pointsWriter
        var logger = logger
        logger[metadataKey: "service"] = "udp"
        self.logger = logger
        self.now = now
        self.onListening = onListening
    }

    public func run() async throws {
        let statistics = self.statistics, logger = self.logger
        let channel = try await DatagramListener.bind(host: settings.host, port: settings.port, maxDatagram: Self.maxPayload,
                                                      readBuffer: settings.readBuffer) { error in
            statistics.readFail.add(1, ordering: .relaxed)
            logger.info("Failed to read UDP message", metadata: ["error": "\(error)"])
        }
        let batcher = PointBatcher(size: settings.batchSize, pending: settings.batchPending, timeout: settings.batchTimeout)
        logger.info("Started listening on UDP", metadata: ["addr": "\(channel.channel.localAddress.map { "\($0)" } ?? "")"])
        if let address = channel.channel.localAddress { onListening(address) }
        await withDiscardingTaskGroup { group in
            group.addTask { await writeBatches(from: batcher) }
            await withGracefulShutdownHandler {
                do {
                    try await channel.executeThenClose { inbound, _ in
                        for try await envelope in inbound {
                            statistics.bytesReceived.add(Int64(envelope.data.readableBytes), ordering: .relaxed)
                            let points = envelope.data.withUnsafeReadableBytes { handle($0) }
                            if !batcher.add(points) { await batcher.room() }
                        }
                    }
                } catch {
                    logger.info("UDP listener stopped", metadata: ["error": "\(error)"])
                }
            } onGracefulShutdown: {
                channel.channel.close(promise: nil)
            }
            batcher.stop()
        }
        logger.info("Service closed")
    }

    /// The points of one datagram: none when any line fails to parse.
    func handle(_ bytes: UnsafeRawBufferPointer) -> [Point] {
        let result = LineProtocolParser.parse(bytes, options: ParseOptions(precision: settings.precision, defaultTime: now()))
        if let error = result.errorText {
            statistics.pointsParseFail.add(1, ordering: .relaxed)
            logger.info("Failed to parse points", metadata: ["error": "\(error)"])
            return []
        }
        statistics.pointsReceived.add(Int64(result.points.count), ordering: .relaxed)
        return result.points
    }

    /// Writes each batch; the database is created before the first, and again tried before
    /// the next if that failed.
    func writeBatches(from batcher: PointBatcher) async {
        let meta = self.meta, database = settings.database, logger = self.logger
        await batcher.writeBatches(database: database, retentionPolicy: settings.retentionPolicy, pointsWriter: pointsWriter,
                                   counters: statistics.batches, logger: logger,
                                   prepare: { () throws(MetaError) in try await meta.createDatabase(database) },
                                   notReady: { logger.info("Required database does not yet exist", metadata: ["db_instance": "\(database)", "error": "\($0)"]) })
    }
}
