/// Collects frames into `ReadResponse` messages as 1.6's `responseWriter` does: a message is
/// sent once the frames it counted pass 64 KiB, and at the end. Its count is gogo protobuf's
/// `Size()` of each frame as it was counted (including 1.6's quirks: a series frame is counted
/// with the data type its pooled predecessor had, and a series' last points frame is not
/// counted), so the messages split where 1.6's do.
struct ResponseWriter: Sendable {
    /// 1.6's `writeSize`.
    static let writeSize = 64 << 10

    /// Encoded messages waiting to be sent.
    var outbox: [[UInt8]] = []
    private var frames: [ResponseFrame] = []
    private var size = 0
    /// The data types left on 1.6's recycled series frames, last recycled on top.
    private var seriesPool: [Int] = []
    let noSeries: Bool

    init(noSeries: Bool) { self.noSeries = noSeries }

    mutating func startGroup(keys: [[UInt8]], values: [[UInt8]]) {
        frames.append(.group(keys: keys, values: values))
        size += ProtobufBytes.fieldSize(ResponseFrame.groupBodySize(keys, values))
    }

    /// Adds a series frame and returns its position (1.6's `ss`).
    mutating func startSeries(tags: [(key: [UInt8], value: [UInt8])]) -> Int {
        let dataType = seriesPool.popLast() ?? 0
        frames.append(.series(tags: tags, dataType: dataType))
        size += ResponseFrame.seriesBodySize(tags, dataType)
        return frames.count - 1
    }

    mutating func setDataType(_ dataType: Int, ofSeriesAt position: Int) {
        guard case .series(let tags, _) = frames[position] else { return }
        frames[position] = .series(tags: tags, dataType: dataType)
    }

    /// Drops the series frame at `position` and everything after it: its series had no points.
    mutating func removeSeries(at position: Int) {
        guard case .series(let tags, let dataType) = frames[position] else { return }
        size -= ResponseFrame.seriesBodySize(tags, dataType)
        seriesPool.append(dataType)
        frames.removeSubrange(position...)
    }

    /// A full points frame (1,000 points or more): counted, and sent once the count passes 64 KiB.
    mutating func addFullPoints(_ batch: PointBatch) {
        frames.append(.points(batch))
        size += ResponseFrame.pointsBodySize(batch)
        if size >= Self.writeSize { flush() }
    }

    /// A series' last points frame (possibly empty): added but not counted.
    mutating func addLastPoints(_ batch: PointBatch) {
        frames.append(.points(batch))
    }

    /// Sends what is pending if the count passed 64 KiB (the check after each series).
    mutating func flushIfOverLimit() {
        if size > Self.writeSize { flush() }
    }

    /// Encodes the pending frames into one message (nothing when none was counted).
    mutating func flush() {
        guard size != 0 else { return }
        size = 0
        var message: [UInt8] = []
        message.reserveCapacity(Self.writeSize + (Self.writeSize >> 2))
        for frame in frames {
            frame.encode(into: &message)
            if case .series(_, let dataType) = frame { seriesPool.append(dataType) }
        }
        frames.removeAll(keepingCapacity: true)
        outbox.append(message)
    }
}
