import NIOCore
import NIOEmbedded
import Testing

@testable import HTTPD

/// The pipeline watch behind "a client that goes away stops its query": the connection's
/// input ending, or its closing, marks it gone.
@Suite struct ConnectionWatchTests {
    @Test(arguments: [true, false])
    func connectionEndMarksTheClientGone(byInputClosed: Bool) async throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ConnectionWatch())
        let state = try #require(ConnectionWatch.state(of: channel))
        #expect(!state.isClosed)
        try channel.writeInbound(ByteBuffer(string: "more input"))
        #expect(!state.isClosed)
        if byInputClosed {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            #expect(state.isClosed)
        }
        _ = try channel.finish()
        #expect(state.isClosed)
        #expect(ConnectionWatch.state(of: channel) == nil)
    }
}
