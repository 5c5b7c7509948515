import LineProtocol
import NIOCore
import NIOPosix

/// A `udp://host:port` destination (1.x's `subscriber.UDP`): each write resolves the address,
/// opens a connected socket and sends every point as its own datagram — its line protocol,
/// without a newline — then closes it. Nothing splits a point: one longer than a datagram can
/// carry fails the write, as in 1.x.
struct UDPDestination: DestinationWriter {
    let host: String
    let port: Int

    func write(_ batch: WriteBatch) async throws {
        let (host, port) = (self.host, self.port)
        let channel: any Channel
        do {
            // getaddrinfo blocks: on NIO's thread pool, not the cooperative one.
            let address = try await BlockingPool.shared.runIfActive { try SocketAddress.makeAddressResolvingHost(host, port: port) }
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(to: address).get()
        } catch {
            throw DestinationError(description: "dial udp \(host):\(port): \(error)")
        }
        let writes = batch.points.map { channel.write(ByteBuffer(bytes: $0.lineProtocolBytes(precision: .nanosecond))) }
        channel.flush()
        defer { channel.close(promise: nil) }
        for write in writes {
            do { try await write.get() } catch { throw DestinationError(description: "write udp \(host):\(port): \(error)") }
        }
    }

    func close() async {}
}
