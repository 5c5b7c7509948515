import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Sundial's HTTP/1.1 child channel for Hummingbird's server: NIO's HTTP/1 codec (with its
/// protocol error handler, which answers unparsable requests 400) and an ``HTTP1Connection``.
/// Hummingbird's `Server` still accepts connections, runs them as tasks and shuts them down
/// gracefully; only the per-connection request loop is Sundial's.
public struct HTTP1ServerChannel: ServerChildChannel {
    /// A connection the server runs until it closes.
    public struct Value: ServerChildChannelValue {
        public let channel: any Channel
    }

    let responder: HTTP1Connection.Responder
    let dates = HTTPDate()

    /// A channel that answers every request with `responder`.
    public init(responder: @escaping @Sendable (Request) async -> Response) {
        self.responder = responder
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Hummingbird's HTTP1Channel limits.
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = 80 * 1024
            limits.maxHeaderListSize = 80 * 1024
            limits.maxHeaderFieldCount = 1000
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // HTTP1Connection orders pipelined requests itself
                withErrorHandling: true,
                withOutboundHeaderValidation: false,  // HTTPTypes has validated the fields
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            try channel.pipeline.syncOperations.addHandler(HTTP1Connection(responder: responder, dates: dates))
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
