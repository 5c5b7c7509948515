import TSDB
import Synchronization
import Coordinator
import InputSupport
import LineProtocol
import Logging
import NIOCore

/// An OpenTSDB telnet connection: lines ending in `\n` (a `\r` before it removed, as Go's
/// textproto does), each a `put` or `version`; a last line without a newline is still read.
final class TelnetHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let batcher: PointBatcher
    let statistics: OpenTSDBStatistics
    let logger: Logger
    let logPointErrors: Bool
    private var partial: [UInt8] = []
    private var remote = ""

    init(batcher: PointBatcher, statistics: OpenTSDBStatistics, logger: Logger, logPointErrors: Bool) {
        self.batcher = batcher
        self.statistics = statistics
        self.logger = logger
        self.logPointErrors = logPointErrors
    }

    func handlerAdded(context: ChannelHandlerContext) {
        remote = context.remoteAddress.map { "\($0)" } ?? ""
        statistics.telnetConnectionsActive.add(1, ordering: .relaxed)
        statistics.telnetConnectionsHandled.add(1, ordering: .relaxed)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        statistics.telnetConnectionsActive.subtract(1, ordering: .relaxed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var points: [Point] = []
        var version = false
        buffer.withUnsafeReadableBytes { chunk in
            var start = 0
            while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if partial.isEmpty {
                    version = handle(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]), into: &points) || version
                } else {
                    partial += chunk[start..<newline]
                    version = partial.withUnsafeBytes { handle($0, into: &points) } || version
                    partial.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            partial += chunk[start...]
        }
        if version { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "InfluxDB TSDB proxy")), promise: nil) }
        if !points.isEmpty { batcher.add(points, from: context.channel) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !partial.isEmpty {
            var points: [Point] = []
            _ = partial.withUnsafeBytes { handle($0, into: &points) }
            partial = []
            if !points.isEmpty { batcher.add(points) }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        statistics.telnetReadError.add(1, ordering: .relaxed)
        logger.info("Error reading from OpenTSDB connection", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// Handles one line; returns whether it was the `version` command.
    private func handle(_ raw: UnsafeRawBufferPointer, into points: inout [Point]) -> Bool {
        var line = raw
        if line.last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        statistics.telnetPointsReceived.add(1, ordering: .relaxed)
        statistics.telnetBytesReceived.add(Int64(line.count), ordering: .relaxed)
        switch TelnetPut.parse(line) {
        case .version:
            return true
        case .point(let point, let badTags, let badTime):
            if let badTime { report(.badTime, "Malformed time", "time", badTime) }
            for tag in badTags { report(nil, "Malformed tag data", "tag", tag) }
            statistics.telnetBadTag.add(Int64(badTags.count), ordering: .relaxed)
            points.append(point)
        case .rejected(let rejection):
            if let badTime = rejection.badTime { report(.badTime, "Malformed time", "time", badTime) }
            for tag in rejection.badTags { report(nil, "Malformed tag data", "tag", tag) }
            statistics.telnetBadTag.add(Int64(rejection.badTags.count), ordering: .relaxed)
            switch rejection.kind {
            case .badLine: report(.badLine, rejection.message, "line", rejection.subject)
            case .badTime: report(.badTime, rejection.message, "time", rejection.subject)
            case .badFloat: report(.badFloat, rejection.message, "value", rejection.subject)
            }
        }
        return false
    }

    private func report(_ kind: TelnetPut.Rejection.Kind?, _ message: String, _ key: String, _ value: String) {
        switch kind {
        case .badLine?: statistics.telnetBadLine.add(1, ordering: .relaxed)
        case .badTime?: statistics.telnetBadTime.add(1, ordering: .relaxed)
        case .badFloat?: statistics.telnetBadFloat.add(1, ordering: .relaxed)
        case nil: break
        }
        if logPointErrors { logger.info("\(message)", metadata: [key: "\(value)", "remote_addr": "\(remote)"]) }
    }
}
