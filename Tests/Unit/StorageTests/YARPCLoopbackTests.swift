import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import Storage

/// Our yarpc client against our yarpc server over loopback.
@Suite struct YARPCLoopbackTests {
    /// Service 0's methods: 0 echoes the request; 1 streams `count` messages of `size` bytes
    /// (both 4-byte big-endian numbers in the request) and then the request itself; 2 throws;
    /// 3 sends two messages then throws. Anything else is unknown: no answer.
    static let handler: YARPCServer.Handler = { service, method, request, writer in
        guard service == 0 else { return }
        switch method {
        case 0:
            try await writer.send(request)
        case 1:
            let count = request.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            let size = request.dropFirst(4).prefix(4).reduce(0) { $0 << 8 | Int($1) }
            for i in 0..<count { try await writer.send(pattern(i, size)) }
            try await writer.send(request)
        case 2:
            throw YARPCError("handler failed")
        case 3:
            try await writer.send([1])
            try await writer.send([2])
            throw YARPCError("handler failed half-way")
        default:
            return
        }
    }

    static func streamRequest(count: Int, size: Int, padding: Int = 0) -> [UInt8] {
        withUnsafeBytes(of: UInt32(count).bigEndian, Array.init) + withUnsafeBytes(of: UInt32(size).bigEndian, Array.init) + pattern(99, padding)
    }

    @Test(arguments: [0, 1, 100, 256 * 1024 - 6, 256 * 1024, 1_000_003, 3 << 20])
    func unaryEcho(size: Int) async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            let request = pattern(size, size)
            #expect(try await client.unary(service: 0, method: 0, request: request) == request)
        }
    }

    /// 1 MiB up (the server's window updates) and 12.5 MiB down (ours), in messages of several sizes.
    @Test(arguments: [(200, 64 << 10), (3200, 4096), (13, 1 << 20)])
    func largeStream(count: Int, size: Int) async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            let request = Self.streamRequest(count: count, size: size, padding: 1 << 20)
            var received = 0, bytes = 0
            for try await message in try await client.stream(service: 0, method: 1, request: request) {
                if received < count {
                    #expect(message == pattern(received, size), "message \(received)")
                } else {
                    #expect(message == request)
                }
                received += 1
                bytes += message.count
            }
            #expect(received == count + 1)
            #expect(bytes > 10 << 20)
        }
    }

    /// A client that does not read holds the handler to about one window of sent data.
    @Test func slowReaderHoldsTheHandlerBack() async throws {
        let sent = Atomic<Int>(0)
        try await YARPCTestServer.with({ _, _, _, writer in
            for i in 0..<100 {
                try await writer.send(pattern(i, 16 << 10))
                sent.add(16 << 10, ordering: .relaxed)
            }
        }) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            let responses = try await client.stream(service: 0, method: 1, request: [])
            // 256 KiB of window takes 15 framed messages (16,388 bytes each); the 16th waits.
            let window = 15 * (16 << 10)
            for _ in 0..<1000 where sent.load(ordering: .relaxed) < window { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(sent.load(ordering: .relaxed) == window)
            var count = 0
            for try await message in responses {
                #expect(message == pattern(count, 16 << 10))
                count += 1
            }
            #expect(count == 100)
            #expect(sent.load(ordering: .relaxed) == 100 * (16 << 10))
        }
    }

    /// More concurrent calls on one session than yamux's backlog of unacknowledged opens.
    @Test func manyConcurrentStreams() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<400 {
                    group.addTask {
                        if i % 10 == 0 {
                            var count = 0
                            for try await message in try await client.stream(service: 0, method: 1, request: Self.streamRequest(count: 20, size: 20_000)) {
                                if count < 20 { #expect(message == pattern(count, 20_000)) }
                                count += 1
                            }
                            #expect(count == 21)
                        } else {
                            let request = pattern(i, i * 37)
                            #expect(try await client.unary(service: 0, method: 0, request: request) == request)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// yarpc has no error status: a failed or unknown call is a stream closed with no message.
    @Test(arguments: [(UInt8(0), UInt8(2)), (0, 200), (7, 0)])
    func failedCallsCloseTheStream(service: UInt8, method: UInt8) async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            #expect(try await client.unary(service: service, method: method, request: [1, 2, 3]) == nil)
            var messages = 0
            for try await _ in try await client.stream(service: service, method: method, request: [1, 2, 3]) { messages += 1 }
            #expect(messages == 0)
            // The session still serves calls.
            #expect(try await client.unary(service: 0, method: 0, request: [9]) == [9])
        }
    }

    @Test func handlerFailingHalfWayEndsTheStreamAfterWhatItSent() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            var messages: [[UInt8]] = []
            for try await message in try await client.stream(service: 0, method: 3, request: []) { messages.append(message) }
            #expect(messages == [[1], [2]])
        }
    }

    /// A client that stops reading resets its stream: the handler's next send fails.
    @Test func abandonedStreamFailsTheHandlersSend() async throws {
        let (failures, failed) = AsyncStream.makeStream(of: String.self)
        try await YARPCTestServer.with({ _, _, _, writer in
            do {
                for i in 0..<10_000 { try await writer.send(pattern(i, 16 << 10)) }
                failed.yield("not failed")
            } catch {
                failed.yield("\(error)")
            }
        }) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            do {
                var iterator = try await client.stream(service: 0, method: 1, request: []).makeAsyncIterator()
                #expect(try await iterator.next() == pattern(0, 16 << 10))
            }
            var reasons = failures.makeAsyncIterator()
            #expect(await reasons.next() == YamuxError.connectionReset.description)
        }
    }

    @Test func pingRoundTrip() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            let client = try await YARPCClient.connect(host: "127.0.0.1", port: port)
            defer { client.close() }
            #expect(try await client.session.ping() < .seconds(5))
        }
    }

    /// A TCP server that accepts connections and never answers.
    static func silentServer() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// A client keeps at most `acceptBacklog` opened streams the peer has not acknowledged; the
    /// next open waits (and can be cancelled) until one is acknowledged or finishes.
    @Test func opensBeyondTheBacklogWait() async throws {
        let silent = try await Self.silentServer()
        defer { silent.close(promise: nil) }
        var configuration = YamuxConfiguration()
        configuration.acceptBacklog = 4
        let client = try await YARPCClient.connect(host: "127.0.0.1", port: silent.localAddress!.port!, configuration: configuration)
        defer { client.close() }
        var streams: [YamuxStream] = []
        for _ in 0..<4 { streams.append(try await client.session.openStream()) }
        #expect(streams.map(\.id) == [1, 3, 5, 7])
        let waiting = Task { try await client.session.openStream() }
        try await Task.sleep(for: .milliseconds(200))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        streams[0].reset()
        #expect(try await client.session.openStream().id == 9)
    }

    /// A peer that never answers pings: the keepalive closes the session, failing the call in progress.
    @Test func keepaliveClosesASilentSession() async throws {
        let silent = try await Self.silentServer()
        defer { silent.close(promise: nil) }
        var configuration = YamuxConfiguration()
        configuration.keepAliveInterval = .milliseconds(100)
        configuration.connectionWriteTimeout = .milliseconds(200)
        let client = try await YARPCClient.connect(host: "127.0.0.1", port: silent.localAddress!.port!, configuration: configuration)
        let start = ContinuousClock.now
        await #expect(throws: YamuxError.keepAliveTimeout) {
            try await client.unary(service: 0, method: 0, request: [])
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        await client.session.closed()
    }
}
