import Dispatch
import Logging
import ServiceLifecycle
import TSDB
import TSM

/// Opens every shard at start (WAL replay before the first request, as 1.x) and runs 1.x's
/// once-a-second engine check (cold snapshots, compactions) until shutdown. Disk work runs
/// on a dispatch queue, not on Swift's cooperative pool or a NIO event loop.
struct StoreService: Service {
    let store: Store
    let logger: Logger
    private static let queue = DispatchQueue(label: "sundial.store")

    func run() async throws {
        let store = self.store
        let opened: Result<Int, StoreError> = await Self.offload {
            do throws(StoreError) { return .success(try store.openAll()) } catch { return .failure(error) }
        }
        switch opened {
        case .success(let n): logger.info("store_opened", metadata: ["shards": "\(n)", "path": "\(store.dataDir)"])
        case .failure(let error): logger.error("store_open_failed", metadata: ["error": "\(error)"])
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                let problems: [String] = await Self.offload {
                    store.openShards.compactMap { shard -> String? in
                        do throws(EngineError) { try shard.engine.maintain(); return nil } catch { return "shard \(shard.id): \(error)" }
                    }
                }
                for problem in problems { logger.error("engine_maintenance_failed", metadata: ["error": "\(problem)"]) }
            }
        }
        logger.debug("service_closed", metadata: ["service": "store"])
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in queue.async { continuation.resume(returning: work()) } }
    }
}
