import NIOCore

/// Reads a snapshotter connection's bytes as the requests need them: a byte, a JSON value,
/// an exact count, or whatever comes next.
struct ConnectionReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()

    init(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) {
        iterator = inbound.makeAsyncIterator()
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads more bytes into the buffer; false at the end of the stream.
    private mutating func fill() async throws -> Bool {
        guard var more = try await iterator.next() else { return false }
        if buffer.readableBytes == 0 { buffer = more } else { buffer.writeBuffer(&more) }
        return true
    }

    mutating func byte() async throws -> UInt8? {
        while buffer.readableBytes == 0 { guard try await fill() else { return nil } }
        return buffer.readInteger(as: UInt8.self)
    }

    /// Exactly `count` bytes; throws `EOF` if the stream ends first.
    mutating func bytes(_ count: Int) async throws -> [UInt8] {
        while buffer.readableBytes < count {
            guard try await fill() else { throw Failure(description: "EOF") }
        }
        return buffer.readBytes(length: count)!
    }

    /// The next chunk of whatever is left; nil at the end of the stream.
    mutating func chunk() async throws -> ByteBuffer? {
        if buffer.readableBytes > 0 {
            defer { buffer.clear() }
            return buffer
        }
        guard let next = try await iterator.next() else { return nil }
        return next
    }

    /// One JSON object (after leading white space), as Go's `json.Decoder` takes the first
    /// value of a stream; at most `limit` bytes.
    mutating func jsonObject(limit: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        var depth = 0, inString = false, escaped = false
        while true {
            guard let b = try await byte() else { throw Failure(description: out.isEmpty ? "EOF" : "unexpected EOF") }
            if out.isEmpty && (b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09) { continue }
            if out.isEmpty && b != UInt8(ascii: "{") {
                throw Failure(description: "invalid character '\(Character(Unicode.Scalar(b)))' looking for beginning of value")
            }
            out.append(b)
            guard out.count <= limit else { throw Failure(description: "request too large") }
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return out }
            default: break
            }
        }
    }

    /// Consumes one newline if it is the next byte (Go's encoder ends a value with one).
    mutating func skipNewline() async throws {
        while buffer.readableBytes == 0 { guard try await fill() else { return } }
        if buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x0A { buffer.moveReaderIndex(forwardBy: 1) }
    }
}
