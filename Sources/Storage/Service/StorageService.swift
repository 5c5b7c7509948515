import Logging
import Meta
import ServiceLifecycle
import SwiftProtobuf
import TSDB

/// 1.6's storage read service (`[ifql]`, services/storage): storage.proto's `Storage` service
/// (index 0) over yarpc on `bind-address` — `Read` (method 0) streams frames, `Capabilities`
/// (1) and `Hints` (2) answer empty messages (1.6 answers them with "not implemented", which
/// yarpc turns into a closed stream; an empty answer is what its client can decode).
///
/// A Read's errors are logged, and its stream ends with the frames sent so far, as in 1.6.
public struct StorageService: Service {
    let server: YARPCServer

    /// Serves on `host:port`; `onBound` receives the port once listening (tests bind port 0).
    public init(host: String, port: Int, logEnabled: Bool, meta: MetaClient, store: Store, logger: Logger,
                onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        var logger = logger
        logger[metadataKey: "service"] = "storage"
        let reads = StorageReads(meta: meta, store: store, logger: logger, logEnabled: logEnabled)
        server = YARPCServer(host: host, port: port, logger: logger, onBound: onBound) { service, method, request, writer in
            guard service == 0 else { return }
            switch method {
            case 0: try await reads.read(request, writer)
            case 1: try await writer.send(try StorageCapabilitiesResponse().serializedBytes())
            case 2: try await writer.send(try StorageHintsResponse().serializedBytes())
            default: return
            }
        }
    }

    public func run() async throws {
        server.logger.info("Starting storage service")
        try await server.run()
    }
}

/// The Read method: plans the request, then runs it on the store's thread pool a message at a
/// time, sending each message before reading on.
struct StorageReads: Sendable {
    let meta: MetaClient
    let store: Store
    let logger: Logger
    let logEnabled: Bool

    func read(_ bytes: [UInt8], _ writer: YARPCResponseWriter) async throws {
        let request: StorageReadRequest
        do {
            request = try StorageReadRequest(serializedBytes: bytes)
        } catch {
            logger.error("rpc: error unmarshalling request", metadata: ["error": "\(error)"])
            return
        }
        if logEnabled {
            logger.info("Read request info", metadata: [
                "database": "\(request.database)", "series_limit": "\(request.seriesLimit)", "series_offset": "\(request.seriesOffset)",
                "points_limit": "\(request.pointsLimit)", "start": "\(request.timestampRange.start)", "end": "\(request.timestampRange.end)",
                "desc": "\(request.descending)", "group": "\(request.group)", "group_keys": "\(request.groupKeys.joined(separator: ","))",
            ])
        }
        let (meta, store) = (self.meta, self.store)
        let planned = await store.blocking { Result { () throws(ReadError) in try ReadPlan.make(request, meta: meta, store: store) } }
        let plan: ReadPlan
        do throws(ReadError) {
            guard let made = try planned.get() else { return }
            plan = made
        } catch {
            logger.error("Read failed", metadata: ["error": "\(error.description)"])
            return
        }
        var execution = ReadExecution(plan: plan)
        while true {
            // A few messages per trip to the thread pool: about one yamux window's worth.
            execution = await store.blocking { [execution] in
                var e = execution
                e.run(messages: 4)
                return e
            }
            for message in execution.takeMessages() { try await writer.send(message) }
            if execution.finished { break }
        }
    }
}
