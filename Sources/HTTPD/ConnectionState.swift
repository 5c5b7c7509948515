import Synchronization

/// Whether a request's client is still there: set when the connection's input ends (the
/// client closed or shut down its side; the server keeps half-closed connections open to
/// answer) or the connection closes. A running query then stops as if killed, as 1.x's
/// handler stops a query when the client's `CloseNotify` fires.
public final class ConnectionState: Sendable {
    private let closed = Atomic<Bool>(false)

    /// The connection of the request being answered (set around the handler by the server).
    @TaskLocal public static var current: ConnectionState?

    public init() {}

    /// Whether the client is gone (read by a running query's interruption checks).
    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    func close() { closed.store(true, ordering: .relaxed) }
}
