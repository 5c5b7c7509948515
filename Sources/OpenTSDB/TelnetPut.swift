import GoText
import LineProtocol

/// 1.x's OpenTSDB telnet line handling (`handleTelnetConn`): `put <metric> <timestamp>
/// <value> [tag=value …]`, fields split on white space. A timestamp of 10 characters is in
/// seconds, of 13 in milliseconds. A malformed tag is skipped (counted, logged) and the point
/// kept; any other problem drops the line.
public enum TelnetPut {
    /// What a line is: a point (with any tags that were skipped), the `version` command, or a
    /// line that gives no point.
    public enum Outcome: Sendable, Equatable {
        case point(Point, badTags: [String], badTime: String?)
        case version
        case rejected(Rejection)
    }

    /// Why a line gives no point; `kind` is the 1.x statistic it counts in.
    public struct Rejection: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable { case badLine, badTime, badFloat }
        public let kind: Kind
        /// 1.x's log message (`Malformed line`, `Time must be 10 or 13 chars`, `Bad float`).
        public let message: String
        /// The logged value (the line, the time or the value) as text.
        public let subject: String
        /// A malformed timestamp's text, already counted as `tlBadTime` before the line is
        /// dropped for its length (1.x counts it twice then).
        public var badTime: String? = nil
        /// Malformed tags, counted as `tlBadTag` before a bad value drops the line (as in 1.x).
        public var badTags: [String] = []
        public var description: String { "\(message): \(subject)" }
    }

    /// Earliest and latest nanosecond times a point may have (1.x's `MinNanoTime`,
    /// `MaxNanoTime`).
    static let minNanoTime = Int64.min + 2
    static let maxNanoTime = Int64.max - 1

    /// 1.x's text for a time beyond them.
    public static let timeRangeError = "time outside range \(minNanoTime) - \(maxNanoTime)"

    public static func parse(_ line: UnsafeRawBufferPointer) -> Outcome {
        var fields: [Range<Int>] = []
        var walker = GoFields(line)
        while let f = walker.next() { fields.append(f) }
        func text(_ r: Range<Int>) -> String { String(decoding: line[r], as: UTF8.self) }
        func bytes(_ r: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: line[r]) }

        if fields.count == 1 && bytes(fields[0]).elementsEqual("version".utf8) { return .version }
        guard fields.count >= 4, bytes(fields[0]).elementsEqual("put".utf8) else {
            return .rejected(Rejection(kind: .badLine, message: "Malformed line", subject: String(decoding: line, as: UTF8.self)))
        }
        let timeBytes = bytes(fields[2])
        var badTime: String?
        var seconds: Int64
        switch GoInteger.parse(timeBytes) {
        case .success(let t): seconds = t
        case .failure(.syntax): seconds = 0; badTime = text(fields[2])
        case .failure(.range(let clamped)): seconds = clamped; badTime = text(fields[2])
        }
        let time: Int64?
        switch timeBytes.count {
        case 10: time = nanoseconds(seconds: seconds, nanos: 0)
        case 13: time = nanoseconds(seconds: seconds / 1000, nanos: (seconds % 1000) * 1000)
        default:
            return .rejected(Rejection(kind: .badTime, message: "Time must be 10 or 13 chars", subject: text(fields[2]), badTime: badTime))
        }

        var tags: [([UInt8], [UInt8])] = []
        var badTags: [String] = []
        for r in fields[4...] {
            let tag = bytes(r)
            guard let equals = tag.firstIndex(of: UInt8(ascii: "=")), equals > 0, equals < tag.count - 1 else {
                badTags.append(text(r))
                continue
            }
            let key = Array(tag[..<equals]), value = Array(tag[(equals + 1)...])
            if let i = tags.firstIndex(where: { $0.0 == key }) { tags[i].1 = value } else { tags.append((key, value)) }
        }

        let valueBytes = bytes(fields[3])
        let badFloat = Rejection(kind: .badFloat, message: "Bad float", subject: text(fields[3]), badTime: badTime, badTags: badTags)
        guard case .success(let value) = GoFloat.parse(valueBytes), value.isFinite, let time else {
            return .rejected(badFloat)
        }
        do throws(LineError) {
            let point = try Point(measurement: Array(bytes(fields[1])), tags: tags, fields: [(Array("value".utf8), .float(value))], time: time)
            return .point(point, badTags: badTags, badTime: badTime)
        } catch {
            return .rejected(badFloat)
        }
    }

    /// `time.Unix(seconds, nanos)` as Unix nanoseconds, nil outside 1.x's point time range.
    public static func nanoseconds(seconds: Int64, nanos: Int64) -> Int64? {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, overflow2) = scaled.addingReportingOverflow(nanos)
        guard !overflow2, total >= minNanoTime, total <= maxNanoTime else { return nil }
        return total
    }
}
