import NIOCore
import NIOEmbedded
import Testing

@testable import HTTPD

/// The pipeline watch behind "a client that goes away stops its query": the connection's
/// input ending cancels what runs on its behalf, and later work starts cancelled.
@Suite struct ConnectionWatchTests {
    /// Waits until cancelled (true) or 30 s pass (false).
    @Sendable static func waitForCancel() async -> Bool {
        do {
            try await Task.sleep(for: .seconds(30))
            return false
        } catch {
            return true
        }
    }

    @Test(arguments: [true, false])
    func connectionEndCancelsRunningWork(byInputClosed: Bool) async throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ConnectionWatch())
        let state = try #require(ConnectionWatch.state(of: channel))
        #expect(!state.isClosed)
        async let cancelled = state.cancellingOnClose(Self.waitForCancel)
        try await Task.sleep(for: .milliseconds(50))
        if byInputClosed {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        } else {
            _ = try channel.finish()
        }
        #expect(await cancelled)
        #expect(state.isClosed)
        #expect(await state.cancellingOnClose(Self.waitForCancel))
        if byInputClosed { _ = try channel.finish() }
        #expect(ConnectionWatch.state(of: channel) == nil)
    }

    @Test func workFinishingFirstIsNotDisturbed() async throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ConnectionWatch())
        let state = try #require(ConnectionWatch.state(of: channel))
        #expect(await state.cancellingOnClose { 42 } == 42)
        _ = try channel.finish()
    }
}
