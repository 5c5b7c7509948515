import NIOCore

/// A yamux session on a channel (influxdata/yamux `session.go`): parses frames, keeps every
/// stream's windows and buffers, answers pings, sends keepalives. All its state lives on the
/// channel's event loop, so nothing is locked; ``YamuxSession`` and ``YamuxStream`` reach it
/// by submitting work to that loop, and wait on promises it completes — never blocking the loop.
///
/// Memory stays bounded by the windows: a peer may send a stream no more than the bytes it was
/// granted (a frame beyond that is a protocol error), and grants are renewed only as the
/// stream's reader consumes; this side sends a stream's data only as the peer grants it and
/// while the connection drains.
final class YamuxSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let configuration: YamuxConfiguration
    var context: ChannelHandlerContext?
    /// Written frames not yet flushed.
    private var unflushed = false

    /// Received bytes not yet parsed.
    private var cumulation = ByteBuffer()
    /// A data frame whose header is read and whose payload has not all arrived.
    private var pendingData: YamuxHeader?

    /// Streams by id, until both sides closed them or one reset them.
    var streams: [UInt32: YamuxStreamState] = [:]
    /// The next id this side opens: odd for a client, even for a server.
    var nextStreamID: UInt32
    /// Streams opened here and not yet acknowledged, and the opens waiting for a slot.
    var inflightSYNs = 0
    var openWaiters = CircularBuffer<EventLoopPromise<YamuxStream>>()
    /// Streams the peer opened, not yet accepted, and the accept waiting for one.
    var acceptQueue = CircularBuffer<YamuxStreamState>()
    var acceptWaiter: EventLoopPromise<YamuxStream?>?
    /// Streams with data to send, waiting for the connection to drain (served in turn).
    var waitingForWritable = CircularBuffer<YamuxStreamState>()

    /// We sent GoAway: new streams from the peer are reset.
    var localGoAway = false
    /// The peer sent GoAway: no new streams may be opened.
    var remoteGoAway = false
    /// Why the session ended; nil while it runs.
    var closedError: YamuxError?

    private var pings: [UInt32: EventLoopPromise<Void>] = [:]
    private var nextPingID: UInt32 = 0
    private var keepAliveStarted = false
    private var keepAlive: Scheduled<Void>?
    /// Pings answered while the connection does not drain: a peer that sends pings and reads
    /// nothing would otherwise grow our outbound buffer without end.
    private var pingAnswersWhileBlocked = 0

    init(client: Bool, configuration: YamuxConfiguration) {
        precondition(configuration.maxStreamWindowSize >= YamuxConfiguration.initialStreamWindow,
                     "maxStreamWindowSize must be at least \(YamuxConfiguration.initialStreamWindow)")
        precondition(configuration.maxFrameSize > 0 && configuration.acceptBacklog > 0, "maxFrameSize and acceptBacklog must be positive")
        self.configuration = configuration
        nextStreamID = client ? 1 : 2
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startKeepAlive() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shutdown(.sessionShutdown)
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startKeepAlive()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        shutdown(.sessionShutdown)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shutdown(YamuxError("connection error: \(error)"))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            pingAnswersWhileBlocked = 0
            // Each waiting stream writes until the connection is full again, then queues
            // behind the others: streams sharing a slow connection take turns.
            var turns = waitingForWritable.count
            while turns > 0, context.channel.isWritable, let stream = waitingForWritable.popFirst() {
                turns -= 1
                stream.queuedForWritable = false
                pump(stream)
            }
            flush()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if cumulation.readableBytes == 0 {
            cumulation = bytes
        } else {
            cumulation.writeBuffer(&bytes)
        }
        parseFrames()
        // (Emptied, it is replaced by the next read's buffer.)
        if cumulation.readableBytes > 0 && cumulation.readerIndex > 1 << 16 {
            cumulation.discardReadBytes()
        }
        flush()
    }

    /// Handles every whole frame received.
    private func parseFrames() {
        while closedError == nil {
            if let header = pendingData {
                guard cumulation.readableBytes >= Int(header.length) else { return }
                pendingData = nil
                // A copy, so a small payload kept unread does not pin a whole receive buffer.
                var payload = context!.channel.allocator.buffer(capacity: Int(header.length))
                payload.writeImmutableBuffer(cumulation.readSlice(length: Int(header.length))!)
                streamFrame(header, payload: payload)
                continue
            }
            switch YamuxHeader.read(from: &cumulation) {
            case .needMore:
                return
            case .invalid(let why):
                protocolError(why)
                return
            case .header(let header):
                switch header.type {
                case .data:
                    // No window this side grants exceeds its maximum: a larger frame is an error
                    // before its payload is buffered.
                    guard header.length <= configuration.maxStreamWindowSize else {
                        protocolError("data frame of \(header.length) bytes exceeds any receive window (stream \(header.streamID))")
                        return
                    }
                    pendingData = header
                case .windowUpdate:
                    streamFrame(header, payload: nil)
                case .ping:
                    ping(header)
                case .goAway:
                    goAwayReceived(header.length)
                }
            }
        }
    }

    // MARK: Session frames

    private func ping(_ header: YamuxHeader) {
        if header.flags.contains(.syn) {
            if let context, !context.channel.isWritable {
                pingAnswersWhileBlocked += 1
                if pingAnswersWhileBlocked > 1024 {
                    shutdown(YamuxError("peer sends pings and does not read the answers"))
                    return
                }
            }
            send(YamuxHeader(type: .ping, flags: .ack, streamID: 0, length: header.length))
        } else if header.flags.contains(.ack) {
            pings.removeValue(forKey: header.length)?.succeed()
        }
    }

    private func goAwayReceived(_ code: UInt32) {
        switch YamuxGoAwayCode(rawValue: code) {
        case .normal?:
            remoteGoAway = true
            while let waiter = openWaiters.popFirst() { waiter.fail(YamuxError.remoteGoAway) }
        case .protocolError?:
            shutdown(YamuxError("yamux protocol error (go away from peer)"))
        case .internalError?:
            shutdown(YamuxError("remote yamux internal error"))
        case nil:
            shutdown(YamuxError("unexpected go away received (code \(code))"))
        }
    }

    /// Sends GoAway(protocol error) and ends the session, as yamux does on a bad frame.
    func protocolError(_ why: String) {
        guard closedError == nil, let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: YamuxHeader.size)
        YamuxHeader(type: .goAway, flags: [], streamID: 0, length: YamuxGoAwayCode.protocolError.rawValue).write(to: &buffer)
        // Closing at once would drop the GoAway still queued (a peer that reads nothing gets none).
        let written = context.eventLoop.makePromise(of: Void.self)
        let drained = context.channel.isWritable
        context.writeAndFlush(wrapOutboundOut(buffer), promise: written)
        shutdown(.protocolError(why), closing: false)
        if drained {
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    /// Sends GoAway(normal): the peer may open no more streams; those open go on.
    func goAway() {
        guard closedError == nil, !localGoAway else { return }
        localGoAway = true
        send(YamuxHeader(type: .goAway, flags: [], streamID: 0, length: YamuxGoAwayCode.normal.rawValue))
        if acceptQueue.isEmpty, let waiter = acceptWaiter {
            acceptWaiter = nil
            waiter.succeed(nil)
        }
    }

    /// Ends the session: waiting operations fail with `error` (reads may still drain what
    /// arrived), and the connection closes.
    func shutdown(_ error: YamuxError, closing: Bool = true) {
        guard closedError == nil else { return }
        closedError = error
        keepAlive?.cancel()
        keepAlive = nil
        let all = streams.values
        streams.removeAll()
        acceptQueue.removeAll()
        waitingForWritable.removeAll()
        for stream in all {
            stream.fail(error, reset: false)
            serveReader(stream)
        }
        acceptWaiter?.succeed(nil)
        acceptWaiter = nil
        while let waiter = openWaiters.popFirst() { waiter.fail(error) }
        let waitingPings = pings.values
        pings.removeAll()
        for ping in waitingPings { ping.fail(error) }
        if closing { context?.close(promise: nil) }
    }

    // MARK: Pings and keepalive

    /// Sends a ping; `promise` succeeds with its answer, or fails after the write timeout.
    func ping(_ promise: EventLoopPromise<Void>) {
        guard closedError == nil, let context else {
            promise.fail(closedError ?? .sessionShutdown)
            return
        }
        let id = nextPingID
        nextPingID &+= 1
        pings[id] = promise
        send(YamuxHeader(type: .ping, flags: .syn, streamID: 0, length: id))
        context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(configuration.connectionWriteTimeout)) {
            self.pings.removeValue(forKey: id)?.fail(YamuxError.timeout)
        }
    }

    private func startKeepAlive() {
        guard !keepAliveStarted, closedError == nil, configuration.keepAliveInterval != nil else { return }
        keepAliveStarted = true
        scheduleKeepAlive()
    }

    /// Pings every interval after the last answer; an unanswered one ends the session (yamux's `keepalive`).
    private func scheduleKeepAlive() {
        guard let interval = configuration.keepAliveInterval, let context, closedError == nil else { return }
        keepAlive = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(interval)) {
            let answered = context.eventLoop.makePromise(of: Void.self)
            self.ping(answered)
            self.flush()
            answered.futureResult.assumeIsolated().whenComplete { result in
                switch result {
                case .success: self.scheduleKeepAlive()
                case .failure: self.shutdown(.keepAliveTimeout)
                }
            }
        }
    }

    // MARK: Output

    /// Writes a frame (flushed by ``flush()`` at the end of the current operation).
    func send(_ header: YamuxHeader, payload: ByteBuffer? = nil) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: YamuxHeader.size)
        header.write(to: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        if let payload { context.write(wrapOutboundOut(payload), promise: nil) }
        unflushed = true
    }

    func flush() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
    }
}
