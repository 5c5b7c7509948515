import NIOCore

/// A yamux frame header (influxdata/yamux `spec.md`): 12 bytes, big endian —
/// version (1), type (1), flags (2), stream id (4), length (4).
struct YamuxHeader: Equatable, Sendable {
    /// The only version yamux defines.
    static let version: UInt8 = 0
    static let size = 12

    enum FrameType: UInt8, Sendable {
        /// `length` payload bytes follow.
        case data = 0
        /// `length` is a delta to the receiver's send window.
        case windowUpdate = 1
        /// `length` is an opaque value echoed back (SYN asks, ACK answers); stream 0.
        case ping = 2
        /// `length` is a ``YamuxGoAwayCode``; stream 0.
        case goAway = 3
    }

    struct Flags: OptionSet, Sendable {
        let rawValue: UInt16
        /// Opens a stream (or asks a ping).
        static let syn = Flags(rawValue: 1)
        /// Accepts a stream (or answers a ping).
        static let ack = Flags(rawValue: 2)
        /// Half-closes a stream: the sender sends no more data.
        static let fin = Flags(rawValue: 4)
        /// Closes a stream at once, both ways.
        static let rst = Flags(rawValue: 8)
    }

    var type: FrameType
    var flags: Flags
    var streamID: UInt32
    var length: UInt32

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.version)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flags.rawValue)
        buffer.writeInteger(streamID)
        buffer.writeInteger(length)
    }

    /// What a header's first bytes can be.
    enum Parsed {
        case header(YamuxHeader)
        case needMore
        case invalid(String)
    }

    /// Reads a header from `buffer` if 12 bytes are there (consuming them only when valid).
    static func read(from buffer: inout ByteBuffer) -> Parsed {
        guard buffer.readableBytes >= size else { return .needMore }
        let start = buffer.readerIndex
        let version = buffer.getInteger(at: start, as: UInt8.self)!
        let rawType = buffer.getInteger(at: start + 1, as: UInt8.self)!
        guard version == Self.version else { return .invalid("invalid protocol version \(version)") }
        guard let type = FrameType(rawValue: rawType) else { return .invalid("invalid msg type \(rawType)") }
        let flags = Flags(rawValue: buffer.getInteger(at: start + 2, as: UInt16.self)!)
        let streamID = buffer.getInteger(at: start + 4, as: UInt32.self)!
        let length = buffer.getInteger(at: start + 8, as: UInt32.self)!
        buffer.moveReaderIndex(forwardBy: size)
        return .header(YamuxHeader(type: type, flags: flags, streamID: streamID, length: length))
    }
}

/// A GoAway frame's reason (its length field).
public enum YamuxGoAwayCode: UInt32, Sendable {
    /// The sender takes no new streams; those open go on.
    case normal = 0
    /// The sender saw a frame that breaks the protocol, and closes the session.
    case protocolError = 1
    /// The sender failed, and closes the session.
    case internalError = 2
}
