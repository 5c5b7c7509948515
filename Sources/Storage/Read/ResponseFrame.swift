import TSDB

/// A frame of a Read response, before encoding.
enum ResponseFrame: Sendable {
    case group(keys: [[UInt8]], values: [[UInt8]])
    /// `dataType` is storage.proto's `DataType` number.
    case series(tags: [(key: [UInt8], value: [UInt8])], dataType: Int)
    case points(PointBatch)

    /// storage.proto's `DataType` of a field type.
    static func dataType(_ type: FieldType) -> Int {
        switch type {
        case .float: 0
        case .integer: 1
        case .unsigned: 2
        case .boolean: 3
        case .string: 4
        }
    }

    // MARK: Sizes, as gogo protobuf's Size() counts them (the response writer batches by them)

    static func groupBodySize(_ keys: [[UInt8]], _ values: [[UInt8]]) -> Int {
        keys.reduce(0) { $0 + ProtobufBytes.fieldSize($1.count) } + values.reduce(0) { $0 + ProtobufBytes.fieldSize($1.count) }
    }

    static func tagSize(_ key: [UInt8], _ value: [UInt8]) -> Int {
        (key.isEmpty ? 0 : ProtobufBytes.fieldSize(key.count)) + (value.isEmpty ? 0 : ProtobufBytes.fieldSize(value.count))
    }

    static func seriesBodySize(_ tags: [(key: [UInt8], value: [UInt8])], _ dataType: Int) -> Int {
        tags.reduce(0) { $0 + ProtobufBytes.fieldSize(tagSize($1.key, $1.value)) }
            + (dataType == 0 ? 0 : 1 + ProtobufBytes.varintSize(UInt64(dataType)))
    }

    static func pointsBodySize(_ p: PointBatch) -> Int {
        guard p.count > 0 else { return 0 }
        return ProtobufBytes.fieldSize(8 * p.count) + valuesFieldSize(p, packed: packedValuesLength(p))
    }

    /// The length of the packed `values` field's payload (strings are not packed: nil).
    private static func packedValuesLength(_ p: PointBatch) -> Int? {
        switch p.type {
        case .float: 8 * p.count
        case .integer: p.integers.reduce(0) { $0 + ProtobufBytes.varintSize(UInt64(bitPattern: $1)) }
        case .unsigned: p.unsigneds.reduce(0) { $0 + ProtobufBytes.varintSize($1) }
        case .boolean: p.count
        case .string: nil
        }
    }

    /// The size of the `values` field(s): one packed field, or one field per string.
    private static func valuesFieldSize(_ p: PointBatch, packed: Int?) -> Int {
        packed.map(ProtobufBytes.fieldSize) ?? p.strings.reduce(0) { $0 + ProtobufBytes.fieldSize($1.count) }
    }

    // MARK: Encoding

    /// Appends the frame as one `frames` entry of a `ReadResponse` (field 1).
    func encode(into out: inout [UInt8]) {
        switch self {
        case .group(let keys, let values):
            let body = Self.groupBodySize(keys, values)
            out.append(0x0a)
            ProtobufBytes.appendVarint(UInt64(ProtobufBytes.fieldSize(body)), to: &out)
            out.append(0x3a)  // Frame.group = 7
            ProtobufBytes.appendVarint(UInt64(body), to: &out)
            for k in keys { ProtobufBytes.appendBytesField(0x0a, k, to: &out) }
            for v in values { ProtobufBytes.appendBytesField(0x12, v, to: &out) }
        case .series(let tags, let dataType):
            let body = Self.seriesBodySize(tags, dataType)
            out.append(0x0a)
            ProtobufBytes.appendVarint(UInt64(ProtobufBytes.fieldSize(body)), to: &out)
            out.append(0x0a)  // Frame.series = 1
            ProtobufBytes.appendVarint(UInt64(body), to: &out)
            for t in tags {
                out.append(0x0a)
                ProtobufBytes.appendVarint(UInt64(Self.tagSize(t.key, t.value)), to: &out)
                if !t.key.isEmpty { ProtobufBytes.appendBytesField(0x0a, t.key, to: &out) }
                if !t.value.isEmpty { ProtobufBytes.appendBytesField(0x12, t.value, to: &out) }
            }
            if dataType != 0 {
                out.append(0x10)
                ProtobufBytes.appendVarint(UInt64(dataType), to: &out)
            }
        case .points(let p):
            // The varints' lengths are summed once, for the frame's length and the field's.
            let packed = Self.packedValuesLength(p)
            let body = p.count == 0 ? 0 : ProtobufBytes.fieldSize(8 * p.count) + Self.valuesFieldSize(p, packed: packed)
            out.append(0x0a)
            ProtobufBytes.appendVarint(UInt64(ProtobufBytes.fieldSize(body)), to: &out)
            // Frame.float_points = 2 … string_points = 6
            let tag: UInt8 = switch p.type {
            case .float: 0x12
            case .integer: 0x1a
            case .unsigned: 0x22
            case .boolean: 0x2a
            case .string: 0x32
            }
            out.append(tag)
            ProtobufBytes.appendVarint(UInt64(body), to: &out)
            Self.encodePoints(p, packed: packed, into: &out)
        }
    }

    private static func encodePoints(_ p: PointBatch, packed: Int?, into out: inout [UInt8]) {
        let n = p.count
        guard n > 0 else { return }
        out.append(0x0a)
        ProtobufBytes.appendVarint(UInt64(8 * n), to: &out)
        ProtobufBytes.appendFixed64s(p.times, to: &out)
        if let packed {
            out.append(0x12)
            ProtobufBytes.appendVarint(UInt64(packed), to: &out)
        }
        switch p.type {
        case .float: ProtobufBytes.appendFixed64s(p.floats, to: &out)
        case .integer: for v in p.integers { ProtobufBytes.appendVarint(UInt64(bitPattern: v), to: &out) }
        case .unsigned: for v in p.unsigneds { ProtobufBytes.appendVarint(v, to: &out) }
        case .boolean: for v in p.booleans { out.append(v ? 1 : 0) }
        case .string: for v in p.strings { ProtobufBytes.appendBytesField(0x12, v, to: &out) }
        }
    }
}
