import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A yarpc server (influxdata/yarpc `server.go`): accepts TCP connections, runs a yamux
/// session on each, and serves every stream as one call.
///
/// For each stream it reads the 2-byte service/method header and the first message, then
/// calls `handler`, which answers with any number of messages through the writer; the stream is
/// closed (FIN) when the handler returns or throws — yarpc sends no error status, so a failed
/// call is one that closes early. A stream that ends before its request is closed unanswered;
/// one announcing a message over ``YARPC/maxMessageSize`` is reset.
///
/// Graceful shutdown closes the listener, sends GoAway on every session, lets the calls in
/// progress finish, then closes each connection; cancellation closes everything at once.
public struct YARPCServer: Service {
    /// Serves one call: the indexes from its header, its request's bytes, and the writer for
    /// the response messages.
    public typealias Handler = @Sendable (_ service: UInt8, _ method: UInt8, _ request: [UInt8], _ writer: YARPCResponseWriter) async throws -> Void

    let host: String
    let port: Int
    let configuration: YamuxConfiguration
    let logger: Logger
    let onBound: @Sendable (Int) -> Void
    let handler: Handler

    /// Serves on `host:port`; `onBound` receives the port once listening (tests bind port 0).
    public init(host: String, port: Int, logger: Logger, configuration: YamuxConfiguration = .init(),
                onBound: @escaping @Sendable (Int) -> Void = { _ in }, handler: @escaping Handler) {
        self.host = host
        self.port = port
        self.logger = logger
        self.configuration = configuration
        self.onBound = onBound
        self.handler = handler
    }

    /// Listens and serves until graceful shutdown (then returns once the calls in progress
    /// finished) or cancellation. Throws only if the address cannot be bound.
    public func run() async throws {
        let configuration = configuration
        let server: NIOAsyncChannel<YamuxSession, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try YamuxSession.install(on: channel, client: false, configuration: configuration)
                    }
                }
        } catch {
            throw YARPCError("listen tcp \(host):\(port): \(error)")
        }
        let listener = server.channel
        onBound(listener.localAddress?.port ?? port)
        logger.info("yarpc listening", metadata: ["address": "\(listener.localAddress.map { "\($0)" } ?? "")"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                // Ends when the listener closes (shutdown) or the task is cancelled.
                try? await server.executeThenClose { sessions in
                    for try await session in sessions {
                        group.addTask { await serve(session) }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.close(promise: nil)
        }
    }

    /// One connection: its streams until it closes, or until shutdown and its calls are done.
    private func serve(_ session: YamuxSession) async {
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                // nil once the session ended, or after GoAway once no opened stream is left.
                while let stream = try? await session.acceptStream() {
                    group.addTask { await serve(stream) }
                }
            } onGracefulShutdown: {
                session.goAway()
            }
        }
        session.close()
    }

    /// One call.
    private func serve(_ stream: YamuxStream) async {
        var reader = YARPCReader(stream)
        let service: UInt8, method: UInt8, request: [UInt8]
        do {
            guard let header = try await reader.header(), let message = try await reader.message() else {
                stream.close()
                return
            }
            (service, method, request) = (header.service, header.method, message)
        } catch {
            // A request too large or cut short: nothing more of this stream is worth reading.
            logger.info("yarpc stream \(stream.id): \(error)")
            stream.reset()
            return
        }
        do {
            try await handler(service, method, request, YARPCResponseWriter(stream: stream))
        } catch {
            logger.debug("yarpc handler failed", metadata: ["service": "\(service)", "method": "\(method)", "error": "\(error)"])
        }
        stream.close()
    }
}
