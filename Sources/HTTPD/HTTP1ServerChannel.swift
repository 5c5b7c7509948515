import GoText
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Sundial's HTTP/1.1 child channel for Hummingbird's server: an ``HTTP1WireHandler``, NIO's
/// HTTP/1 codec and an ``HTTP1Connection``, which answers unparsable requests as Go does.
/// Hummingbird's `Server` still accepts connections, runs them as tasks and shuts them down
/// gracefully; only the per-connection request loop is Sundial's.
public struct HTTP1ServerChannel: ServerChildChannel {
    /// A connection the server runs until it closes.
    public struct Value: ServerChildChannelValue {
        public let channel: any Channel
    }

    let responder: HTTP1Connection.Responder
    let dates = HTTPDate()
    /// `[http] max-connection-limit` when positive.
    let slots: ConnectionSlots?
    /// `[http] read-timeout` (nil: none).
    let readTimeout: TimeAmount?

    /// A channel that answers every request with `responder`, with at most `maxConnections`
    /// connections open at once when positive (`[http] max-connection-limit`), and requests
    /// that stop arriving for `readTimeout` ended (`[http] read-timeout`; nil: never).
    public init(maxConnections: Int = 0, readTimeout: Duration? = nil, responder: @escaping @Sendable (Request) async -> Response) {
        self.responder = responder
        self.slots = maxConnections > 0 ? ConnectionSlots(limit: maxConnections) : nil
        self.readTimeout = readTimeout.map { TimeAmount.nanoseconds($0.nanosecondCount) }
    }

    /// Go's `DefaultMaxHeaderBytes` and the slack its reader allows past it: a longer head is
    /// 431, as in 1.x.
    static let maxHeaderBytes = (1 << 20) + 4096

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // First, so that a connection over the limit goes before any HTTP handler sees it.
            if let slots { try channel.pipeline.syncOperations.addHandler(ConnectionSlotHandler(slots: slots)) }
            // Go's limit is on the head's bytes alone; the count only has to stay out of its way.
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = Self.maxHeaderBytes
            limits.maxHeaderListSize = Self.maxHeaderBytes
            limits.maxHeaderFieldCount = Self.maxHeaderBytes / 4
            let wire = HTTP1WireHandler()
            try channel.pipeline.syncOperations.addHandler(wire)
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // HTTP1Connection orders pipelined requests itself
                withErrorHandling: false,  // HTTP1Connection answers parse failures as Go does
                withOutboundHeaderValidation: false,  // HTTPTypes has validated the fields
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            let connection = HTTP1Connection(responder: responder, dates: dates, remoteAddress: channel.remoteAddress,
                                             readTimeout: readTimeout, wire: wire)
            wire.connection = connection
            try channel.pipeline.syncOperations.addHandler(connection)
            return Value(channel: channel)
        }
    }

    /// Waits for the connection to close (the server's task for it ends then).
    public func handle(value: Value, logger: Logger) async {
        await withTaskCancellationHandler {
            try? await value.channel.closeFuture.get()
        } onCancel: {
            value.channel.close(promise: nil)
        }
    }
}

extension HTTP1ServerChannel {
    /// Hummingbird's server for this channel on `host`:`port` (the shared event loops).
    public func server(
        host: String,
        port: Int,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> any Service {
        server(
            configuration: ServerConfiguration(address: .hostname(host, port: port)),
            onServerRunning: onServerRunning,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger
        )
    }

    /// Runs the server on `host`:`port` (by default an ephemeral loopback port) while `body`
    /// runs with the port it listens on and a way to begin the graceful shutdown early; then
    /// shuts it down gracefully and waits for it.
    public func withServer<T: Sendable>(
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger,
        _ body: (Int, @escaping @Sendable () async -> Void) async throws -> T
    ) async throws -> T {
        try await runServing(logger: logger, { server(host: host, port: port, logger: logger, onServerRunning: $0) }, body)
    }
}

extension HTTPService {
    /// Runs the service on `host`:`port` (by default an ephemeral loopback port) while `body`
    /// runs with the TCP port it listens on and a way to begin the graceful shutdown early;
    /// then shuts it down gracefully and waits for it.
    public static func withService<T: Sendable>(
        handler: Handler,
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger,
        _ body: (Int, @escaping @Sendable () async -> Void) async throws -> T
    ) async throws -> T {
        try await runServing(logger: logger, { HTTPService(handler: handler, host: host, port: port, logger: logger, onServerRunning: $0) }, body)
    }
}

/// Runs the service `make` builds (handing it the callback that reports the TCP port) in a
/// service group of its own while `body` runs; then shuts it down gracefully.
private func runServing<T: Sendable>(
    logger: Logger,
    _ make: (@escaping @Sendable (any Channel) async -> Void) -> any Service,
    _ body: (Int, @escaping @Sendable () async -> Void) async throws -> T
) async throws -> T {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let service = make { channel in
            listening.yield(channel.localAddress?.port ?? 0)
            listening.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { listening.finish() }
                try await group.run()
            }
            defer { tasks.cancelAll() }
            var bound = ports.makeAsyncIterator()
            guard let port = await bound.next() else {
                try await tasks.waitForAll()  // the server's own error, if it gave one
                throw NotListening()
            }
            let result: T
            do {
                result = try await body(port, { await group.triggerGracefulShutdown() })
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
}

/// The server stopped before it listened (and gave no error of its own).
struct NotListening: Error, CustomStringConvertible {
    var description: String { "the HTTP server stopped before listening" }
}
