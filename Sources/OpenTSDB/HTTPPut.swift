import LineProtocol

/// 1.x's `/api/put` handler logic (`services/opentsdb/handler.go`) short of the write: the
/// body (gzip when `Content-Encoding: gzip`) decoded into points, or the 400 answer.
public enum HTTPPut {
    /// The points of a body, and the data points that were dropped (their metric and why).
    public struct Decoded: Sendable {
        public var points: [Point] = []
        public var dropped: [(metric: String, error: String)] = []
    }

    /// Decodes a plain body.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<Decoded, HTTPPutError> {
        guard let first = bytes.first else { return .failure(HTTPPutError("peek error: EOF")) }
        let array: Bool
        switch first {
        case UInt8(ascii: "{"): array = false
        case UInt8(ascii: "["): array = true
        default: return .failure(HTTPPutError("expected JSON array or hash"))
        }
        guard let dataPoints = PutJSON.decode(bytes, array: array) else {
            return .failure(HTTPPutError(array ? "json array decode error" : "json object decode error"))
        }
        var out = Decoded()
        out.points.reserveCapacity(dataPoints.count)
        for p in dataPoints {
            // 1.x: a timestamp of 10^10 or more is in milliseconds (the remainder then taken as
            // microseconds, as 1.x does).
            let time = p.timestamp < 10_000_000_000
                ? TelnetPut.nanoseconds(seconds: p.timestamp, nanos: 0)
                : TelnetPut.nanoseconds(seconds: p.timestamp / 1000, nanos: (p.timestamp % 1000) * 1000)
            guard let time else {
                out.dropped.append((String(decoding: p.metric, as: UTF8.self), TelnetPut.timeRangeError))
                continue
            }
            do throws(LineError) {
                out.points.append(try Point(measurement: p.metric, tags: p.tags.filter { !$0.1.isEmpty },
                                            fields: [(Array("value".utf8), .float(p.value))], time: time))
            } catch {
                out.dropped.append((String(decoding: p.metric, as: UTF8.self), error.reason))
            }
        }
        return .success(out)
    }
}

/// A 400 answer of `/api/put`, with 1.x's text.
public struct HTTPPutError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
