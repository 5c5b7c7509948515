import HTTPTypes
import Hummingbird

/// A response under construction, before the handler's header filters wrap it.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields = [:]
    var body: [UInt8] = []
    /// Sent with `Transfer-Encoding: chunked`, as 1.x streams `/query` answers after flushing
    /// the header.
    var chunked = false
    /// Writes the body while the response is being sent (a chunked `/query` producing its
    /// results); `write` throws once the client is gone.
    var stream: (@Sendable (_ write: ([UInt8]) async throws -> Void) async -> Void)?
    /// The access log shows the target's parameters re-encoded with the passwords in `q`
    /// redacted (1.x's `sanitize`, which `/query` applies once it has found a `q`).
    var sanitizesLoggedQuery = false

    init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Go's `http.Error`: a plain-text body with a newline and `nosniff`.
    static func plainText(_ text: String, status: HTTPResponse.Status) -> Reply {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.xContentTypeOptions] = "nosniff"
        return Reply(status: status, headers: headers, body: Array((text + "\n").utf8))
    }
}

extension HTTPField.Name {
    static let xInfluxdbVersion = Self("X-Influxdb-Version")!
    static let xInfluxdbBuild = Self("X-Influxdb-Build")!
    static let xInfluxdbError = Self("X-Influxdb-Error")!
    static let requestID = Self("Request-Id")!
    static let xRequestID = Self("X-Request-Id")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let wwwAuthenticate = Self("Www-Authenticate")!
}
