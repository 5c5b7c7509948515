/// A yamux session's settings; the defaults are yamux's `DefaultConfig()` (and influxd 1.6's).
public struct YamuxConfiguration: Sendable {
    /// The most streams opened by the peer and not yet accepted (more are reset), and the
    /// most streams this side opens that the peer has not acknowledged (more wait).
    public var acceptBacklog = 256
    /// How often an idle or busy session pings its peer; nil sends no keepalives.
    public var keepAliveInterval: Duration? = .seconds(30)
    /// How long a ping (a keepalive's included) may wait for its answer before the session closes.
    public var connectionWriteTimeout: Duration = .seconds(10)
    /// The receive window granted to each stream, in bytes: at least yamux's initial 256 KiB.
    /// Larger values are announced with window updates as the stream is read.
    public var maxStreamWindowSize: UInt32 = YamuxConfiguration.initialStreamWindow
    /// The largest data frame sent (a stream's write is cut into frames of at most this, so
    /// streams sharing the connection interleave).
    public var maxFrameSize = 64 << 10

    /// Both sides assume this window for every new stream (yamux's `initialStreamWindow`).
    public static let initialStreamWindow: UInt32 = 256 << 10

    /// yamux's defaults.
    public init() {}
}

/// Why a yamux session or stream operation failed.
public struct YamuxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// The session ended (the connection closed, or ``YamuxSession/close()``).
    public static let sessionShutdown = YamuxError("session shutdown")
    /// The peer reset the stream (RST).
    public static let connectionReset = YamuxError("connection reset")
    /// A write on a stream this side already half-closed.
    public static let streamClosed = YamuxError("stream closed")
    /// The peer sent a GoAway: it accepts no new streams.
    public static let remoteGoAway = YamuxError("remote end is not accepting connections")
    /// A ping got no answer within `connectionWriteTimeout`.
    public static let timeout = YamuxError("i/o deadline reached")
    /// A keepalive ping got no answer in time: the session was closed.
    public static let keepAliveTimeout = YamuxError("keepalive timeout")
    /// A peer broke the protocol; the session was closed with GoAway(protocol error).
    public static func protocolError(_ why: String) -> YamuxError { YamuxError("yamux protocol error: \(why)") }
}
