import Logging
import Meta
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle
import Synchronization
import TSDB
import TSM

/// Why the snapshotter could not start.
public struct SnapshotterError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The restore locks of shards: one per shard restored, kept (shards are few).
final class RestoreLocks: Sendable {
    private let locks = Mutex<[UInt64: RestoreLock]>([:])

    /// Shard `id`'s lock.
    func lock(_ id: UInt64) -> RestoreLock {
        locks.withLock { all in
            if let existing = all[id] { return existing }
            let made = RestoreLock()
            all[id] = made
            return made
        }
    }
}

/// One shard's restore lock.
final class RestoreLock: Sendable {
    let mutex = Mutex(())
}

/// 1.x's snapshotter on the TCP `bind-address`, behind 1.x's one-byte multiplexer
/// (Spec/snapshotter.md): metastore and shard backups for `backup`, database and retention
/// policy listings, and the live restore's metadata import and shard uploads.
///
/// Each connection is served by its own task; disk work (snapshots, file reads, restores)
/// runs on the store's thread pool and file content is written with the channel's
/// backpressure, so a slow reader holds no more than a chunk in memory.
public struct SnapshotterService: Service {
    let host: String
    let port: Int
    let meta: MetaClient
    let store: Store
    let logger: Logger
    let onBound: @Sendable (Int) -> Void
    /// One lock per shard being restored (created on first use, kept: shards are few).
    let restores = RestoreLocks()

    /// Serves on `host:port`; `onBound` receives the port once listening (tests bind port 0).
    public init(host: String, port: Int, meta: MetaClient, store: Store, logger: Logger, onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.meta = meta
        self.store = store
        var logger = logger
        logger[metadataKey: "service"] = "snapshot"
        self.logger = logger
        self.onBound = onBound
    }

    /// 1.x's `mux.Timeout`: a connection must send its header byte within this.
    static let headerTimeout: Duration = .seconds(30)
    /// The most a request's JSON may take (1.x's are a few hundred bytes).
    static let requestLimit = 1 << 20

    public func run() async throws {
        logger.info("Starting snapshot service")
        // Uploads a stopped process left half-way.
        let staging = store.dataDir + "/.restore"
        await store.blocking {
            for name in SnapshotterService.fileNames(staging) { Engine.removeTree(staging + "/" + name) }
            rmdir(staging)
        }
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await bind()
        } catch {
            // 1.x stops at start the same way (`listen tcp 127.0.0.1:8088: bind: …`).
            throw SnapshotterError(description: "listen tcp \(host):\(port) (bind-address, the snapshotter for backup and restore): \(error)")
        }
        let listener = server.channel
        onBound(listener.localAddress?.port ?? port)
        logger.info("Listening on TCP", metadata: ["addr": "\(listener.localAddress.map { "\($0)" } ?? "")"])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.close(promise: nil)
        }
        logger.info("Listener closed")
    }

    private func bind() async throws -> NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never> {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // A client that half-closes after an upload still gets the end of the restore
            // (the connection closes once the shard is back).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// One connection: the mux header, then one request.
    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let channel = connection.channel
        let remote = channel.remoteAddress.map { "\($0)" } ?? "?"
        // Closes a connection that sends no complete request in time (1.x's mux deadline).
        let watchdog = Task {
            try await Task.sleep(for: Self.headerTimeout)
            channel.close(promise: nil)
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var reader = ConnectionReader(inbound)
                guard let header = try await reader.byte() else { return }
                guard header == snapshotterMuxHeader else {
                    logger.info("tcp.Mux: handler not registered: \(header). Connection from \(remote) closed")
                    return
                }
                guard let type = try await reader.byte() else { return }
                if type == SnapshotRequestType.shardUpdate.rawValue {
                    let id = try await reader.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    watchdog.cancel()
                    try await restoreShard(id, from: &reader)
                    return
                }
                let request: SnapshotRequest
                do {
                    request = try SnapshotRequest.decode(try await reader.jsonObject(limit: Self.requestLimit), type: type)
                } catch {
                    logger.info("read request: \(error)")
                    return
                }
                watchdog.cancel()
                try await handle(request, reader: &reader, outbound: outbound)
            }
        } catch {
            logger.info("\(error)")
        }
        watchdog.cancel()
    }

    /// A request error 1.x's handler returns: logged, the connection closed.
    struct RequestError: Error, CustomStringConvertible {
        let description: String
    }

    private func handle(_ request: SnapshotRequest, reader: inout ConnectionReader, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        switch SnapshotRequestType(rawValue: request.type) {
        case .shardBackup?:
            try await sendShard(request.shardID, outbound: outbound) { name, modified in modified > request.since ? .whole : .skip }
        case .shardExport?:
            try await sendShardExport(request, outbound: outbound)
        case .metastoreBackup?:
            try await outbound.write(ByteBuffer(bytes: try metastoreBackup()))
        case .databaseInfo?:
            try await outbound.write(ByteBuffer(bytes: try databaseInfo(request.backupDatabase).json))
        case .retentionPolicyInfo?:
            try await outbound.write(ByteBuffer(bytes: try retentionPolicyInfo(request.backupDatabase, request.backupRetentionPolicy).json))
        case .metaStoreUpdate?:
            try await reader.skipNewline()
            try await updateMeta(request, reader: &reader, outbound: outbound)
        case .seriesFileBackup?, .shardUpdate?, nil:
            throw RequestError(description: "request type unknown: \(request.type)")
        }
    }
}
