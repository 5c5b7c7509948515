/// A label matcher of a remote read query.
public struct LabelMatcher: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case equal, notEqual, regexMatch, regexNoMatch }
    public var kind: Kind
    public var name: String
    public var value: String

    public init(_ kind: Kind, _ name: String, _ value: String) {
        self.kind = kind
        self.name = name
        self.value = value
    }
}

/// The one query of a remote read request that 1.x serves.
public struct RemoteReadQuery: Sendable, Equatable {
    public var startMs: Int64
    public var endMs: Int64
    public var matchers: [LabelMatcher]
}

/// One series of a remote read answer: labels sorted by name, samples oldest first.
public struct RemoteSeries: Sendable {
    public var labels: [(name: String, value: String)]
    public var timestampsMs: [Int64]
    public var values: [Double]

    public init(labels: [(name: String, value: String)], timestampsMs: [Int64], values: [Double]) {
        self.labels = labels
        self.timestampsMs = timestampsMs
        self.values = values
    }
}

/// Prometheus remote read as 1.x serves it (`servePromRead`, `ReadRequestToInfluxStorageRequest`).
public enum RemoteRead {
    /// Decodes a `ReadRequest` and applies 1.x's checks: exactly one query, at least one
    /// matcher, known match types.
    public static func decode(protobuf bytes: UnsafeRawBufferPointer) throws(PromError) -> RemoteReadQuery {
        let queries = try decodeQueries(bytes)
        guard queries.count == 1 else { throw PromError("Prometheus read endpoint currently only supports one query at a time") }
        let query = queries[0]
        guard !query.matchers.isEmpty else { throw PromError("expected matcher") }
        var matchers: [LabelMatcher] = []
        for m in query.matchers {
            let kind: LabelMatcher.Kind
            switch m.type {
            case 0: kind = .equal
            case 1: kind = .notEqual
            case 2: kind = .regexMatch
            case 3: kind = .regexNoMatch
            default: throw PromError("unknown match type \(m.type)")
            }
            matchers.append(LabelMatcher(kind, m.name, m.value))
        }
        return RemoteReadQuery(startMs: query.start, endMs: query.end, matchers: matchers)
    }

    private struct RawQuery {
        var start: Int64 = 0
        var end: Int64 = 0
        var matchers: [(type: Int32, name: String, value: String)] = []
    }

    private static func decodeQueries(_ bytes: UnsafeRawBufferPointer) throws(PromError) -> [RawQuery] {
        var queries: [RawQuery] = []
        var reader = WireReader(bytes)
        while !reader.atEnd {
            let tag = try reader.tag(in: "ReadRequest")
            guard tag.field == 1 else { try reader.skipField(from: tag.start); continue }
            guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Queries") }
            queries.append(try query(bytes, try reader.lengthDelimited()))
        }
        return queries
    }

    private static func query(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(PromError) -> RawQuery {
        var q = RawQuery()
        var reader = WireReader(bytes, from: range.lowerBound, to: range.upperBound)
        while !reader.atEnd {
            let tag = try reader.tag(in: "Query")
            switch tag.field {
            case 1:
                guard tag.wireType == 0 else { throw .wrongWireType(tag.wireType, field: "StartTimestampMs") }
                q.start = Int64(bitPattern: try reader.varint())
            case 2:
                guard tag.wireType == 0 else { throw .wrongWireType(tag.wireType, field: "EndTimestampMs") }
                q.end = Int64(bitPattern: try reader.varint())
            case 3:
                guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Matchers") }
                q.matchers.append(try matcher(bytes, try reader.lengthDelimited()))
            default:
                try reader.skipField(from: tag.start)
            }
        }
        return q
    }

    private static func matcher(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(PromError) -> (type: Int32, name: String, value: String) {
        var m: (type: Int32, name: String, value: String) = (0, "", "")
        var reader = WireReader(bytes, from: range.lowerBound, to: range.upperBound)
        while !reader.atEnd {
            let tag = try reader.tag(in: "LabelMatcher")
            switch tag.field {
            case 1:
                guard tag.wireType == 0 else { throw .wrongWireType(tag.wireType, field: "Type") }
                // The enum is an int32 in Go: the varint's high bits shift out.
                m.type = Int32(truncatingIfNeeded: try reader.varint())
            case 2:
                guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Name") }
                m.name = String(decoding: reader.slice(try reader.lengthDelimited()), as: UTF8.self)
            case 3:
                guard tag.wireType == 2 else { throw .wrongWireType(tag.wireType, field: "Value") }
                m.value = String(decoding: reader.slice(try reader.lengthDelimited()), as: UTF8.self)
            default:
                try reader.skipField(from: tag.start)
            }
        }
        return m
    }
}
