import NIOCore

/// A yamux session (influxdata/yamux, the multiplexer under influxd 1.6's storage RPC):
/// many byte streams over one TCP connection, each with its own flow control.
///
/// Install one on a channel with ``install(on:client:configuration:)`` from a bootstrap's
/// channel initializer; then open streams (a client) or accept them (a server). Every method
/// may be called from any task; none blocks an event loop.
public final class YamuxSession: Sendable {
    /// The connection the session runs on.
    public let channel: any Channel
    let handler: NIOLoopBound<YamuxSessionHandler>

    private init(channel: any Channel, handler: NIOLoopBound<YamuxSessionHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Adds a session to `channel`'s pipeline. Call on the channel's event loop (a bootstrap's
    /// channel initializer). A client opens odd stream ids, a server even ones.
    public static func install(on channel: any Channel, client: Bool, configuration: YamuxConfiguration = .init()) throws -> YamuxSession {
        let handler = YamuxSessionHandler(client: client, configuration: configuration)
        try channel.pipeline.syncOperations.addHandler(handler)
        return YamuxSession(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
    }

    /// Opens a stream. Data may be written at once (the peer's ACK is not awaited); waits only
    /// while `acceptBacklog` opened streams are unacknowledged and unfinished. Throws once the
    /// session ended or the peer sent GoAway.
    public func openStream() async throws -> YamuxStream {
        try await handler.run { handler, promise in handler.open(promise) } onCancel: { handler, promise in handler.cancelOpen(promise) }
    }

    /// The next stream the peer opened; nil once the session ended, or after ``goAway()``
    /// once every stream already opened was accepted. One accept at a time.
    public func acceptStream() async throws -> YamuxStream? {
        try await handler.run { handler, promise in handler.accept(promise) } onCancel: { handler, _ in handler.cancelAccept() }
    }

    /// Sends a ping and returns the time to its answer; throws after `connectionWriteTimeout`.
    public func ping() async throws -> Duration {
        let start = ContinuousClock.now
        try await handler.run { handler, promise in handler.ping(promise) }
        return ContinuousClock.now - start
    }

    /// Sends GoAway(normal): the peer may open no new streams; streams already open go on.
    public func goAway() {
        handler.execute { $0.goAway() }
    }

    /// Closes the connection: every stream's waiting operations fail.
    public func close() {
        channel.close(promise: nil)
    }

    /// Returns once the connection has closed.
    public func closed() async {
        try? await channel.closeFuture.get()
    }
}

/// One stream of a ``YamuxSession``: a reliable, ordered byte stream each way.
///
/// One read and one writer at a time. Writes wait for the peer's window (real backpressure: a
/// stream never holds more than one write's bytes), reads renew the peer's window as they consume.
/// A task cancelled while reading or writing resets the stream.
public struct YamuxStream: Sendable {
    /// The stream id: odd when a client opened it, even for a server.
    public let id: UInt32
    let handler: NIOLoopBound<YamuxSessionHandler>
    let state: NIOLoopBound<YamuxStreamState>

    /// The next bytes received; nil once the peer half-closed (FIN) and everything was read.
    /// Throws if the stream was reset, or the session ended before the peer's FIN.
    public func read() async throws -> ByteBuffer? {
        let state = state
        return try await handler.run { handler, promise in handler.read(state.value, promise) } onCancel: { handler, _ in
            handler.reset(state.value, CancellationError())
        }
    }

    /// Sends `buffer`, in frames no larger than the peer's window allows; returns once the last
    /// byte was handed to the connection.
    public func write(_ buffer: ByteBuffer) async throws {
        let state = state
        try await handler.run { handler, promise in handler.write(state.value, buffer, promise) } onCancel: { handler, _ in
            handler.reset(state.value, CancellationError())
        }
    }

    /// Half-closes the stream (FIN): no more writes; reading goes on. The FIN follows any data
    /// still being written.
    public func close() {
        let state = state
        handler.execute { $0.close(state.value) }
    }

    /// Resets the stream (RST) unless it already finished both ways: unread data is dropped,
    /// waiting reads and writes fail.
    public func reset() {
        let state = state
        handler.execute { $0.reset(state.value, YamuxError.connectionReset) }
    }
}

extension NIOLoopBound where Value == YamuxSessionHandler {
    /// Runs `body` on the event loop, then flushes what it wrote.
    func execute(_ body: @escaping @Sendable (YamuxSessionHandler) -> Void) {
        let handler = self
        eventLoop.execute {
            body(handler.value)
            handler.value.flush()
        }
    }

    /// Runs `body` on the event loop with a promise it completes (now or later) and waits for
    /// it; `onCancel` runs on the loop if the task is cancelled meanwhile (it must complete the
    /// promise if it is still pending).
    func run<T: Sendable>(_ body: @escaping @Sendable (YamuxSessionHandler, EventLoopPromise<T>) -> Void,
                          onCancel: (@Sendable (YamuxSessionHandler, EventLoopPromise<T>) -> Void)? = nil) async throws -> T {
        let promise = eventLoop.makePromise(of: T.self)
        execute { body($0, promise) }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            if let onCancel { execute { onCancel($0, promise) } }
        }
    }
}
