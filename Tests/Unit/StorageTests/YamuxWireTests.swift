import Logging
import NIOCore
import ServiceLifecycle
import Testing
@testable import Storage

/// The bytes a yamux session sends and how it treats bad ones, checked with a raw TCP peer
/// against a ``YARPCServer`` (influxdata/yamux `spec.md`, `session.go`).
@Suite struct YamuxWireTests {
    /// Echoes the request (method 0); sleeps until cancelled without reading more (method 1);
    /// sends 20 messages of 100 KiB (method 2).
    static let handler: YARPCServer.Handler = { _, method, request, writer in
        if method == 1 { try await Task.sleep(for: .seconds(3600)) }
        if method == 2 {
            for i in 0..<20 { try await writer.send(pattern(i, 100 << 10)) }
            return
        }
        try await writer.send(request)
    }

    @Test(arguments: [
        (YamuxHeader(type: .data, flags: [], streamID: 1, length: 7), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7]),
        (YamuxHeader(type: .windowUpdate, flags: .syn, streamID: 3, length: 0), [0, 1, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0]),
        (YamuxHeader(type: .windowUpdate, flags: [.ack, .fin], streamID: 0x0102_0304, length: 0x40000), [0, 1, 0, 6, 1, 2, 3, 4, 0, 4, 0, 0]),
        (YamuxHeader(type: .ping, flags: .ack, streamID: 0, length: 0xDEAD_BEEF), [0, 2, 0, 2, 0, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF]),
        (YamuxHeader(type: .goAway, flags: [], streamID: 0, length: 1), [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        (YamuxHeader(type: .data, flags: .rst, streamID: 2, length: 0), [0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 0]),
    ] as [(YamuxHeader, [UInt8])])
    func headerLayout(header: YamuxHeader, bytes: [UInt8]) {
        var buffer = ByteBuffer()
        header.write(to: &buffer)
        #expect(Array(buffer.readableBytesView) == bytes)
        guard case .header(let parsed) = YamuxHeader.read(from: &buffer) else {
            Issue.record("not parsed")
            return
        }
        #expect(parsed == header)
        #expect(buffer.readableBytes == 0)
    }

    @Test func pingIsAnsweredWithAck() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            try await RawPeer.with(port: port) { peer in
                try await peer.send(yamuxHeader(2, 1, 0, 0xDEAD_BEEF))
                #expect(try await peer.read(12) == yamuxHeader(2, 2, 0, 0xDEAD_BEEF))
            }
        }
    }

    /// A whole call as a Go client sends it: SYN on a window update, the method header and the
    /// request in data frames; then FIN. The server acknowledges, answers in one frame and closes.
    @Test func unaryCallBytes() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            try await RawPeer.with(port: port) { peer in
                try await peer.send(yamuxHeader(1, 1, 1, 0))
                try await peer.send(yamuxHeader(0, 0, 1, 2) + [0, 0])
                try await peer.send(yamuxHeader(0, 0, 1, 7) + yarpcFrame([1, 2, 3]))
                #expect(try await peer.frame()?.header == yamuxHeader(1, 2, 1, 0))
                let response = try await peer.frame()
                #expect(response?.header == yamuxHeader(0, 0, 1, 7))
                #expect(response?.payload == yarpcFrame([1, 2, 3]))
                #expect(try await peer.frame()?.header == yamuxHeader(1, 4, 1, 0))
                try await peer.send(yamuxHeader(1, 4, 1, 0))
                // The session stays up for more streams.
                try await peer.send(yamuxHeader(2, 1, 0, 9))
                #expect(try await peer.read(12) == yamuxHeader(2, 2, 0, 9))
            }
        }
    }

    /// The server sends exactly the window it was granted, then waits for a window update.
    @Test func responseWaitsForWindowUpdates() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            try await RawPeer.with(port: port) { peer in
                try await peer.send(yamuxHeader(1, 1, 1, 0) + yamuxHeader(0, 0, 1, 6) + [0, 2] + yarpcFrame([]))
                #expect(try await peer.frame()?.header == yamuxHeader(1, 2, 1, 0))
                var outstanding = 0, body: [UInt8] = [], updates = 0
                while let frame = try await peer.frame() {
                    if frame.header[1] == 1 {
                        #expect(frame.header == yamuxHeader(1, 4, 1, 0))
                        break
                    }
                    outstanding += frame.payload.count
                    body += frame.payload
                    try #require(outstanding <= 256 << 10)
                    if outstanding == 256 << 10 {
                        updates += 1
                        try await peer.send(yamuxHeader(1, 0, 1, UInt32(outstanding)))
                        outstanding = 0
                    }
                }
                let expected = (0..<20).flatMap { yarpcFrame(pattern($0, 100 << 10)) }
                #expect(body == expected)
                #expect(updates == expected.count / (256 << 10))
            }
        }
    }

    /// Frames that break the protocol end the session with GoAway(protocol error).
    @Test(arguments: [
        ("version 1", yamuxHeader(0, 0, 1, 0).enumerated().map { $0.offset == 0 ? 1 : $0.element }),
        ("type 4", yamuxHeader(4, 0, 0, 0)),
        ("data frame larger than any window", yamuxHeader(0, 1, 1, 256 * 1024 + 1)),
        ("duplicate SYN", yamuxHeader(1, 1, 1, 0) + yamuxHeader(0, 0, 1, 6) + [0, 1] + yarpcFrame([]) + yamuxHeader(1, 1, 1, 0)),
        ("stream window exceeded", yamuxHeader(1, 1, 1, 0) + yamuxHeader(0, 0, 1, 6) + [0, 1] + yarpcFrame([])
            + yamuxHeader(0, 0, 1, 256 * 1024) + [UInt8](repeating: 0, count: 256 * 1024)),
    ] as [(String, [UInt8])])
    func protocolErrorsSendGoAway(_ what: String, bytes: [UInt8]) async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            try await RawPeer.with(port: port) { peer in
                try await peer.send(bytes)
                var frames: [[UInt8]] = []
                while let frame = try await peer.frame() { frames.append(frame.header) }
                #expect(frames.last == yamuxHeader(3, 0, 0, 1), "\(what): \(frames)")
            }
        }
    }

    /// A request announcing more than 64 MiB resets its stream; the session goes on.
    @Test func oversizedMessageResetsTheStream() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            try await RawPeer.with(port: port) { peer in
                try await peer.send(yamuxHeader(1, 1, 1, 0) + yamuxHeader(0, 0, 1, 6) + [0, 0, 0x04, 0, 0, 1])
                #expect(try await peer.frame()?.header == yamuxHeader(1, 2, 1, 0))
                #expect(try await peer.frame()?.header == yamuxHeader(1, 8, 1, 0))
                try await peer.send(yamuxHeader(2, 1, 0, 5))
                #expect(try await peer.read(12) == yamuxHeader(2, 2, 0, 5))
            }
        }
    }

    /// Frames for streams the session does not know are dropped, as yamux drops them.
    @Test func framesForUnknownStreamsAreDropped() async throws {
        try await YARPCTestServer.with(Self.handler) { port in
            try await RawPeer.with(port: port) { peer in
                try await peer.send(yamuxHeader(0, 0, 7, 3) + [1, 2, 3] + yamuxHeader(1, 0, 9, 100) + yamuxHeader(1, 4, 11, 0))
                try await peer.send(yamuxHeader(2, 1, 0, 1))
                #expect(try await peer.read(12) == yamuxHeader(2, 2, 0, 1))
            }
        }
    }

    /// Graceful shutdown: GoAway(normal) to each session, then the idle connection closes and `run()` returns.
    @Test func gracefulShutdownSendsGoAway() async throws {
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let server = YARPCServer(host: "127.0.0.1", port: 0, logger: YARPCTestServer.quiet, onBound: { bound.yield($0) }, handler: Self.handler)
        let group = ServiceGroup(configuration: .init(services: [server], logger: YARPCTestServer.quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await RawPeer.with(port: port) { peer in
                // A round trip first, so the server surely holds the session.
                try await peer.send(yamuxHeader(2, 1, 0, 1))
                #expect(try await peer.read(12) == yamuxHeader(2, 2, 0, 1))
                await group.triggerGracefulShutdown()
                #expect(try await peer.read(12) == yamuxHeader(3, 0, 0, 0))
                #expect(try await peer.atEnd())
            }
            try await tasks.waitForAll()
        }
    }
}
