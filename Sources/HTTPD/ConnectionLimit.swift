import NIOCore
import Synchronization

/// `[http] max-connection-limit`: at most `limit` connections open at once. A connection over
/// the limit is accepted and closed at once, as 1.x's `LimitListener` drops it; a slot frees
/// when a connection closes.
final class ConnectionSlots: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a slot, or says there is none.
    func acquire() -> Bool {
        if open.add(1, ordering: .relaxed).newValue <= limit { return true }
        open.subtract(1, ordering: .relaxed)
        return false
    }

    func release() { open.subtract(1, ordering: .relaxed) }
}

/// First in a connection's pipeline: takes a slot when the connection becomes active (or
/// closes it), and gives the slot back when it goes inactive.
final class ConnectionSlotHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let slots: ConnectionSlots
    private var holdsSlot = false

    init(slots: ConnectionSlots) { self.slots = slots }

    func channelActive(context: ChannelHandlerContext) {
        guard slots.acquire() else {
            context.close(promise: nil)
            return
        }
        holdsSlot = true
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if holdsSlot {
            holdsSlot = false
            slots.release()
        }
        context.fireChannelInactive()
    }
}
