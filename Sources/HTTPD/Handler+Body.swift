import HTTPTypes
import Hummingbird
import NIOCore

/// What reading a request body came to.
enum BodyRead {
    /// The whole body.
    case whole(ByteBuffer)
    /// More than the limit: what was read up to it (the rest is left to the connection).
    case tooLarge(ByteBuffer)
    /// Reading stopped early because the caller had `enough` of it.
    case enough(ByteBuffer)
    /// The body ended before its end (the client went away, or stalled past the read
    /// timeout): the error as Go's server gives it to a handler.
    case failed(String)
}

/// Why a request body could not be read to its end, in the words a Go handler reads
/// (`err.Error()`), which 1.x answers with.
struct RequestBodyError: Error, CustomStringConvertible {
    let description: String

    /// The connection ended inside the body (Go's `io.ErrUnexpectedEOF`).
    static let unexpectedEOF = RequestBodyError(description: "unexpected EOF")

    /// The client sent nothing for the read timeout, as Go's `net.OpError` for a read deadline
    /// names it: `read tcp 127.0.0.1:8086->127.0.0.1:50432: i/o timeout`.
    static func timeout(local: SocketAddress?, remote: SocketAddress?) -> RequestBodyError {
        let network = if case .unixDomainSocket = local { "unix" } else { "tcp" }
        return RequestBodyError(description: "read \(network) \(HTTPService.goAddress(local))->\(HTTPService.goAddress(remote)): i/o timeout")
    }
}

extension Handler {
    /// `max-body-size` (nil when 0: no limit).
    var bodyLimit: Int? { config.maxBodySize > 0 ? config.maxBodySize : nil }

    /// The body's announced length (`Content-Length`), or nil.
    static func declaredLength(_ request: Request) -> Int? {
        request.headers.first(.contentLength).flatMap { Int($0) }
    }

    /// Reads the body, stopping once more than `limit` bytes have come or `enough` says so.
    func readBody(_ request: Request, limit: Int?, enough: (ByteBuffer) -> Bool = { _ in false }) async -> BodyRead {
        var collected = ByteBuffer()
        do {
            var chunks = request.body.makeAsyncIterator()
            while var chunk = try await chunks.next() {
                if let limit, collected.readableBytes + chunk.readableBytes > limit {
                    // What fits is kept for the caller's checks of the body's start (gzip's header).
                    var excess = collected.readableBytes + chunk.readableBytes - limit
                    if let head = chunk.readSlice(length: limit - collected.readableBytes) {
                        var head = head
                        collected.writeBuffer(&head)
                    }
                    // Go's server drains at most 256 KB of what its handler left before it
                    // answers, and closes the connection if more is left (whether or not the
                    // rest has arrived yet).
                    while excess <= HTTP1Connection.unreadBodyKeptLimit, let more = try? await chunks.next() { excess += more.readableBytes }
                    if excess > HTTP1Connection.unreadBodyKeptLimit { ConnectionState.current?.leftBodyUnread() }
                    return .tooLarge(collected)
                }
                collected.writeBuffer(&chunk)
                if enough(collected) { return .enough(collected) }
            }
        } catch let error as RequestBodyError {
            return .failed(error.description)
        } catch {
            return .failed(RequestBodyError.unexpectedEOF.description)
        }
        return .whole(collected)
    }

    /// 1.x's answer to a body over `max-body-size`: 413 with Go's status text, which is not
    /// HTTPTypes' ("Content Too Large").
    func tooLarge(_ call: RouteRequest) -> Reply {
        httpError("Request Entity Too Large", Self.requestEntityTooLarge, call)
    }

    /// `tooLarge` for a body refused by its announced length, none of it read: Go's server
    /// then closes if more than it drains (256 KB) was announced.
    func refuseAnnounced(_ call: RouteRequest) -> Reply {
        if (Self.declaredLength(call.request) ?? 0) > HTTP1Connection.unreadBodyKeptLimit { ConnectionState.current?.leftBodyUnread() }
        return tooLarge(call)
    }

    static let requestEntityTooLarge = HTTPResponse.Status(code: 413, reasonPhrase: "Request Entity Too Large")
}
