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

/// 1.x's collectd input (`[[collectd]]`): collectd's binary protocol over UDP, each value
/// turned into points (see ``ValueList/points(_:dropped:)``), batched, and written to the
/// configured database, which is created with the first batch as 1.x does.
///
/// The socket is read by NIO and parsed off the event loop; when `batch-pending` batches wait
/// for the writer, reading pauses and the kernel's buffer (`read-buffer`) takes the rest.
public struct CollectdService: Service {
    /// A `[[collectd]]` section, checked and with types.db loaded.
    public struct Settings: Sendable {
        public var host: String
        /// The `bind-address` as configured (the statistics' `bind` tag, as in 1.x).
        public var bindAddress: String
        public var port: Int
        public var database: String
        public var retentionPolicy: String
        public var batchSize: Int
        public var batchPending: Int
        public var batchTimeout: Duration
        public var readBuffer: Int
        public var multiValue: MultiValueMode
        public var parser: PacketParser

        public init(host: String, port: Int, bindAddress: String? = nil, database: String, retentionPolicy: String = "", batchSize: Int = 5000, batchPending: Int = 10,
                    batchTimeout: Duration = .seconds(10), readBuffer: Int = 0, multiValue: MultiValueMode = .split, parser: PacketParser) {
            self.host = host
            self.bindAddress = bindAddress ?? "\(host):\(port)"
            self.port = port
            self.database = database
            self.retentionPolicy = retentionPolicy
            self.batchSize = batchSize
            self.batchPending = batchPending
            self.batchTimeout = batchTimeout
            self.readBuffer = readBuffer
            self.multiValue = multiValue
            self.parser = parser
        }
    }

    /// collectd's packets are at most 1452 bytes (its default MaxPacketSize); 1.x reads into
    /// a buffer that size and so truncates anything longer.
    public static let maxPacketSize = 1452

    public let settings: Settings
    public let statistics = CollectdStatistics()
    let meta: MetaClient
    let pointsWriter: PointsWriter
    let logger: Logger
    let onListening: @Sendable (SocketAddress) -> Void

    /// `onListening` is told the bound address (tests bind port 0).
    public init(settings: Settings, meta: MetaClient, pointsWriter: PointsWriter, logger: Logger,
                onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }) {
        self.settings = settings
        self.meta = meta
        self.pointsWriter = pointsWriter
        var logger = logger
        logger[metadataKey: "service"] = "collectd"
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        logger.info("Starting collectd service")
        let statistics = self.statistics, logger = self.logger
        let channel = try await DatagramListener.bind(host: settings.host, port: settings.port, maxDatagram: Self.maxPacketSize,
                                                      readBuffer: settings.readBuffer) { error in
            statistics.readFail.add(1, ordering: .relaxed)
            logger.info("ReadFromUDP error", metadata: ["error": "\(error)"])
        }
        if let address = channel.channel.localAddress {
            logger.info("Listening on UDP", metadata: ["addr": "\(address)"])
            onListening(address)
        }
        let batcher = PointBatcher(size: settings.batchSize, pending: settings.batchPending, timeout: settings.batchTimeout)
        await withDiscardingTaskGroup { group in
            group.addTask { await writeBatches(from: batcher) }
            await withGracefulShutdownHandler {
                do {
                    try await channel.executeThenClose { inbound, _ in
                        for try await envelope in inbound {
                            // NIO may round the buffer up: cut at 1452 bytes as 1.x's read does.
                            let bytes = envelope.data.readableBytesView.prefix(Self.maxPacketSize)
                            statistics.bytesReceived.add(Int64(bytes.count), ordering: .relaxed)
                            let points = bytes.withContiguousStorageIfAvailable { handle(UnsafeRawBufferPointer($0)) } ?? handle(Array(bytes))
                            if !batcher.add(points) { await batcher.room() }
                        }
                    }
                } catch {
                    logger.info("collectd listener stopped", metadata: ["error": "\(error)"])
                }
            } onGracefulShutdown: {
                channel.channel.close(promise: nil)
            }
            batcher.stop()
        }
        logger.info("Closed collectd service")
    }

    /// The points of one packet; a packet that does not parse counts once in
    /// `pointsParseFail` and gives none.
    func handle(_ bytes: [UInt8]) -> [Point] { bytes.withUnsafeBytes { handle($0) } }

    func handle(_ bytes: UnsafeRawBufferPointer) -> [Point] {
        let packet: PacketParser.Packet
        do throws(CollectdError) { packet = try settings.parser.parse(bytes) } catch {
            statistics.pointsParseFail.add(1, ordering: .relaxed)
            logger.info("collectd parse error", metadata: ["error": "\(error)"])
            return []
        }
        for note in packet.skipped { logger.info("\(note)") }
        var points: [Point] = []
        var dropped = 0
        for list in packet.valueLists {
            let before = points.count, droppedBefore = dropped
            points += list.points(settings.multiValue, dropped: &dropped)
            if dropped > droppedBefore { logger.info("Dropping point", metadata: ["name": "\(list.plugin)"]) }
            statistics.pointsReceived.add(Int64(points.count - before), ordering: .relaxed)
        }
        statistics.droppedPointsInvalid.add(Int64(dropped), ordering: .relaxed)
        return points
    }

    /// Writes each batch; the database is created before the first, and again tried before
    /// the next if that failed.
    func writeBatches(from batcher: PointBatcher) async {
        let meta = self.meta, database = settings.database, logger = self.logger
        await batcher.writeBatches(database: database, retentionPolicy: settings.retentionPolicy, pointsWriter: pointsWriter,
                                   counters: statistics.batches, logger: logger,
                                   prepare: { () throws(MetaError) in try await meta.createDatabase(database) },
                                   notReady: { logger.info("Required database not yet created", metadata: ["db_instance": "\(database)", "error": "\($0)"]) })
    }
}
