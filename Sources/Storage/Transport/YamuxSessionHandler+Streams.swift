import NIOCore

/// Streams: opening, accepting, the frames addressed to them, reads with window updates,
/// writes within the peer's window, FIN and RST (yamux's `stream.go`).
extension YamuxSessionHandler {
    // MARK: Opening and accepting

    /// Opens a stream (SYN on a window update, as yamux does); waits while `acceptBacklog`
    /// opened streams are not yet acknowledged.
    func open(_ promise: EventLoopPromise<YamuxStream>) {
        if let closedError { return promise.fail(closedError) }
        if remoteGoAway { return promise.fail(YamuxError.remoteGoAway) }
        if inflightSYNs >= configuration.acceptBacklog {
            openWaiters.append(promise)
            return
        }
        guard nextStreamID < UInt32.max - 1 else { return promise.fail(YamuxError("streams exhausted")) }
        let stream = YamuxStreamState(id: nextStreamID)
        nextStreamID += 2
        stream.pendingFlags = .syn
        stream.inflight = true
        inflightSYNs += 1
        streams[stream.id] = stream
        sendWindowUpdate(stream)
        promise.succeed(handle(stream))
    }

    /// The next stream the peer opened (acknowledged now, as yamux's `AcceptStream`); nil once
    /// the session ended, or after our GoAway when none is left.
    func accept(_ promise: EventLoopPromise<YamuxStream?>) {
        if let stream = acceptQueue.popFirst() {
            if streams[stream.id] === stream { sendWindowUpdate(stream) }
            return promise.succeed(handle(stream))
        }
        if closedError != nil || localGoAway { return promise.succeed(nil) }
        if acceptWaiter != nil { return promise.fail(YamuxError("concurrent accepts on one session")) }
        acceptWaiter = promise
    }

    /// Fails an open still waiting for a slot (its task was cancelled).
    func cancelOpen(_ promise: EventLoopPromise<YamuxStream>) {
        guard let index = openWaiters.firstIndex(where: { $0.futureResult === promise.futureResult }) else { return }
        openWaiters.remove(at: index).fail(CancellationError())
    }

    /// Fails a waiting accept (its task was cancelled).
    func cancelAccept() {
        acceptWaiter?.fail(CancellationError())
        acceptWaiter = nil
    }

    func handle(_ stream: YamuxStreamState) -> YamuxStream {
        YamuxStream(id: stream.id, handler: NIOLoopBound(self, eventLoop: context!.eventLoop),
                    state: NIOLoopBound(stream, eventLoop: context!.eventLoop))
    }

    /// A SYN from the peer; false when it broke the session.
    private func incoming(_ id: UInt32) -> Bool {
        if localGoAway {
            send(YamuxHeader(type: .windowUpdate, flags: .rst, streamID: id, length: 0))
            return true
        }
        if streams[id] != nil {
            protocolError("duplicate stream \(id) declared")
            return false
        }
        if acceptQueue.count >= configuration.acceptBacklog {
            // yamux's "backlog exceeded, forcing connection reset".
            send(YamuxHeader(type: .windowUpdate, flags: .rst, streamID: id, length: 0))
            return true
        }
        let stream = YamuxStreamState(id: id)
        stream.pendingFlags = .ack
        streams[id] = stream
        if let waiter = acceptWaiter {
            acceptWaiter = nil
            sendWindowUpdate(stream)
            waiter.succeed(handle(stream))
        } else {
            acceptQueue.append(stream)
        }
        return true
    }

    // MARK: Frames for streams

    /// A window update, or a data frame with its whole payload.
    func streamFrame(_ header: YamuxHeader, payload: ByteBuffer?) {
        if header.flags.contains(.syn) {
            guard incoming(header.streamID) else { return }
        }
        // A frame for a stream already forgotten (reset, or closed both ways) is dropped, as yamux does.
        guard let stream = streams[header.streamID] else { return }
        guard flags(header.flags, on: stream) else { return }
        if header.type == .windowUpdate {
            let (window, overflow) = stream.sendWindow.addingReportingOverflow(header.length)
            guard !overflow else { return protocolError("send window of stream \(stream.id) overflows") }
            stream.sendWindow = window
            pump(stream)
        } else if let payload, payload.readableBytes > 0, stream.failure == nil {
            guard header.length <= stream.recvWindow else {
                return protocolError("receive window exceeded (stream: \(stream.id), remain: \(stream.recvWindow), recv: \(header.length))")
            }
            stream.recvWindow -= header.length
            stream.buffered += payload.readableBytes
            stream.inbound.append(payload)
            serveReader(stream)
        }
    }

    /// ACK, FIN and RST on a stream's frame; false when they broke the session.
    private func flags(_ flags: YamuxHeader.Flags, on stream: YamuxStreamState) -> Bool {
        if flags.contains(.ack), stream.inflight {
            stream.inflight = false
            releaseSYNSlot()
        }
        if flags.contains(.fin) {
            guard !stream.remoteClosed else {
                protocolError("unexpected FIN on stream \(stream.id)")
                return false
            }
            stream.remoteClosed = true
            forgetIfFinished(stream)
            serveReader(stream)
        }
        if flags.contains(.rst) {
            stream.fail(YamuxError.connectionReset, reset: true)
            forget(stream)
            serveReader(stream)
        }
        return true
    }

