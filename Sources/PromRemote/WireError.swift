/// Why a Prometheus remote request was refused, with 1.x's text (its handler answers 400 with
/// `err.Error()` for each of these).
public struct PromError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    // gogo-protobuf's generated decoders (prometheus/remote/remote.pb.go in 1.x).
    static let unexpectedEOF = PromError("unexpected EOF")
    static let intOverflow = PromError("proto: integer overflow")
    static let invalidLength = PromError("proto: negative length found during unmarshaling")
    static func endGroup(_ message: String) -> PromError { PromError("proto: \(message): wiretype end group for non-group") }
    static func illegalTag(_ message: String, _ field: Int32, _ wire: UInt64) -> PromError {
        PromError("proto: \(message): illegal tag \(field) (wire type \(wire))")
    }
    static func wrongWireType(_ type: Int, field: String) -> PromError { PromError("proto: wrong wireType = \(type) for field \(field)") }
    static func illegalWireType(_ type: Int) -> PromError { PromError("proto: illegal wireType \(type)") }

    // github.com/golang/snappy
    static let snappyCorrupt = PromError("snappy: corrupt input")
    static let snappyTooLarge = PromError("snappy: decoded block is too large")

    /// The body would decode to more than the caller's limit (`max-body-size`): 1.x's 413 text.
    public static let bodyTooLarge = PromError("Request Entity Too Large")
}
