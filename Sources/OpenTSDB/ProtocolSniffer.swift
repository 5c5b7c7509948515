import NIOCore
import NIOHTTP1

/// Reads a connection's first line and decides, as 1.x does by trying `http.ReadRequest`,
/// whether it speaks HTTP or the telnet protocol; then puts the matching handlers after
/// itself, hands them what it read and leaves the pipeline.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let makeTelnet: () -> any ChannelHandler
    private let makeHTTP: () -> any ChannelHandler
    private let sawHTTP: () -> Void
    private var buffered: ByteBuffer?

    init(telnet: @escaping () -> any ChannelHandler, http: @escaping () -> any ChannelHandler, sawHTTP: @escaping () -> Void) {
        self.makeTelnet = telnet
        self.makeHTTP = http
        self.sawHTTP = sawHTTP
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if buffered == nil { buffered = chunk } else { buffered!.writeBuffer(&chunk) }
        guard let line = buffered!.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return }
        let requestLine = buffered!.getBytes(at: buffered!.readerIndex, length: line - buffered!.readerIndex) ?? []
        decide(context: context, http: Self.isRequestLine(requestLine))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A connection that closes before a full first line: 1.x's ReadRequest fails, so it
        // is telnet, and its last line is still read.
        if buffered != nil { decide(context: context, http: false) }
        context.fireChannelInactive()
    }

    private func decide(context: ChannelHandlerContext, http: Bool) {
        do {
            if http {
                sawHTTP()
                try context.pipeline.syncOperations.configureHTTPServerPipeline(position: .after(self), withErrorHandling: true)
                try context.pipeline.syncOperations.addHandler(makeHTTP(), position: .last)
            } else {
                try context.pipeline.syncOperations.addHandler(makeTelnet(), position: .after(self))
            }
        } catch {
            context.close(promise: nil)
            return
        }
        if let data = buffered {
            buffered = nil
            context.fireChannelRead(wrapInboundOut(data))
        }
    }

    /// Go's `parseRequestLine` and `ParseHTTPVersion`: `METHOD SP URI SP HTTP/x.y`, the method
    /// a token, the URI not empty.
    static func isRequestLine(_ line: [UInt8]) -> Bool {
        var line = line[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard let s1 = line.firstIndex(of: UInt8(ascii: " ")) else { return false }
        let rest = line[(s1 + 1)...]
        guard let s2 = rest.firstIndex(of: UInt8(ascii: " ")) else { return false }
        let method = line[..<s1], uri = line[(s1 + 1)..<s2], proto = line[(s2 + 1)...]
        guard !method.isEmpty, method.allSatisfy(isTokenByte), !uri.isEmpty else { return false }
        let p = Array(proto)
        guard p.count == 8, p.starts(with: Array("HTTP/".utf8)), p[6] == UInt8(ascii: "."),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p[5]), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p[7]) else { return false }
        // NIO's HTTP/1 decoder reads 1.x only.
        return p[5] == UInt8(ascii: "1")
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }
}
