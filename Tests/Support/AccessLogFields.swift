import Foundation

/// The fields of an access log line in 1.x's format
/// (`host - user [time] "request" status size "referer" "agent" request-id microseconds`),
/// for tests that compare Sundial's lines with influxd's.
public struct AccessLogFields: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var user: String
    public var time: String
    public var request: String
    public var status: Int
    public var size: Int
    public var referer: String
    public var agent: String
    public var requestID: String
    public var microseconds: Int

    private static let pattern = try! NSRegularExpression(
        pattern: #"^(\S+) - (.+?) \[([^\]]+)\] "(.*)" (\d{3}) (\d+) "(.*)" "(.*)" (\S*) (\d+)$"#)
    private static let timePattern = try! NSRegularExpression(pattern: #"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}$"#)

    /// The fields of `line`, or nil when it is not an access log line.
    public init?(_ line: String) {
        let range = NSRange(line.startIndex..., in: line)
        guard let m = Self.pattern.firstMatch(in: line, range: range) else { return nil }
        func group(_ i: Int) -> String { Range(m.range(at: i), in: line).map { String(line[$0]) } ?? "" }
        host = group(1)
        user = group(2)
        time = group(3)
        request = group(4)
        status = Int(group(5)) ?? 0
        size = Int(group(6)) ?? 0
        referer = group(7)
        agent = group(8)
        requestID = group(9)
        microseconds = Int(group(10)) ?? 0
    }

    /// Whether `time` is Go's `02/Jan/2006:15:04:05 -0700`.
    public var timeIsCommonLogFormat: Bool {
        Self.timePattern.firstMatch(in: time, range: NSRange(time.startIndex..., in: time)) != nil
    }

    /// Whether the request ID is a time-based UUID as 1.x makes them.
    public var requestIDIsTimeUUID: Bool {
        let parts = requestID.split(separator: "-")
        return parts.map(\.count) == [8, 4, 4, 4, 12] && parts[2].first == "1"
    }

    /// The fields two servers must agree on (not the time, generated ID or duration).
    public var comparable: String { "\(host) - \(user) \"\(request)\" \(status) \(size) \"\(referer)\" \"\(agent)\"" }

    public var description: String { comparable }
}
