import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// 1.x's HTTP service: the handler's access log, the TCP listener and — with
/// `unix-socket-enabled` — a unix socket listener answering with the same handler, opened and
/// closed together. As in 1.x, `max-connection-limit` applies to TCP only, a stale file at
/// `bind-socket` is removed before listening, the socket gets `unix-socket-permissions` and
/// `unix-socket-group`, and it is removed again when the service stops.
public struct HTTPService: Service {
    let handler: Handler
    let host: String
    let port: Int
    let logger: Logger
    let onServerRunning: @Sendable (any Channel) async -> Void

    /// The service for `handler` on `host`:`port`; `onServerRunning` gets the TCP channel once
    /// it listens.
    public init(handler: Handler, host: String, port: Int, logger: Logger,
                onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) {
        self.handler = handler
        self.host = host
        self.port = port
        var logger = logger
        logger[metadataKey: "service"] = "httpd"
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let config = handler.config
        let handler = self.handler
        let responder: @Sendable (Request) async -> Response = { request in await handler.respond(to: request) }
        var socket: (path: String, group: gid_t?)?
        if config.unixSocketEnabled {
            do throws(UnixSocketError) {
                let group = try config.unixSocketGroup?.resolve()
                try UnixSocketFile.prepare(config.bindSocket)
                socket = (config.bindSocket, group)
            } catch {
                logger.error("unix socket failed", metadata: ["path": "\(config.bindSocket)", "error": "\(error)"])
                throw error
            }
        }
        // 1.x's start-up lines: the service with its authentication, then the address it
        // listens on once it does.
        logger.info("Starting HTTP service", metadata: ["authentication": "\(config.authEnabled)"])
        handler.accessLog?.open(logger: logger)
        let logger = self.logger, announce = onServerRunning
        // The service is up once both listeners are (1.x opens both before it serves): the TCP
        // one is announced after the unix socket has its permissions.
        let (unixReady, unixSettled) = AsyncStream.makeStream(of: Void.self)
        if socket == nil { unixSettled.finish() }
        let tcp = HTTP1ServerChannel(maxConnections: config.maxConnectionLimit, readTimeout: config.readTimeout, responder: responder)
            .server(host: host, port: port, logger: logger) { channel in
                logger.info("Listening on HTTP", metadata: ["addr": "\(Self.goAddress(channel.localAddress))", "https": "false"])
                for await _ in unixReady {}
                await announce(channel)
            }
        var unix: (any Service)?
        let unixFailure = FailureBox()
        if let socket {
            let permissions = config.unixSocketPermissions
            unix = HTTP1ServerChannel(readTimeout: config.readTimeout, responder: responder).server(
                configuration: ServerConfiguration(address: .unixDomainSocket(path: socket.path)),
                onServerRunning: { channel in
                    defer { unixSettled.finish() }
                    do throws(UnixSocketError) {
                        try UnixSocketFile.configure(socket.path, permissions: permissions, group: socket.group)
                        logger.info("Listening on unix socket", metadata: ["addr": "\(socket.path)"])
                    } catch {
                        logger.error("unix socket failed", metadata: ["path": "\(socket.path)", "error": "\(error)"])
                        unixFailure.error.withLock { $0 = error }
                        try? await channel.close()
                    }
                },
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            )
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await tcp.run() }
                if let unix {
                    group.addTask {
                        defer { unixSettled.finish() }  // a unix listener that never ran holds nothing back
                        try await unix.run()
                        if let failure = unixFailure.error.withLock({ $0 }) { throw failure }
                    }
                }
                // The first failure ends the service (and the other listener with it).
                for try await _ in group {}
            }
        } catch {
            if let socket { UnixSocketFile.remove(socket.path) }
            await handler.accessLog?.close()
            throw error
        }
        if let socket { UnixSocketFile.remove(socket.path) }
        await handler.accessLog?.close()
    }
}

extension HTTPService {
    /// An address as Go prints a `net.Addr`: `127.0.0.1:8086`, `[::1]:8086`.
    static func goAddress(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return address.map { "\($0)" } ?? "" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}

/// Where the unix listener's set-up failure is kept for the service to throw.
private final class FailureBox: Sendable {
    let error = Mutex<UnixSocketError?>(nil)
}
