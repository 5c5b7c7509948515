import Logging
import ServiceLifecycle
import TSDB
import TSM

/// 1.x's once-a-second engine check (cold snapshots, compactions) until shutdown. The store
/// is opened before any service starts (``Server/openStore()``); with an engine scheduler the
/// check only hands work to it, without one the work runs on the store's pool — never on
/// Swift's cooperative pool or a NIO event loop.
struct StoreService: Service {
    let store: Store
    let logger: Logger

    func run() async throws {
        let store = self.store
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                let problems: [String] = await store.blocking {
                    store.openShards.compactMap { shard -> String? in
                        do throws(EngineError) { try shard.engine.tick(); return nil } catch { return "shard \(shard.id): \(error)" }
                    }
                }
                for problem in problems { logger.error("engine_maintenance_failed", metadata: ["error": "\(problem)"]) }
            }
        }
        logger.debug("service_closed", metadata: ["service": "store"])
    }
}
