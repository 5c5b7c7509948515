import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Tells a connection that its responder wants more of a streamed body, or is done with it.
struct BodyDemand: NIOAsyncSequenceProducerDelegate {
    let connection: NIOLoopBound<HTTP1Connection>
    let id: Int

    func produceMore() {
        let connection = self.connection, id = self.id
        connection.eventLoop.execute { connection.value.bodyDemanded(id: id) }
    }

    func didTerminate() {
        let connection = self.connection, id = self.id
        connection.eventLoop.execute { connection.value.bodyAbandoned(id: id) }
    }
}

/// Writes a ``Response`` back through its connection from the task that made it. An answer
/// with a known length (a buffered query answer, an error) goes out with its head and end in one
/// write; a streamed one writes each piece as it comes, waiting for a piece's predecessor to be
/// written before it returns, which holds a fast producer back to the client's pace.
struct AnswerWriter: Sendable {
    let connection: NIOLoopBound<HTTP1Connection>
    let channel: any Channel
    let dates: HTTPDate

    func write(_ response: Response) async {
        var response = response
        // Go's server adds a Date only where the handler set none.
        if !response.headers.contains(.date) { response.headers.append(HTTPField(name: .date, value: dates.current())) }
        var head = HTTPResponseHead(response.head)
        // NIO names a known status its own way; Go's text is the one 1.x sends.
        if let phrase = Self.goReasonPhrases[head.status.code] { head.status = .custom(code: head.status.code, reasonPhrase: phrase) }
        let body = BodyWriter(connection: connection, head: head, holdsFirst: response.body.contentLength != nil, channel: channel)
        do {
            try await response.body.write(body)
        } catch {
            let connection = self.connection
            connection.eventLoop.execute { connection.value.abandonAnswer() }
        }
    }
}

extension AnswerWriter {
    /// Go's status texts where NIO's differ (RFC 7231's older names, which Go's `StatusText` kept).
    static let goReasonPhrases: [UInt: String] = [
        413: "Request Entity Too Large",
        414: "Request URI Too Long",
        416: "Requested Range Not Satisfiable",
    ]
}

/// The ``ResponseBodyWriter`` behind ``AnswerWriter``.
private struct BodyWriter: ResponseBodyWriter {
    let connection: NIOLoopBound<HTTP1Connection>
    /// The head, until it has been sent.
    var head: HTTPResponseHead?
    /// Whether to keep back the first buffer so that it goes out with the end.
    let holdsFirst: Bool
    var held: ByteBuffer?
    let channel: any Channel
    /// The previous piece's write. Once the channel holds more than its high-water mark, a
    /// piece waits for its predecessor to be written: a piece is made while the one before it
    /// is sent, and a fast producer is held to the client's pace.
    var inFlight: EventLoopFuture<Void>?

    mutating func write(_ buffer: ByteBuffer) async throws {
        if holdsFirst && head != nil && held == nil {
            held = buffer
            return
        }
        let future = send(head: head, held, buffer, end: false)
        head = nil
        held = nil
        if let previous = inFlight {
            if !channel.isActive { throw ChannelError.ioOnClosedChannel }
            // Past the channel's high-water mark: wait until the previous piece is out.
            if !channel.isWritable { try await previous.get() }
        }
        inFlight = future
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        _ = send(head: head, held, nil, end: true)
    }

    private func send(head: HTTPResponseHead?, _ first: ByteBuffer?, _ second: ByteBuffer?, end: Bool) -> EventLoopFuture<Void> {
        let connection = self.connection
        let promise = connection.eventLoop.makePromise(of: Void.self)
        connection.eventLoop.execute {
            connection.value.write(head: head, first, second, end: end, promise: promise)
        }
        return promise.futureResult
    }
}
