import NIOCore
import NIOPosix

/// A datagram input's socket: an async channel of datagrams of at most `maxDatagram` bytes.
public typealias DatagramChannel = NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>

public enum DatagramListener {
    /// Binds `host:port` with 1.x's `read-buffer` (`SO_RCVBUF`, unless 0); a read error is
    /// handed to `onReadFailure` and the channel reads on.
    public static func bind(host: String, port: Int, maxDatagram: Int, readBuffer: Int,
                            onReadFailure: @escaping @Sendable (any Error) -> Void) async throws -> DatagramChannel {
        var bootstrap = DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: maxDatagram))
        if readBuffer != 0 {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(clamping: readBuffer))
        }
        return try await bootstrap.bind(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ReadFailureCounter(report: onReadFailure))
                return try DatagramChannel(wrappingChannelSynchronously: channel)
            }
        }
    }
}

/// Keeps a socket's read errors from ending the read loop (1.x logs them, counts `readFail`,
/// and reads on).
final class ReadFailureCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias InboundOut = AddressedEnvelope<ByteBuffer>
    let report: @Sendable (any Error) -> Void
    init(report: @escaping @Sendable (any Error) -> Void) { self.report = report }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { report(error) }
}
