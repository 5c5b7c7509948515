import NIOCore
import Synchronization

/// Whether a request's client is still there: set when the connection's input ends (the
/// client closed or shut down its side; the server keeps half-closed connections open to
/// answer) or the connection closes. A running query then stops as if killed, as 1.x's
/// handler stops a query when the client's `CloseNotify` fires.
///
/// It also carries what Go's `http.Request` knows about the connection and the handler needs
/// (the access log, `/debug/requests`): the client's address and the request's protocol.
public final class ConnectionState: Sendable {
    private let closed = Atomic<Bool>(false)
    private let quiescing = Atomic<Bool>(false)

    /// The client's address as the host part of Go's `RemoteAddr`: `127.0.0.1`, `::1`, and
    /// `@` for an unnamed unix-socket peer (the usual client); "" when unknown.
    public let remoteHost: String
    /// Whether the connection came over TCP (Go's `RemoteAddr` then splits into host and
    /// port; 1.x's `/debug/requests` counts only such requests).
    public let remoteHasPort: Bool

    /// The connection of the request being answered (set around the handler by the server).
    @TaskLocal public static var current: ConnectionState?
    /// The protocol of the request being answered, as Go's `Request.Proto` (`HTTP/1.1`).
    @TaskLocal public static var requestProtocol = "HTTP/1.1"

    public init(remoteHost: String = "", remoteHasPort: Bool = true) {
        self.remoteHost = remoteHost
        self.remoteHasPort = remoteHasPort
    }

    /// The state of a connection from `address` (the channel's `remoteAddress`).
    convenience init(remoteAddress address: SocketAddress?) {
        switch address {
        case .v4, .v6: self.init(remoteHost: address?.ipAddress ?? "", remoteHasPort: true)
        case .unixDomainSocket:
            // Go names an unnamed peer (the usual client) `@`.
            let path = address?.pathname ?? ""
            self.init(remoteHost: path.isEmpty ? "@" : path, remoteHasPort: false)
        case nil: self.init(remoteHost: "", remoteHasPort: false)
        }
    }

    /// Whether the client is gone (read by a running query's interruption checks).
    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Whether the server is shutting down and wants the connection's answer finished soon
    /// (a long `/debug/requests` wait then answers with what it has).
    public var isQuiescing: Bool { quiescing.load(ordering: .relaxed) }

    func close() { closed.store(true, ordering: .relaxed) }

    /// The handler left more of its request's body unread than Go's server drains: the answer
    /// is to close the connection.
    private let unreadBody = Atomic<Bool>(false)

    func leftBodyUnread() { unreadBody.store(true, ordering: .relaxed) }

    /// Whether the answer being written must close the connection for an unread body (and
    /// forgets it for the next request).
    func takeUnreadBody() -> Bool { unreadBody.exchange(false, ordering: .relaxed) }

    func quiesce() { quiescing.store(true, ordering: .relaxed) }
}
