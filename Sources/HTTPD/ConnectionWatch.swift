import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Whether a request's client is still there: set when the connection's input ends (the
/// client closed or shut down its side; Hummingbird keeps half-closed connections open) or
/// the connection closes. A running query then stops as if killed, as 1.x's handler stops a
/// query when the client's `CloseNotify` fires.
public final class ConnectionState: Sendable {
    private let closed = Atomic<Bool>(false)

    /// The connection of the request being answered (set around the handler by the server).
    @TaskLocal public static var current: ConnectionState?

    public init() {}

    /// Whether the client is gone (read by a running query's interruption checks).
    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    func close() { closed.store(true, ordering: .relaxed) }
}

/// The pipeline handler that feeds a connection's ``ConnectionState``; it finds the state
/// through its channel, which is how a request context (``SundialRequestContext``) gets it.
public final class ConnectionWatch: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    public typealias InboundIn = Any

    private static let states = Mutex<[ObjectIdentifier: ConnectionState]>([:])
    private let connection = ConnectionState()

    public init() {}

    /// The state of the connection `channel` carries, if a watch is in its pipeline.
    public static func state(of channel: any Channel) -> ConnectionState? {
        states.withLock { $0[ObjectIdentifier(channel)] }
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        let connection = self.connection
        Self.states.withLock { $0[ObjectIdentifier(context.channel)] = connection }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        connection.close()
        _ = Self.states.withLock { $0.removeValue(forKey: ObjectIdentifier(context.channel)) }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { connection.close() }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        connection.close()
        context.fireChannelInactive()
    }
}

/// Hummingbird's basic context plus the request's ``ConnectionState``.
public struct SundialRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's connection (nil without a ``ConnectionWatch`` in the pipeline).
    public let connection: ConnectionState?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.connection = ConnectionWatch.state(of: source.channel)
    }
}
