import Coordinator
import LineProtocol
import NIOCore

extension PointBatcher {
    /// Hands `points` to the batcher from `channel`'s event loop; when the batcher has no room
    /// the channel stops reading until it has (1.x's input blocks on the batcher's channel:
    /// a TCP sender is slowed, a UDP socket's buffer fills in the kernel).
    public func add(_ points: [Point], from channel: any Channel) {
        if add(points) { return }
        channel.setOption(ChannelOptions.autoRead, value: false).whenSuccess {
            self.whenRoom {
                channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { channel.read() }
            }
        }
    }
}
