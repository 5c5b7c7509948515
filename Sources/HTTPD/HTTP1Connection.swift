import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// One HTTP/1.1 connection's requests, on its event loop: it reads a request, hands it to the
/// responder on the Swift task pool, and writes the answer back in as few writes as it can.
///
/// Hummingbird's own `HTTP1Channel` moves every request part and response part through async
/// sequences; for a small query that bookkeeping cost more CPU than the query. This handler
/// keeps the same behaviour with one hop to the pool and one hop back per request:
/// - keep-alive, `Connection: close` and HTTP/1.0, pipelined requests answered in order;
/// - small bodies (all of which arrive in one read) are handed over whole; larger ones stream
///   with backpressure (reading stops while the consumer is behind);
/// - a body the responder did not read is drained before the next request;
/// - graceful shutdown (`ChannelShouldQuiesceEvent`) closes an idle connection at once and a
///   busy one after its answer;
/// - the connection keeps reading while a request runs, so a client that goes away marks the
///   request's ``ConnectionState`` and stops its query.
final class HTTP1Connection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    typealias Responder = @Sendable (Request) async -> Response

    /// What has been received of the current request.
    private enum Receiving {
        /// Between requests.
        case idle
        /// The head (and maybe some body) has arrived; the request has not been handed over.
        case collecting(HTTPRequestHead, ByteBuffer?)
        /// Handed over; body parts go to the responder's stream.
        case streaming(RequestBodySource, id: Int)
        /// Handed over, but the responder stopped reading the body: drop it up to its end.
        case discarding
    }

    typealias BodyProducer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, BodyDemand
    >
    typealias RequestBodySource = BodyProducer.Source

    /// A body that arrives in more than one read, or is larger than this, streams.
    static let wholeBodyLimit = 1 << 20
    /// Pipelined request parts held while a request runs before reading stops.
    static let queuedPartsLimit = 64

    private let responder: Responder
    private let dates: HTTPDate
    private let connection: ConnectionState
    private var context: ChannelHandlerContext?

    private var receiving = Receiving.idle
    /// A request has been handed over and its answer is not finished.
    private var answering = false
    /// The answer in progress is to be followed by closing the connection.
    private var closeAfterAnswer = false
    /// Parts of pipelined requests that arrived while one was being answered.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var bodyPaused = false
    private var readPending = false
    private var inputClosed = false
    private var quiescing = false
    private var bodyID = 0

    init(responder: @escaping Responder, dates: HTTPDate, remoteAddress: SocketAddress? = nil) {
        self.responder = responder
        self.dates = dates
        self.connection = ConnectionState(remoteAddress: remoteAddress)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        connection.close()
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receive(unwrapInboundIn(data), context: context)
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if answering, case .idle = receiving {
            // The next pipelined request waits for the current answer.
            queued.append(part)
            return
        }
        switch part {
        case .head(let head):
            receiving = .collecting(head, nil)
            if Self.expectsContinue(head) {
                // The client holds its body back until told to send it (curl does for large
                // uploads, for a second); Go's server tells it when the body is first read,
                // and every 1.x route with a body reads it.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(var buffer):
            switch receiving {
            case .collecting(let head, var body):
                if body == nil { body = buffer } else { body!.writeBuffer(&buffer) }
                if body!.readableBytes > Self.wholeBodyLimit {
                    startStreaming(head, body, context: context)
                } else {
                    receiving = .collecting(head, body)
                }
            case .streaming(let source, _):
                switch source.yield(buffer) {
                case .produceMore: break
                case .stopProducing: bodyPaused = true
                case .dropped: receiving = .discarding
                }
            case .idle, .discarding:
                break
            }
        case .end:
            switch receiving {
            case .collecting(let head, let body):
                receiving = .idle
                handOver(head, body: RequestBody(buffer: body ?? ByteBuffer()), context: context)
            case .streaming(let source, _):
                source.finish()
                receiving = .idle
                bodyPaused = false
            case .idle, .discarding:
                receiving = .idle
            }
            if !answering { next(context: context) }
        }
    }

    /// An HTTP/1.1 request with a body and `Expect: 100-continue` (Go's `expectsContinue`).
    static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        guard head.version.major == 1, head.version.minor >= 1, head.headers.contains(name: "expect") else { return false }
        guard head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) else { return false }
        let length = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
        return length > 0 || head.headers["transfer-encoding"].contains { $0.lowercased().contains("chunked") }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // A body still arriving after this read streams from here on.
        if case .collecting(let head, let body) = receiving {
            startStreaming(head, body, context: context)
        }
    }

    private func startStreaming(_ head: HTTPRequestHead, _ body: ByteBuffer?, context: ChannelHandlerContext) {
        bodyID &+= 1
        let produced = BodyProducer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16),
            finishOnDeinit: false,
            delegate: BodyDemand(connection: NIOLoopBound(self, eventLoop: context.eventLoop), id: bodyID)
        )
        receiving = .streaming(produced.source, id: bodyID)
        if let body, case .stopProducing = produced.source.yield(body) { bodyPaused = true }
        handOver(head, body: RequestBody(asyncSequence: produced.sequence), context: context)
    }

    /// The responder wants more of body `id`.
    func bodyDemanded(id: Int) {
        guard case .streaming(_, let current) = receiving, current == id else { return }
        bodyPaused = false
        resumeReading()
    }

    /// The responder is done with body `id` (read to its end, or dropped).
    func bodyAbandoned(id: Int) {
        guard case .streaming(_, let current) = receiving, current == id else { return }
        receiving = .discarding
        bodyPaused = false
        resumeReading()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            inputClosed = true
            connection.close()
            failBody(ChannelError.eof)
            // Not answering means no pipelined request waits (they queue only behind an answer).
            if !answering { context.close(promise: nil) }
        case is ChannelShouldQuiesceEvent:
            quiescing = true
            connection.quiesce()
            if !answering, case .idle = receiving { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.close()
        failBody(ChannelError.ioOnClosedChannel)
        queued.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Parse errors were answered (400) by NIO's protocol error handler; any error ends the connection.
        failBody(error)
        context.close(promise: nil)
    }

    private func failBody(_ error: any Error) {
        if case .streaming(let source, _) = receiving {
            source.finish(error)
            receiving = .discarding
        }
    }

    // MARK: Handing over and answering

    private func handOver(_ head: HTTPRequestHead, body: RequestBody, context: ChannelHandlerContext) {
        answering = true
        closeAfterAnswer = !head.isKeepAlive
        let request: Request
        do {
            request = Request(head: try Self.request(head), body: body)
        } catch {
            // A method or target HTTPTypes cannot carry: answer as a parse error would be.
            closeAfterAnswer = true
            var response = HTTPResponseHead(version: .http1_1, status: .badRequest)
            response.headers.add(name: "Connection", value: "close")
            response.headers.add(name: "Content-Length", value: "0")
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            answered(context: context, promise: context.eventLoop.makePromise())
            return
        }
        let writer = AnswerWriter(connection: NIOLoopBound(self, eventLoop: context.eventLoop), channel: context.channel, dates: dates)
        let responder = self.responder
        let state = self.connection
        let proto = head.version == .http1_1 ? "HTTP/1.1" : "HTTP/\(head.version.major).\(head.version.minor)"
        Task {
            let response = await ConnectionState.$current.withValue(state) {
                await ConnectionState.$requestProtocol.withValue(proto) { await responder(request) }
            }
            await writer.write(response)
        }
    }

    /// Go's request target into HTTPTypes' request; an origin-form target (the usual `/path?query`)
    /// is taken as it is, without the URL parse the general conversion makes.
    static func request(_ head: HTTPRequestHead) throws -> HTTPRequest {
        guard head.uri.utf8.first == UInt8(ascii: "/") else {
            return try HTTPRequest(head, secure: false, splitCookie: false)
        }
        return HTTPRequest(
            method: try HTTPRequest.Method(head.method),
            scheme: "http",
            authority: head.headers.first(name: "Host"),
            path: head.uri,
            headerFields: HTTPFields(head.headers, splitCookie: false)
        )
    }

    /// Writes parts of the answer (called on the event loop by ``AnswerWriter``); `promise`
    /// completes when the last of them is written. `end` finishes the answer.
    func write(head: HTTPResponseHead?, _ first: ByteBuffer?, _ second: ByteBuffer?, end: Bool,
               promise: EventLoopPromise<Void>) {
        guard let context else {
            promise.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if let head {
            // A handler that says `Connection: close` (1.x's /debug/requests) ends the connection.
            if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) { closeAfterAnswer = true }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
        }
        if let first { context.write(wrapOutboundOut(.body(.byteBuffer(first))), promise: end || second != nil ? nil : promise) }
        if let second { context.write(wrapOutboundOut(.body(.byteBuffer(second))), promise: end ? nil : promise) }
        if end {
            answered(context: context, promise: promise)
        } else {
            context.flush()
        }
    }

    /// The responder gave up before finishing its answer (the client went away mid-stream).
    func abandonAnswer() {
        guard answering, let context else { return }
        answering = false
        context.close(promise: nil)
    }

    /// Ends the current answer, then closes or goes on to the next request.
    private func answered(context: ChannelHandlerContext, promise: EventLoopPromise<Void>) {
        answering = false
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
        if closeAfterAnswer || quiescing {
            let channel = context.channel
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        } else if case .idle = receiving {
            next(context: context)
        }
    }

    /// Takes up the queued parts of pipelined requests until one is handed over.
    private func next(context: ChannelHandlerContext) {
        while !answering, let part = queued.popFirst() {
            receive(part, context: context)
        }
        // Parts queue only while an answer is in progress, so here, not answering, none are left.
        if !answering, case .idle = receiving, quiescing || inputClosed {
            context.close(promise: nil)
            return
        }
        resumeReading()
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if bodyPaused || queued.count >= Self.queuedPartsLimit {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resumeReading() {
        guard readPending, !bodyPaused, queued.count < Self.queuedPartsLimit, let context else { return }
        readPending = false
        context.read()
    }
}