    private func releaseSYNSlot() {
        inflightSYNs -= 1
        if let waiter = openWaiters.popFirst() { open(waiter) }
    }

    /// Drops a stream from the session (its handles keep what they had read).
    private func forget(_ stream: YamuxStreamState) {
        guard streams[stream.id] === stream else { return }
        streams.removeValue(forKey: stream.id)
        if stream.inflight {
            stream.inflight = false
            releaseSYNSlot()
        }
    }

    /// Forgets a stream once FIN went both ways.
    private func forgetIfFinished(_ stream: YamuxStreamState) {
        if stream.remoteClosed && stream.localClosed && !stream.finAfterWrites { forget(stream) }
    }

    // MARK: Reading

    func read(_ stream: YamuxStreamState, _ promise: EventLoopPromise<ByteBuffer?>) {
        guard stream.readWaiter == nil else { return promise.fail(YamuxError("concurrent reads on stream \(stream.id)")) }
        stream.readWaiter = promise
        serveReader(stream)
    }

    /// Completes a waiting read if it can be; what it takes is consumed, which may renew the window.
    func serveReader(_ stream: YamuxStreamState) {
        guard let waiter = stream.readWaiter, let result = stream.nextRead() else { return }
        stream.readWaiter = nil
        waiter.completeWith(result)
        if case .success(_?) = result { sendWindowUpdate(stream) }
    }

    /// Grants the peer what the reader consumed once that reaches half the maximum window
    /// (yamux's `sendWindowUpdate`), and sends any SYN or ACK owed.
    private func sendWindowUpdate(_ stream: YamuxStreamState) {
        guard closedError == nil, streams[stream.id] === stream, stream.failure == nil else { return }
        let max = configuration.maxStreamWindowSize
        let delta = max - UInt32(stream.buffered) - stream.recvWindow
        let flags = stream.takeFlags()
        // After the peer's FIN no more data comes: no window to renew.
        if flags.isEmpty && (delta < max / 2 || stream.remoteClosed) { return }
        stream.recvWindow += delta
        send(YamuxHeader(type: .windowUpdate, flags: flags, streamID: stream.id, length: delta))
    }

    // MARK: Writing and closing

    /// Queues `buffer` for the stream; `promise` completes once its last byte is written.
    func write(_ stream: YamuxStreamState, _ buffer: ByteBuffer, _ promise: EventLoopPromise<Void>) {
        if let failure = stream.failure { return promise.fail(failure) }
        if stream.localClosed { return promise.fail(YamuxError.streamClosed) }
        if buffer.readableBytes == 0 { return promise.succeed() }
        stream.pendingWrites.append((buffer, promise))
        pump(stream)
    }

    /// Sends the stream's pending data as far as the peer's window and the connection allow,
    /// then the FIN owed after it.
    func pump(_ stream: YamuxStreamState) {
        guard let context, closedError == nil else { return }
        while let first = stream.pendingWrites.first, stream.sendWindow > 0 {
            guard context.channel.isWritable else {
                if !stream.queuedForWritable {
                    stream.queuedForWritable = true
                    waitingForWritable.append(stream)
                }
                return
            }
            let count = min(Int(stream.sendWindow), first.buffer.readableBytes, configuration.maxFrameSize)
            let index = stream.pendingWrites.startIndex
            let payload = stream.pendingWrites[index].buffer.readSlice(length: count)!
            stream.sendWindow -= UInt32(count)
            send(YamuxHeader(type: .data, flags: stream.takeFlags(), streamID: stream.id, length: UInt32(count)), payload: payload)
            if stream.pendingWrites[index].buffer.readableBytes == 0 {
                stream.pendingWrites.removeFirst().promise.succeed()
            }
        }
        if stream.pendingWrites.isEmpty && stream.finAfterWrites {
            stream.finAfterWrites = false
            sendFIN(stream)
        }
    }

    /// Half-closes the stream: FIN goes out after the data already written.
    func close(_ stream: YamuxStreamState) {
        guard !stream.localClosed, stream.failure == nil else { return }
        stream.localClosed = true
        if stream.pendingWrites.isEmpty {
            sendFIN(stream)
        } else {
            stream.finAfterWrites = true
        }
    }

    private func sendFIN(_ stream: YamuxStreamState) {
        guard streams[stream.id] === stream else { return }
        send(YamuxHeader(type: .windowUpdate, flags: stream.takeFlags().union(.fin), streamID: stream.id, length: 0))
        forgetIfFinished(stream)
    }

    /// Resets the stream: RST unless it already finished; its unread data is dropped and its
    /// waiting read and writes fail with `error`.
    func reset(_ stream: YamuxStreamState, _ error: any Error) {
        if streams[stream.id] === stream, closedError == nil {
            send(YamuxHeader(type: .windowUpdate, flags: stream.takeFlags().union(.rst), streamID: stream.id, length: 0))
        }
        stream.fail(error, reset: true)
        forget(stream)
        serveReader(stream)
    }
}
