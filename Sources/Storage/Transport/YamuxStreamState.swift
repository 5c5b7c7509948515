import NIOCore

/// One stream's state, owned by its session's handler: touched only on the channel's event loop.
/// The map of open streams and every ``YamuxStream`` handle share it, so data that arrived
/// before the stream finished stays readable after the session forgets the stream.
final class YamuxStreamState {
    let id: UInt32
    /// Bytes the peer still lets us send (its receive window for this stream).
    var sendWindow = YamuxConfiguration.initialStreamWindow
    /// Bytes we still let the peer send before it needs a window update.
    var recvWindow = YamuxConfiguration.initialStreamWindow
    /// Flags owed on the next frame sent: SYN for a stream this side opened, ACK for one the
    /// peer opened (sent when it is accepted).
    var pendingFlags: YamuxHeader.Flags = []
    /// Opened here and not yet acknowledged: it holds one of the session's SYN slots.
    var inflight = false

    /// Received data not yet read, oldest first, and its byte count.
    var inbound = CircularBuffer<ByteBuffer>()
    var buffered = 0
    /// The reader waiting for data (one at a time).
    var readWaiter: EventLoopPromise<ByteBuffer?>?

    /// Writes waiting for window or for the connection to drain, oldest first; each promise
    /// completes once its last byte is handed to the channel.
    var pendingWrites = CircularBuffer<(buffer: ByteBuffer, promise: EventLoopPromise<Void>)>()
    /// In the session's queue of streams waiting for the connection to drain.
    var queuedForWritable = false
    /// FIN is owed once the pending writes are out (a close never overtakes data).
    var finAfterWrites = false

    /// We sent FIN, or owe it after the pending writes.
    var localClosed = false
    /// The peer sent FIN: once `inbound` is drained, reads end.
    var remoteClosed = false
    /// Set when the stream ended abnormally (reset either way, or the session ended): writes
    /// fail with it at once, reads once `inbound` is drained (unless the peer had finished).
    var failure: (any Error)?

    init(id: UInt32) {
        self.id = id
    }

    /// The flags owed, cleared: they go out on exactly one frame.
    func takeFlags() -> YamuxHeader.Flags {
        defer { pendingFlags = [] }
        return pendingFlags
    }

    /// What a read gets now: the oldest chunk, the end (nil), a failure — or nil when it must wait.
    func nextRead() -> Result<ByteBuffer?, any Error>? {
        if let chunk = inbound.popFirst() {
            buffered -= chunk.readableBytes
            return .success(chunk)
        }
        if remoteClosed { return .success(nil) }
        if let failure { return .failure(failure) }
        return nil
    }

    /// Ends the stream with `error`: pending writes fail. A reset discards unread data and
    /// forgets the peer's FIN (yamux's reader then sees only the reset); a session shutdown
    /// leaves both, so a response that had ended is still read whole.
    func fail(_ error: any Error, reset: Bool) {
        if failure == nil { failure = error }
        if reset {
            inbound.removeAll()
            buffered = 0
            remoteClosed = false
        }
        localClosed = true
        finAfterWrites = false
        while let write = pendingWrites.popFirst() {
            write.promise.fail(error)
        }
    }
}
