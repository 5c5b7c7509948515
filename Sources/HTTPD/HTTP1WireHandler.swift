import NIOCore

/// In front of the HTTP codec: sees a connection's bytes before they are parsed and writes
/// the bytes the codec cannot frame. For its ``HTTP1Connection`` it
/// - reports each read (the read timeout counts from the last byte that came);
/// - keeps the bytes of a request head while it arrives, so that a head NIO's parser refuses
///   is answered in Go's words (``GoRequestError``), which need the head's lines;
/// - writes Go's error answers as they are, with no framing of the codec's.
final class HTTP1WireHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The connection handler behind the codec (set when the pipeline is made).
    var connection: HTTP1Connection?
    private var context: ChannelHandlerContext?
    /// The bytes since a read began at a request's first byte (the connection between
    /// requests), while no parsed part has come of them: a head's bytes, from its start.
    private var head: ByteBuffer?
    /// Whether the read being parsed has given the connection a part yet.
    private var partsInRead = 0

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        connection = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if head != nil {
            head!.writeImmutableBuffer(buffer)
        } else if connection?.isBetweenRequests ?? false {
            head = buffer
        }
        partsInRead = 0
        connection?.bytesArrived()
        context.fireChannelRead(data)
        // A read that gave no part holds (the start of) a head: its bytes are kept with the
        // next read's; one that gave parts ends what is known of where a head starts.
        if partsInRead > 0 { head = nil }
        connection?.readParsed(gaveParts: partsInRead > 0)
    }

    /// The connection got a part of a request from the read being parsed.
    func partParsed() { partsInRead += 1 }

    /// The bytes of the head the parser refused, from its first byte, when they are known:
    /// the head started a read while the connection was between requests and no part has
    /// been parsed since.
    var refusedHead: ByteBuffer? { partsInRead == 0 ? head : nil }

    /// Writes `bytes` as they are, past the codec.
    func writeRaw(_ bytes: ByteBuffer) -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        return context.writeAndFlush(wrapOutboundOut(.byteBuffer(bytes)))
    }
}
