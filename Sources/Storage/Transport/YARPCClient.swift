import NIOCore
import NIOPosix

/// A yarpc client (influxdata/yarpc `clientconn.go`, `call.go`): one yamux session over one
/// TCP connection, each call on a stream of its own, so calls may run concurrently.
public final class YARPCClient: Sendable {
    /// The session the calls run on.
    public let session: YamuxSession

    init(session: YamuxSession) {
        self.session = session
    }

    /// Connects to a yarpc server (influxd's `[ifql] bind-address`, or ``YARPCServer``).
    public static func connect(host: String, port: Int, configuration: YamuxConfiguration = .init()) async throws -> YARPCClient {
        let session = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try YamuxSession.install(on: channel, client: true, configuration: configuration)
                }
            }
        return YARPCClient(session: session)
    }

    /// Calls a unary method: its one response message, or nil when the server closed the
    /// stream without one (how yarpc reports every error).
    public func unary(service: UInt8, method: UInt8, request: [UInt8]) async throws -> [UInt8]? {
        let stream = try await start(service: service, method: method, request: request)
        // Resets the stream if the server is still sending; once both sides closed it, does nothing.
        defer { stream.reset() }
        var reader = YARPCReader(stream)
        guard let response = try await reader.message() else { return nil }
        // yarpc servers close right after the response; anything more is dropped.
        _ = try await reader.message()
        return response
    }

    /// Calls a server-streaming method (storage's Read): the response messages, read from the
    /// connection as they are iterated, until the server closes the stream.
    public func stream(service: UInt8, method: UInt8, request: [UInt8]) async throws -> YARPCResponseStream {
        YARPCResponseStream(stream: try await start(service: service, method: method, request: request))
    }

    /// Closes the connection; calls in progress fail.
    public func close() {
        session.close()
    }

    /// Opens a stream and writes the header, the request and FIN (the client sends nothing more).
    private func start(service: UInt8, method: UInt8, request: [UInt8]) async throws -> YamuxStream {
        let stream = try await session.openStream()
        do {
            try await stream.write(YARPCFrame.request(service: service, method: method, request))
        } catch {
            stream.reset()
            throw error
        }
        stream.close()
        return stream
    }
}

/// The response messages of a server-streaming call, until the server's FIN. Single pass:
/// the messages are read off the stream as they are asked for, so the server's writes wait for
/// this consumer (yamux flow control). Dropping the iterator before the end resets the stream.
public struct YARPCResponseStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let stream: YamuxStream

    /// The iterator over the messages (make one: the stream is read once).
    public func makeAsyncIterator() -> Iterator {
        Iterator(reader: YARPCReader(stream), owner: StreamOwner(stream))
    }

    /// Reads the messages off the stream one by one.
    public struct Iterator: AsyncIteratorProtocol {
        var reader: YARPCReader
        let owner: StreamOwner

        /// The next message; nil after the server closed the stream. Throws if the stream was
        /// reset, the connection lost, or a message is too large or cut short.
        public mutating func next() async throws -> [UInt8]? {
            do {
                return try await reader.message()
            } catch {
                owner.stream.reset()
                throw error
            }
        }
    }

    /// Resets the stream when the last iterator copy goes (a no-op once it finished both ways).
    final class StreamOwner: Sendable {
        let stream: YamuxStream
        init(_ stream: YamuxStream) { self.stream = stream }
        deinit { stream.reset() }
    }
}
