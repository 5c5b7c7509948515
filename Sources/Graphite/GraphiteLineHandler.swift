import TSDB
import Synchronization
import GoText
import Coordinator
import InputSupport
import LineProtocol
import Logging
import NIOCore

/// Parses the lines of a Graphite TCP connection or UDP datagrams on the channel's event
/// loop and hands the points to the batcher; bad lines are logged and counted, the
/// connection stays open.
struct GraphiteLines {
    let parser: GraphiteParser
    let batcher: PointBatcher
    let statistics: GraphiteStatistics
    let logger: Logger
    let clock: @Sendable () -> Int64

    /// Parses one line, appending its point or logging why it has none.
    func handle(_ line: UnsafeRawBufferPointer, into points: inout [Point]) {
        switch parser.parse(line, now: clock) {
        case .success(let point):
            points.append(point)
        case .failure(.notANumber):
            statistics.pointsNaNFail.add(1, ordering: .relaxed)
        case .failure(let error):
            logger.info("Unable to parse line", metadata: ["line": "\(String(decoding: line, as: UTF8.self))", "error": "\(error)"])
            statistics.pointsParseFail.add(1, ordering: .relaxed)
        }
    }
}

/// A TCP connection: newline-terminated lines, each trimmed; a final line without a newline
/// is dropped when the connection closes, as 1.x's `ReadBytes` loop drops it.
final class GraphiteTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let lines: GraphiteLines
    private var partial: [UInt8] = []

    init(lines: GraphiteLines) { self.lines = lines }

    func channelActive(context: ChannelHandlerContext) {
        lines.statistics.connectionsActive.add(1, ordering: .relaxed)
        lines.statistics.connectionsHandled.add(1, ordering: .relaxed)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        lines.statistics.connectionsActive.subtract(1, ordering: .relaxed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var points: [Point] = []
        var count = 0
        var bytes = 0
        buffer.withUnsafeReadableBytes { chunk in
            var start = 0
            while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
                count += 1
                if partial.isEmpty {
                    bytes += newline + 1 - start
                    handle(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]), into: &points)
                } else {
                    partial += chunk[start..<newline]
                    bytes += partial.count + 1
                    partial.withUnsafeBytes { handle($0, into: &points) }
                    partial.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            partial += chunk[start...]
        }
        lines.statistics.pointsReceived.add(Int64(count), ordering: .relaxed)
        lines.statistics.bytesReceived.add(Int64(bytes), ordering: .relaxed)
        if !points.isEmpty { lines.batcher.add(points, from: context.channel) }
    }

    private func handle(_ line: UnsafeRawBufferPointer, into points: inout [Point]) {
        let trimmed = UnsafeRawBufferPointer(rebasing: line[GoFields.trimmed(line)])
        if trimmed.isEmpty { return }
        lines.handle(trimmed, into: &points)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// UDP: each datagram (up to 64 KiB, as 1.x reads) split on newlines, lines untrimmed; every
/// piece counts as a received point, as in 1.x.
final class GraphiteUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let lines: GraphiteLines

    init(lines: GraphiteLines) { self.lines = lines }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let datagram = unwrapInboundIn(data).data
        var points: [Point] = []
        var count = 0
        datagram.withUnsafeReadableBytes { bytes in
            var start = 0
            while true {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                count += 1
                if end > start { lines.handle(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &points) }
                if end == bytes.count { break }
                start = end + 1
            }
        }
        lines.statistics.pointsReceived.add(Int64(count), ordering: .relaxed)
        lines.statistics.bytesReceived.add(Int64(datagram.readableBytes), ordering: .relaxed)
        if !points.isEmpty { lines.batcher.add(points, from: context.channel) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lines.logger.info("UDP read error", metadata: ["error": "\(error)"])
    }
}
