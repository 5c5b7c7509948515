import Logging
import NIOCore
import NIOPosix
import Storage
import Testing

/// Runs a ``YARPCServer`` on a loopback port for the transport tests.
enum YARPCTestServer {
    static let quiet = Logger(label: "yarpc-test") { _ in SwiftLogNoOpLogHandler() }

    /// Runs `body` with the port of a server running `handler`; cancels the server afterwards
    /// and waits for its `run()` to return (which the cancellation must make it do).
    static func with<T: Sendable>(configuration: YamuxConfiguration = .init(), _ handler: @escaping YARPCServer.Handler,
                                  _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let server = YARPCServer(host: "127.0.0.1", port: 0, logger: quiet, configuration: configuration,
                                 onBound: { bound.yield($0) }, handler: handler)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await server.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw YARPCError("server did not bind") }
            do {
                let result = try await body(port)
                group.cancelAll()
                while try await group.next() != nil {}
                return result
            } catch {
                group.cancelAll()
                while (try? await group.next()) != nil {}
                throw error
            }
        }
    }
}

/// A TCP peer speaking raw bytes, to check the frames a session sends byte for byte.
struct RawPeer {
    let inbound: NIOAsyncChannelInboundStream<ByteBuffer>
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()

    init(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound
        self.outbound = outbound
        iterator = inbound.makeAsyncIterator()
    }

    /// Connects to 127.0.0.1:`port` and runs `body` with the peer; the connection closes after.
    static func with<T: Sendable>(port: Int, _ body: (inout RawPeer) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var peer = RawPeer(inbound, outbound)
            return try await body(&peer)
        }
    }

    func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Exactly `count` bytes; nil if the connection ends first.
    mutating func read(_ count: Int) async throws -> [UInt8]? {
        while buffer.readableBytes < count {
            guard var more = try await iterator.next() else { return nil }
            buffer.writeBuffer(&more)
        }
        return buffer.readBytes(length: count)
    }

    /// The next frame: its 12 header bytes and its payload (data frames only).
    mutating func frame() async throws -> (header: [UInt8], payload: [UInt8])? {
        guard let header = try await read(12) else { return nil }
        let length = header[8...].reduce(0) { $0 << 8 | Int($1) }
        guard header[1] == 0 else { return (header, []) }
        guard let payload = try await read(length) else { return nil }
        return (header, payload)
    }

    /// True once the connection has ended, with nothing more received.
    mutating func atEnd() async throws -> Bool {
        try await read(1) == nil
    }
}

/// A yamux frame header's bytes.
func yamuxHeader(_ type: UInt8, _ flags: UInt16, _ stream: UInt32, _ length: UInt32) -> [UInt8] {
    [0, type, UInt8(flags >> 8), UInt8(flags & 0xFF)] + withUnsafeBytes(of: stream.bigEndian, Array.init) + withUnsafeBytes(of: length.bigEndian, Array.init)
}

/// `message` framed as yarpc does: 4 bytes big-endian length, then the bytes.
func yarpcFrame(_ message: [UInt8]) -> [UInt8] {
    withUnsafeBytes(of: UInt32(message.count).bigEndian, Array.init) + message
}

/// Bytes the patterns are cut from (made once: building megabytes byte by byte is slow in debug builds).
private let patternSource: [UInt8] = (0..<((4 << 20) + 8192)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }

/// Deterministic bytes, different for each `index`: message `index` of `count` bytes (at most 4 MiB).
func pattern(_ index: Int, _ count: Int) -> [UInt8] {
    let offset = (index &* 7919) % 8192
    return Array(patternSource[offset..<offset + count])
}
