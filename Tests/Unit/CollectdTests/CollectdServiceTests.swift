@testable import Collectd
import Coordinator
import Foundation
import Logging
import Meta
import NIOCore
import ServiceLifecycle
import SundialTestSupport
import TSDB
import TSM
import Testing

/// The service on a real socket: packets in, points stored, counters as 1.x names them.
@Suite struct CollectdServiceTests {
    /// Runs `service` in a service group while `body` runs with its port; then shuts it down.
    static func running(_ settings: CollectdService.Settings, _ body: (CollectdService, Int, MetaClient, Store) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-collectd-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meta = MetaClient()
        let store = Store(dataDir: root + "/data", walDir: root + "/wal")
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = CollectdService(settings: settings, meta: meta, pointsWriter: PointsWriter(meta: meta, store: store),
                                      logger: Logger(label: "test"), onListening: { continuation.yield($0.port ?? 0) })
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

    static func settings(_ level: SecurityLevel = .none, passwords: (any PasswordLookup)? = nil, batchSize: Int = 3) -> CollectdService.Settings {
        CollectdService.Settings(host: "127.0.0.1", port: 0, database: "collectd", batchSize: batchSize, batchTimeout: .milliseconds(50),
                                 parser: PacketParser(securityLevel: level, typesDB: PacketParserTests.types, passwords: passwords))
    }

    static func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func packetsAreStoredAndCounted() async throws {
        try await Self.running(Self.settings(.sign, passwords: SecurityTests.passwords)) { service, port, meta, store in
            let sender = UDPSender(port: port)
            sender.send(PacketParserTests.twoLists().signed(user: "alice", password: "w0nderl4nd"))  // 4 points
            sender.send(PacketParserTests.twoLists().bytes)                                           // unsigned: nothing
            sender.send([0x00, 0x00, 0x00, 0x02])                                                     // parse failure
            var nan = PacketBuilder()
            nan.number(1, 1_700_000_000)
            nan.string(2, "memory")
            nan.string(4, "memory")
            nan.values([.gauge(.nan)])
            sender.send(nan.signed(user: "alice", password: "w0nderl4nd"))                             // dropped invalid
            try await Self.waitFor { service.statistics["pointsTx"] == 4 && service.statistics["droppedPointsInvalid"] == 1 }
            let stats = Dictionary(uniqueKeysWithValues: service.statistics.values.map { ($0.name, $0.value) })
            #expect(stats["pointsRx"] == 4)
            #expect(stats["pointsTx"] == 4)
            #expect(stats["batchesTx"] == 2)  // 3 by size, 1 by timeout
            #expect(stats["pointsParseFail"] == 1)
            #expect(stats["droppedPointsInvalid"] == 1)
            #expect(stats["bytesRx"] ?? 0 > 100)
            #expect(stats["readFail"] == 0 && stats["batchesTxFail"] == 0)
            // The database was created with the first batch, with autogen.
            #expect(meta.database("collectd")?.defaultRetentionPolicy == "autogen")
            let shard = try #require(store.openShards.first)
            let rx = try #require(try shard.engine.read(key: Array("interface_rx,host=web1,instance=eth1,type=if_octets#!~#value".utf8)))
            #expect(rx == .float([1_700_000_000_500_000_000], [7]))
            let tx = try #require(try shard.engine.read(key: Array("interface_tx,host=web1,instance=eth0,type=if_octets#!~#value".utf8)))
            #expect(tx == .float([1_700_000_000_500_000_000], [-5]))
        }
    }

    @Test func joinModeAndTruncationAt1452Bytes() async throws {
        var settings = Self.settings(batchSize: 1)
        settings.multiValue = .join
        try await Self.running(settings) { service, port, _, store in
            let sender = UDPSender(port: port)
            sender.send(PacketParserTests.twoLists().bytes)
            // A packet longer than 1452 bytes is cut there, as 1.x reads it: its last part breaks.
            var long = PacketBuilder()
            long.string(0, String(repeating: "h", count: 1500))
            long.number(1, 1_700_000_000)
            long.string(4, "memory")
            long.values([.gauge(1)])
            sender.send(long.bytes)
            try await Self.waitFor { service.statistics["pointsTx"] == 2 && service.statistics["pointsParseFail"] == 1 }
            #expect(service.statistics["pointsParseFail"] == 1)
            let shard = try #require(store.openShards.first)
            let rx = try #require(try shard.engine.read(key: Array("interface,host=web1,instance=eth0,type=if_octets#!~#rx".utf8)))
            #expect(rx == .float([1_700_000_000_500_000_000], [100]))
        }
    }
}
