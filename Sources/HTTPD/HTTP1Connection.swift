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
/// - keep-alive, `Connection: close` and HTTP/1.0, pipelined requests answered in order (a
///   half-closed connection answers every request it got, then closes);
/// - small bodies (all of which arrive in one read) are handed over whole; larger ones stream
///   with backpressure (reading stops while the consumer is behind);
/// - a body the responder did not read is drained before the next request if what is left
///   of it is under 256 KB, as Go's server does; past that (or for a chunked one) the answer
///   says `Connection: close` and the connection closes once the client has had time to read
///   it (``lingerTime``);
/// - a request that stops arriving part-way (head or body) for the read timeout ends: its
///   body fails with Go's timeout error for the handler to answer, a head is dropped;
/// - a request NIO's parser or Go's checks refuse gets Go's error answer (``GoRequestError``);
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

    /// What arrives for a request after the one being answered (pipelining): held until that
    /// answer is done.
    private enum Inbound {
        case part(HTTPServerRequestPart)
        /// The parser refused what came next.
        case parseFailure(any Error, head: ByteBuffer?)
    }

    typealias BodyProducer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, BodyDemand
    >
    typealias RequestBodySource = BodyProducer.Source

    /// A body that arrives in more than one read, or is larger than this, streams.
    static let wholeBodyLimit = 1 << 20
    /// Pipelined request parts held while a request runs before reading stops.
    static let queuedPartsLimit = 64
    /// What may be left of a body its handler did not read for the connection to be kept
    /// (Go's `maxPostHandlerReadBytes`); past it the connection closes after the answer.
    static let unreadBodyKeptLimit = 256 << 10
    /// How long a connection that closes with input still coming first waits, its output
    /// shut, for the client to stop sending (Go's `rstAvoidanceDelay`): closing on unread
    /// input resets the connection, and a reset can destroy the answer before it is read.
    static let lingerTime = TimeAmount.milliseconds(500)

    private let responder: Responder
    private let dates: HTTPDate
    private let connection: ConnectionState
    /// `[http] read-timeout`: how long a request that has begun may go without a byte coming
    /// (nil: no limit, as in 1.x).
    private let readTimeout: TimeAmount?
    private var context: ChannelHandlerContext?
    /// The handler in front of the codec (raw bytes in and out).
    private var wire: HTTP1WireHandler?

    private var receiving = Receiving.idle
    /// A request has been handed over and its answer is not finished.
    private var answering = false
    /// The answer in progress is to be followed by closing the connection.
    private var closeAfterAnswer = false
    /// The request being answered is HTTP/1.1 (Go then says `Connection: close` when it closes).
    private var answeringHTTP11 = true
    /// What arrived for pipelined requests while one was being answered.
    private var queued = CircularBuffer<Inbound>()
    private var bodyPaused = false
    private var readPending = false
    private var inputClosed = false
    private var quiescing = false
    private var bodyID = 0
    /// What is left to come of the current body by its `Content-Length` (nil: chunked or none).
    private var bodyRemaining: Int?
    /// The connection is closing: its last answer is out, input is dropped.
    private var closing = false
    /// When the last bytes came (or reading last resumed after a pause of the server's own).
    private var lastActivity = NIODeadline.now()
    /// The read timeout's check, while one is pending.
    private var readTimer: Scheduled<Void>?
    /// Bytes of a head have come and not the whole head.
    private var partialHead = false

    init(responder: @escaping Responder, dates: HTTPDate, remoteAddress: SocketAddress? = nil,
         readTimeout: TimeAmount? = nil, wire: HTTP1WireHandler? = nil) {
        self.responder = responder
        self.dates = dates
        self.connection = ConnectionState(remoteAddress: remoteAddress)
        self.readTimeout = readTimeout
        self.wire = wire
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        connection.close()
        readTimer?.cancel()
        readTimer = nil
        wire = nil
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        wire?.partParsed()
        receive(.part(unwrapInboundIn(data)), context: context)
    }

    private func receive(_ inbound: Inbound, context: ChannelHandlerContext) {
        if closing { return }
        if answering, case .idle = receiving {
            // The next pipelined request waits for the current answer.
            queued.append(inbound)
            return
        }
        let part: HTTPServerRequestPart
        switch inbound {
        case .part(let p): part = p
        case .parseFailure(let error, let head):
            parseFailed(error, head: head, context: context)
            return
        }
        switch part {
        case .head(let head):
            partialHead = false
            if let refusal = GoRequestError.refusal(head) {
                refuse(refusal, context: context)
                return
            }
            receiving = .collecting(head, nil)
            bodyRemaining = head.headers.contains(name: "transfer-encoding")
                ? nil : head.headers.first(name: "content-length").flatMap { Int($0) }
            if Self.expectsContinue(head) {
                // The client holds its body back until told to send it (curl does for large
                // uploads, for a second); Go's server tells it when the body is first read,
                // and every 1.x route with a body reads it.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(var buffer):
            if let remaining = bodyRemaining { bodyRemaining = remaining - buffer.readableBytes }
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
            bodyRemaining = nil
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
            if closing {
                context.close(promise: nil)
                return
            }
            // A body cut short: its handler reads Go's error (a request not yet handed over is
            // handed over to read it).
            if case .collecting(let head, let body) = receiving { startStreaming(head, body, context: context) }
            failBody(RequestBodyError.unexpectedEOF)
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
        failBody(RequestBodyError.unexpectedEOF)
        queued.removeAll()
        readTimer?.cancel()
        readTimer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case is HTTPParserError:
            receive(.parseFailure(error, head: wire?.refusedHead), context: context)
        case is ByteToMessageDecoderError:
            // More bytes after a parse failure (already being answered), or left at the end.
            break
        default:
            failBody(error)
            context.close(promise: nil)
        }
    }

    private func failBody(_ error: any Error) {
        if case .streaming(let source, _) = receiving {
            source.finish(error)
            receiving = .discarding
        }
    }

    /// The parser refused what came: inside a body, the body fails with Go's error for the
    /// handler to answer (Go's server reads a body as the handler asks for it, so 1.x answers
    /// a bad chunk itself); between requests, Go's answer to a bad request.
    private func parseFailed(_ error: any Error, head: ByteBuffer?, context: ChannelHandlerContext) {
        switch receiving {
        case .idle:
            refuse(GoRequestError.parseFailure(error, head: head), context: context)
        case .collecting(let head, let body):
            startStreaming(head, body, context: context)
            closeAfterAnswer = true
            failBody(Self.bodyFailure(error))
        case .streaming:
            closeAfterAnswer = true
            failBody(Self.bodyFailure(error))
        case .discarding:
            closeAfterAnswer = true
            if !answering { closeLingering(context: context) }
        }
    }

    /// Go's chunked reader's errors.
    static func bodyFailure(_ error: any Error) -> RequestBodyError {
        if let error = error as? HTTPParserError, case .invalidChunkSize = error {
            return RequestBodyError(description: "invalid byte in chunk length")
        }
        return RequestBodyError(description: "malformed chunked encoding")
    }

    /// Answers a request Go's server refuses, as it does, and closes.
    private func refuse(_ refusal: GoRequestError, context: ChannelHandlerContext) {
        receiving = .idle
        queued.removeAll()
        if let written = wire?.writeRaw(refusal.bytes) {
            closing = true
            written.assumeIsolated().whenComplete { [weak self] _ in
                guard let self, let context = self.context else { return }
                self.closeLingering(context: context)
            }
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: Handing over and answering

    private func handOver(_ head: HTTPRequestHead, body: RequestBody, context: ChannelHandlerContext) {
        answering = true
        closeAfterAnswer = !head.isKeepAlive
        answeringHTTP11 = head.version == .http1_1
        let request: Request
        do {
            request = Request(head: try Self.request(head), body: body)
        } catch {
            // A method or target HTTPTypes cannot carry: answered as Go answers a target it
            // cannot parse.
            answering = false
            failBody(RequestBodyError.unexpectedEOF)
            refuse(.badRequest(), context: context)
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
        guard let context, answering else {
            promise.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if var head {
            // A handler that says `Connection: close` (1.x's /debug/requests) ends the connection.
            if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) { closeAfterAnswer = true }
            if bodyIsUnfinished, (bodyRemaining ?? .max) > Self.unreadBodyKeptLimit {
                // Too much of the body is left unread to drain it (Go closes too).
                closeAfterAnswer = true
            } else if connection.takeUnreadBody() {
                // The body has all come, but its handler left more of it unread than Go drains
                // (a client fast enough that the whole body arrived before the answer).
                closeAfterAnswer = true
            }
            if (closeAfterAnswer || quiescing) && answeringHTTP11 {
                // Go says so when it closes after an HTTP/1.1 answer.
                head.headers.replaceOrAdd(name: "Connection", value: "close")
            }
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

    /// The request being answered has not had all of its body.
    private var bodyIsUnfinished: Bool {
        if case .idle = receiving { return false }
        return true
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
        if closeAfterAnswer || quiescing || (inputClosed && bodyIsUnfinished) {
            closing = true
            let lingers = bodyIsUnfinished
            queued.removeAll()
            promise.futureResult.assumeIsolated().whenComplete { [weak self] _ in
                guard let self, let context = self.context else { return }
                if lingers { self.closeLingering(context: context) } else { context.close(promise: nil) }
            }
        } else if case .idle = receiving {
            next(context: context)
        }
    }

    /// Closes once the client has stopped sending: the output is shut at once (the client
    /// reads the end of the answers), input is dropped until it ends or for ``lingerTime``.
    private func closeLingering(context: ChannelHandlerContext) {
        closing = true
        readTimer?.cancel()
        readTimer = nil
        if inputClosed || !context.channel.isActive {
            context.close(promise: nil)
            return
        }
        // Dropped input must keep being read, whatever paused reading.
        bodyPaused = false
        queued.removeAll()
        failBody(RequestBodyError.unexpectedEOF)
        context.close(mode: .output, promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.lingerTime) { channel.close(promise: nil) }
        if readPending {
            readPending = false
            context.read()
        }
    }

    /// Takes up what was held for pipelined requests until one is handed over.
    private func next(context: ChannelHandlerContext) {
        while !answering, !closing, let inbound = queued.popFirst() {
            receive(inbound, context: context)
        }
        if closing { return }
        // Parts queue only while an answer is in progress, so here, not answering, none are left.
        if !answering, case .idle = receiving, quiescing || inputClosed {
            context.close(promise: nil)
            return
        }
        resumeReading()
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if !closing && (bodyPaused || queued.count >= Self.queuedPartsLimit) {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resumeReading() {
        guard readPending, !bodyPaused, queued.count < Self.queuedPartsLimit, let context else { return }
        readPending = false
        // The client was not being waited for while reading was paused: its time starts now.
        lastActivity = .now()
        context.read()
        armReadTimer()
    }

    // MARK: Read timeout

    /// Whether the connection is waiting for its client: part of a request has come and the
    /// rest has not, and reading is not paused by the server itself.
    private var awaitsClient: Bool {
        guard !closing, !inputClosed, !readPending else { return false }
        if case .idle = receiving { return partialHead && !answering && queued.isEmpty }
        return true
    }

    /// Whether the next bytes would start a request (the wire handler keeps them, to name a
    /// parse failure of that head).
    var isBetweenRequests: Bool {
        guard case .idle = receiving, !answering, queued.isEmpty, !closing else { return false }
        return true
    }

    /// The wire handler saw bytes arrive.
    func bytesArrived() { lastActivity = .now() }

    /// The wire handler's read has been parsed; `gaveParts` says whether it gave any part.
    func readParsed(gaveParts: Bool) {
        // Bytes that gave no part between requests are the start of a head.
        if !gaveParts, case .idle = receiving, !answering { partialHead = true }
        armReadTimer()
    }

    private func armReadTimer() {
        guard let readTimeout, readTimer == nil, awaitsClient, let context else { return }
        readTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastActivity + readTimeout) { [weak self] in
            self?.readTimerFired()
        }
    }

    private func readTimerFired() {
        readTimer = nil
        guard let readTimeout, awaitsClient, let context else { return }
        if NIODeadline.now() < lastActivity + readTimeout {
            armReadTimer()  // bytes came since it was set
            return
        }
        switch receiving {
        case .idle:
            // A head that stopped coming: Go's server closes without an answer.
            context.close(promise: nil)
        case .collecting(let head, let body):
            startStreaming(head, body, context: context)
            closeAfterAnswer = true
            failBody(RequestBodyError.timeout(local: context.channel.localAddress, remote: context.channel.remoteAddress))
        case .streaming:
            // Its handler reads Go's timeout error and answers (1.x: 400 with it).
            closeAfterAnswer = true
            failBody(RequestBodyError.timeout(local: context.channel.localAddress, remote: context.channel.remoteAddress))
        case .discarding:
            // The answer is given or being given; what is left of the body will not come.
            closeAfterAnswer = true
            if !answering { context.close(promise: nil) }
        }
    }
}
