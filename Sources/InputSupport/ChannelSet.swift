import NIOCore
import Synchronization

/// The open connections of a listener, so that closing the service closes them (1.x closes
/// every tracked connection in `Close`).
public final class ChannelSet: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    public init() {}

    /// Tracks `channel` until it closes.
    public func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: id) } }
    }

    public var count: Int { channels.withLock { $0.count } }

    /// Closes every tracked connection and waits for them to close.
    public func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
    }
}
