import Gzip
import NIOCore

extension HTTPPut {
    /// Decodes a request body; a failure is 1.x's 400 text (without the trailing newline).
    public static func decode(body: ByteBuffer, gzip: Bool) -> Result<Decoded, HTTPPutError> {
        var body = body
        if gzip {
            do throws(GzipStream.Failure) {
                try GzipStream.checkHeader(body)
                body = try GzipStream.decode(body)
            } catch {
                return .failure(HTTPPutError("could not read gzip, \(error)"))
            }
        }
        return body.withUnsafeReadableBytes { bytes in decode(bytes) }
    }
}
