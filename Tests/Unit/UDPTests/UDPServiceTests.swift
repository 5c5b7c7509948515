import Coordinator
import Foundation
import LineProtocol
import Logging
import Meta
import NIOCore
import ServiceLifecycle
import SundialTestSupport
import TSDB
import TSM
import Testing
@testable import UDP

/// The UDP line protocol input on a real socket (1.x's `services/udp`).
@Suite struct UDPServiceTests {
    static func running(_ settings: UDPService.Settings, now: Int64 = 1_700_000_000_123_456_789,
                        _ body: (UDPService, Int, MetaClient, Store) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-udp-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meta = MetaClient()
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = UDPService(settings: settings, meta: meta, pointsWriter: PointsWriter(meta: meta, store: store, now: { now }),
                                 logger: Logger(label: "test"), now: { now }, onListening: { continuation.yield($0.port ?? 0) })
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(service, port, meta, store)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// The values of `key` in whichever shard holds them.
    static func read(_ store: Store, _ key: String) throws -> WALValues? {
        for shard in store.openShards {
            if let values = try shard.engine.read(key: Array(key.utf8)) { return values }
        }
        return nil
    }

    static func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func datagramsAreStoredAndBadOnesDroppedWhole() async throws {
        let settings = UDPService.Settings(host: "127.0.0.1", port: 0, database: "udp", batchSize: 2, batchTimeout: .milliseconds(50))
        try await Self.running(settings) { service, port, meta, store in
            let sender = UDPSender(port: port)
            sender.send(Array("cpu,host=a value=1 1000000000\ncpu,host=b value=2 1000000000\n# comment\n".utf8))
            sender.send(Array("cpu,host=c value=3 1000000000\ncpu,host=d value=\n".utf8))  // one bad line: all dropped
            sender.send(Array("mem free=5i".utf8))                                         // no time: arrival time
            try await Self.waitFor { service.statistics["pointsTx"] == 3 && service.statistics["pointsParseFail"] == 1 }
            let stats = Dictionary(uniqueKeysWithValues: service.statistics.values.map { ($0.name, $0.value) })
            #expect(stats == ["pointsRx": 3, "bytesRx": 129, "pointsParseFail": 1, "readFail": 0, "batchesTx": 2, "pointsTx": 3, "batchesTxFail": 0])
            #expect(meta.database("udp") != nil)
            #expect(try Self.read(store, "cpu,host=b#!~#value") == .float([1_000_000_000], [2]))
            #expect(try Self.read(store, "cpu,host=c#!~#value") == nil)
            #expect(try Self.read(store, "mem#!~#free") == .integer([1_700_000_000_123_456_789], [5]))
        }
    }

    /// `precision` scales given times and truncates the arrival time.
    @Test(arguments: [(Precision.second, "m v=1 3\nn v=1", [3_000_000_000], [1_700_000_000_000_000_000]),
                      (.millisecond, "m v=1 3\nn v=1", [3_000_000], [1_700_000_000_123_000_000]),
                      (.nanosecond, "m v=1 3\nn v=1", [3], [1_700_000_000_123_456_789])])
    func precision(precision: Precision, text: String, m: [Int64], n: [Int64]) async throws {
        let settings = UDPService.Settings(host: "127.0.0.1", port: 0, database: "udp", precision: precision, batchSize: 2)
        try await Self.running(settings) { service, port, _, store in
            UDPSender(port: port).send(Array(text.utf8))
            try await Self.waitFor { service.statistics["pointsTx"] == 2 }
            #expect(try Self.read(store, "m#!~#v")?.timestamps == m)
            #expect(try Self.read(store, "n#!~#v")?.timestamps == n)
        }
    }

    /// A missing retention policy fails each batch (counted), as in 1.x.
    @Test func writeFailuresAreCounted() async throws {
        let settings = UDPService.Settings(host: "127.0.0.1", port: 0, database: "udp", retentionPolicy: "nope", batchSize: 1)
        try await Self.running(settings) { service, port, _, _ in
            UDPSender(port: port).send(Array("m v=1 1".utf8))
            try await Self.waitFor { service.statistics["batchesTxFail"] == 1 }
            #expect(service.statistics["batchesTxFail"] == 1 && service.statistics["pointsTx"] == 0)
        }
    }
}
