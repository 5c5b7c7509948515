import HTTPD
import Logging
import ServiceLifecycle
import Testing
@testable import Server

@Suite struct LifecycleTests {
    @Test func servicesStartStorageFirstAndHTTPLast() throws {
        var config = Config.embeddedDefault(directory: "/tmp/unused")
        config.http.bindAddress = "127.0.0.1:0"
        let services = try Server(config: config).services()
        let names = services.map { ($0 as? LifecycleStep)?.name ?? ($0 is StoreService ? "store" : "http") }
        #expect(names == ["meta", "store", "points-writer", "http"])
    }

    @Test func httpCanBeDisabled() throws {
        var config = Config()
        config.http.enabled = false
        #expect(try Server(config: config).services().count == 3)
    }

    /// The whole group comes up and winds down on a graceful shutdown without hanging.
    @Test func runsAndShutsDownGracefully() async throws {
        var config = Config.embeddedDefault(directory: "/tmp/unused")
        config.http.bindAddress = "127.0.0.1:0"
        let server = Server(config: config)
        let group = ServiceGroup(configuration: .init(
            services: try server.services().map { .init(service: $0) },
            logger: Logger(label: "test")
        ))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test(arguments: [
        (":8086", "0.0.0.0", 8086), ("127.0.0.1:0", "127.0.0.1", 0), ("[::1]:9", "::1", 9),
    ] as [(String, String, Int)])
    func parsesBindAddresses(address: String, host: String, port: Int) throws {
        let (h, p) = try Server.hostAndPort(address)
        #expect(h == host && p == port)
    }

    @Test(arguments: ["8086", "host:", "host:99999"])
    func rejectsBadBindAddresses(address: String) {
        #expect(throws: ConfigError.self) { try Server.hostAndPort(address) }
    }
}
