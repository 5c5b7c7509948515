import LineProtocol

/// A Prometheus remote write body as 1.8 stores it (`prometheus.WriteRequestToPoints`): each
/// sample becomes a point of the measurement named by the `__name__` label (or
/// `prom_metric_not_specified`), every label a tag, the value a float field `value`, the
/// millisecond timestamp scaled to nanoseconds. NaN and ±Inf samples are dropped and counted.
public enum RemoteWrite {
    public static let defaultMeasurement = "prom_metric_not_specified"
    public static let field = "value"
    static let nameLabel = Array("__name__".utf8)
    static let defaultMeasurementBytes = Array(defaultMeasurement.utf8)

    /// The points of a request, and what was left out.
    public struct Decoded: Sendable {
        public var points: [Point] = []
        public var droppedNaN = 0
        public var droppedPositiveInfinity = 0
        public var droppedNegativeInfinity = 0

        /// 1.8's `DroppedValuesError` text, when a value was dropped.
        public var droppedDescription: String? {
            guard droppedNaN + droppedPositiveInfinity + droppedNegativeInfinity > 0 else { return nil }
            return "dropped unsupported Prometheus values: [NaN = \(droppedNaN), +Inf = \(droppedPositiveInfinity), -Inf = \(droppedNegativeInfinity)]"
        }
    }

    /// Decodes a `WriteRequest`. Every decoding error is found before any conversion error,
    /// as 1.x unmarshals the whole message first.
    public static func decode(protobuf bytes: UnsafeRawBufferPointer) throws(PromError) -> Decoded {
        var out = Decoded()
        var conversionError: PromError?
        var series = SeriesScratch()
        var reader = WireReader(bytes)
        while !reader.atEnd {
            let tag = try reader.tag(in: "WriteRequest")
            guard tag.field == 1 else { try reader.skipField(from: tag.start); continue }
            guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Timeseries") }
            let range = try reader.lengthDelimited()
            try series.decode(reader.bytes, range)
            if conversionError == nil {
                do throws(PromError) { try series.convert(into: &out) } catch { conversionError = error }
            }
        }
        if let conversionError { throw conversionError }
        return out
    }
}

/// One `TimeSeries` at a time, its parts as ranges of the body; arrays reused between series.
private struct SeriesScratch {
    var labels: [(name: Range<Int>, value: Range<Int>)] = []
    var samples: [(value: Double, timestampMs: Int64)] = []
    var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
    var key = SeriesKeyBuilder()

    mutating func decode(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) throws(PromError) {
        bytes = body
        labels.removeAll(keepingCapacity: true)
        samples.removeAll(keepingCapacity: true)
        var reader = WireReader(body, from: range.lowerBound, to: range.upperBound)
        while !reader.atEnd {
            let tag = try reader.tag(in: "TimeSeries")
            switch tag.field {
            case 1:
                guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Labels") }
                labels.append(try Self.label(body, try reader.lengthDelimited()))
            case 2:
                guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Samples") }
                samples.append(try Self.sample(body, try reader.lengthDelimited()))
            default:
                try reader.skipField(from: tag.start)
            }
        }
    }

    static func label(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) throws(PromError) -> (name: Range<Int>, value: Range<Int>) {
        var name = range.lowerBound..<range.lowerBound
        var value = name
        var reader = WireReader(body, from: range.lowerBound, to: range.upperBound)
        while !reader.atEnd {
            let tag = try reader.tag(in: "LabelPair")
            switch tag.field {
            case 1:
                guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Name") }
                name = try reader.lengthDelimited()
            case 2:
                guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Value") }
                value = try reader.lengthDelimited()
            default:
                try reader.skipField(from: tag.start)
            }
        }
        return (name, value)
    }

    static func sample(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) throws(PromError) -> (value: Double, timestampMs: Int64) {
        var value = 0.0
        var timestamp: Int64 = 0
        var reader = WireReader(body, from: range.lowerBound, to: range.upperBound)
        while !reader.atEnd {
            let tag = try reader.tag(in: "Sample")
            switch tag.field {
            case 1:
                guard tag.wireType == 1 else { throw .wrongWireType(tag.wireType, field: "Value") }
                value = Double(bitPattern: try reader.fixed64())
            case 2:
                guard tag.wireType == 0 else { throw .wrongWireType(tag.wireType, field: "TimestampMs") }
                timestamp = Int64(bitPattern: try reader.varint())
            default:
                try reader.skipField(from: tag.start)
            }
        }
        return (value, timestamp)
    }

    /// The series' points; the first point 1.x's `models.NewPoint` refuses is the error.
    mutating func convert(into out: inout RemoteWrite.Decoded) throws(PromError) {
        guard !samples.isEmpty else { return }
        var measurement: Range<Int>?
        var tags: [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] = []
        tags.reserveCapacity(labels.count)
        for label in labels {
            let name = UnsafeRawBufferPointer(rebasing: bytes[label.name])
            if name.elementsEqual(RemoteWrite.nameLabel) { measurement = label.value }
            tags.append((name, UnsafeRawBufferPointer(rebasing: bytes[label.value])))
        }
        if let measurement {
            key.build(measurement: UnsafeRawBufferPointer(rebasing: bytes[measurement]), tags: tags)
        } else {
            RemoteWrite.defaultMeasurementBytes.withUnsafeBytes { key.build(measurement: $0, tags: tags) }
        }
        for sample in samples {
            if sample.value.isNaN { out.droppedNaN += 1; continue }
            if sample.value == .infinity { out.droppedPositiveInfinity += 1; continue }
            if sample.value == -.infinity { out.droppedNegativeInfinity += 1; continue }
            // Go's `ms * int64(time.Millisecond)` wraps; the range check then refuses it or not.
            let time = sample.timestampMs &* 1_000_000
            do throws(PointError) {
                out.points.append(try Point(seriesKey: key.key, floatField: RemoteWrite.field, value: sample.value, time: time))
            } catch {
                throw PromError(error.description)
            }
        }
    }
}
