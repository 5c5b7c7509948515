import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One kept-alive HTTP/1.1 connection over a plain socket: requests go out as given (so several
/// can be pipelined in one write) and responses are read back one at a time. Blocking socket
/// calls run on their own thread, never on the Swift pool the server under test needs.
public final class RawHTTPConnection: @unchecked Sendable {
    private let fd: Int32
    private var received: [UInt8] = []

    /// Connects to 127.0.0.1:`port` (reads time out after 10 s).
    public init(port: Int) throws {
        fd = try RawHTTPClient.connectLoopback(port: port)
    }

    deinit { _ = Glibc.close(fd) }

    /// Sends `bytes` whole.
    public func send(_ bytes: [UInt8]) async throws {
        try await Self.offPool { [fd] in
            guard RawHTTPClient.sendAll(bytes, to: fd) else { throw RawHTTPClient.Failure(description: "send failed: \(errno)") }
        }
    }

    /// Sends `text` (as UTF-8) whole.
    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// The next response; throws if the connection ends or times out first.
    public func response(isHead: Bool = false) async throws -> RawHTTPClient.Response {
        while true {
            if let (response, length) = try? RawHTTPClient.parseOne(received, isHead: isHead, complete: false) {
                received.removeFirst(length)
                return response
            }
            let more = try await read()
            guard !more.isEmpty else {
                throw RawHTTPClient.Failure(description: "connection ended after \(received.count) bytes of a response")
            }
            received += more
        }
    }

    /// Whether the server closes the connection (reads end) with nothing more sent.
    public func closedByServer() async throws -> Bool {
        guard received.isEmpty else { return false }
        return try await read().isEmpty
    }

    /// Everything the server sends until it closes the connection (or a read times out).
    public func readToEnd() async throws -> [UInt8] {
        var all = received
        received = []
        while let more = try? await read(), !more.isEmpty { all += more }
        return all
    }

    /// Shuts down the sending side (the server sees its input end).
    public func finishSending() { _ = shutdown(fd, Int32(SHUT_WR)) }

    private func read() async throws -> [UInt8] {
        try await Self.offPool { [fd] in
            guard let bytes = RawHTTPClient.receive(from: fd) else { throw RawHTTPClient.Failure(description: "recv failed: \(errno)") }
            return bytes
        }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}
