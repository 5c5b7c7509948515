import CompressNIO
import NIOCore

/// gzip for request bodies of golden cases marked `"gzip": true`.
enum GzipForTests {
    static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        let output = try input.compress(with: .gzip())
        return Array(output.readableBytesView)
    }
}
