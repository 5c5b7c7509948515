import NIOCore

/// yarpc (influxdata/yarpc), the RPC influxd 1.6 serves storage reads with: one yamux stream
/// per call; the client writes two bytes — service index, method index — then
/// length-prefixed messages (4 bytes big endian, then that many protobuf bytes); the server
/// answers with messages in the same framing and closes the stream (FIN). An error has no
/// status on the wire: the stream just closes.
public enum YARPC {
    /// The largest message either side accepts: a longer one resets the stream, so a bad peer
    /// cannot make us allocate without bound.
    public static let maxMessageSize = 64 << 20
}

/// Why a yarpc call or stream failed.
public struct YARPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// A message longer than ``YARPC/maxMessageSize``.
    public static func messageTooLarge(_ length: Int) -> YARPCError {
        YARPCError("message of \(length) bytes exceeds the limit of \(YARPC.maxMessageSize)")
    }

    /// The stream ended inside a message.
    public static let unexpectedEOF = YARPCError("unexpected EOF")
}

/// Sends a call's response messages on its stream, each length-prefixed; `send` returns once
/// the peer's window took the message, so a handler producing faster than the client reads waits.
public struct YARPCResponseWriter: Sendable {
    let stream: YamuxStream

    /// Sends one message (its protobuf bytes).
    public func send(_ message: [UInt8]) async throws {
        try await stream.write(YARPCFrame.encode(message))
    }

    /// Sends one message from a buffer (its readable bytes).
    public func send(_ message: ByteBuffer) async throws {
        precondition(message.readableBytes <= Int(UInt32.max), "a yarpc message is at most 4 GiB")
        var buffer = ByteBuffer()
        buffer.reserveCapacity(4 + message.readableBytes)
        buffer.writeInteger(UInt32(message.readableBytes))
        buffer.writeImmutableBuffer(message)
        try await stream.write(buffer)
    }
}

/// The 4-byte length prefix, and reading framed messages off a stream.
enum YARPCFrame {
    static func encode(_ message: [UInt8]) -> ByteBuffer {
        precondition(message.count <= Int(UInt32.max), "a yarpc message is at most 4 GiB")
        var buffer = ByteBuffer()
        buffer.reserveCapacity(4 + message.count)
        buffer.writeInteger(UInt32(message.count))
        buffer.writeBytes(message)
        return buffer
    }

    /// A call's opening bytes: the method header and the request message.
    static func request(service: UInt8, method: UInt8, _ message: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(6 + message.count)
        buffer.writeInteger(service)
        buffer.writeInteger(method)
        var framed = encode(message)
        buffer.writeBuffer(&framed)
        return buffer
    }
}

/// Reads a stream's bytes as yarpc needs them: the 2-byte method header, then messages.
struct YARPCReader {
    let stream: YamuxStream
    private var buffer = ByteBuffer()
    private var ended = false

    init(_ stream: YamuxStream) {
        self.stream = stream
    }

    /// Reads until `count` bytes are buffered; false if the stream ended first.
    private mutating func fill(_ count: Int) async throws -> Bool {
        while buffer.readableBytes < count {
            guard !ended, var chunk = try await stream.read() else {
                ended = true
                return false
            }
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                if buffer.readerIndex > 1 << 16 { buffer.discardReadBytes() }
                buffer.writeBuffer(&chunk)
            }
        }
        return true
    }

    /// The service and method indexes; nil if the stream ended before both.
    mutating func header() async throws -> (service: UInt8, method: UInt8)? {
        guard try await fill(2) else { return nil }
        return (buffer.readInteger(as: UInt8.self)!, buffer.readInteger(as: UInt8.self)!)
    }

    /// The next message's bytes (empty for a zero-length message); nil when the stream ended
    /// cleanly between messages. Throws if it ends inside one or announces one too large.
    mutating func message() async throws -> [UInt8]? {
        guard try await fill(4) else {
            if buffer.readableBytes == 0 { return nil }
            throw YARPCError.unexpectedEOF
        }
        let length = Int(buffer.getInteger(at: buffer.readerIndex, as: UInt32.self)!)
        guard length <= YARPC.maxMessageSize else { throw YARPCError.messageTooLarge(length) }
        // Bytes are buffered as they come: the announced length is not allocated up front.
        guard try await fill(4 + length) else { throw YARPCError.unexpectedEOF }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readBytes(length: length)!
    }
}
