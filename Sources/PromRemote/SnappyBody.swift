import Snappy

/// Snappy block bodies as 1.x reads them with `github.com/golang/snappy`, whose only error on a
/// 64-bit build is "corrupt input". A header announcing more than the input could expand to
/// (a copy element of three bytes yields at most 64) is refused before anything is allocated:
/// Go would allocate it and then fail the same way.
enum SnappyBody {
    /// The most a block of `count` bytes can decode to, and a ceiling on what is decoded at all.
    static func limit(_ count: Int) -> Int { min(count.multipliedReportingOverflow(by: 22).partialValue &+ 64, 1 << 30) }

    /// The decoded block; `.bodyTooLarge` when its header announces more than `limit` bytes
    /// (checked before anything is decoded).
    static func decode(_ body: [UInt8], limit maxLength: Int? = nil) throws(PromError) -> [UInt8] {
        let length: Int
        do throws(SnappyError) { length = try Snappy.decompressedLength(body) } catch { throw .snappyCorrupt }
        if let maxLength, length > maxLength { throw .bodyTooLarge }
        if length > limit(body.count) {
            throw length > body.count &* 22 &+ 64 ? .snappyCorrupt : .snappyTooLarge
        }
        do throws(SnappyError) { return try Snappy.decompress(body, maxLength: length) } catch { throw .snappyCorrupt }
    }
}

extension RemoteWrite {
    /// Decodes a snappy-compressed `WriteRequest` (the request body); `.bodyTooLarge` when it
    /// would decode to more than `limit` bytes.
    public static func decode(snappy body: [UInt8], limit: Int? = nil) throws(PromError) -> Decoded {
        let message = try SnappyBody.decode(body, limit: limit)
        let result = message.withUnsafeBytes { bytes in Result { () throws(PromError) in try decode(protobuf: bytes) } }
        return try result.get()
    }
}

extension RemoteRead {
    /// Decodes a snappy-compressed `ReadRequest` (the request body) with 1.x's checks;
    /// `.bodyTooLarge` when it would decode to more than `limit` bytes.
    public static func decode(snappy body: [UInt8], limit: Int? = nil) throws(PromError) -> RemoteReadQuery {
        let message = try SnappyBody.decode(body, limit: limit)
        return try message.withUnsafeBytes { bytes in Result { () throws(PromError) in try decode(protobuf: bytes) } }.get()
    }
}
