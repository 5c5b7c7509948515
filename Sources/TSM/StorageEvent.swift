#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something the storage layer has to tell the operator while it opens or runs a shard (a
/// corrupt file renamed, a WAL tail cut off, `fields.idx` rebuilt, a shard that failed to
/// open), in 1.x's words: influxd's log message and its fields, so that the server logs the
/// line influxd would and tests can check it without parsing text.
public struct StorageEvent: Sendable, CustomStringConvertible {
    public enum Level: Sendable, Equatable {
        case info, warning, error
    }

    public var level: Level
    /// influxd's message, word for word (`Cannot read corrupt tsm file, renaming`).
    public var message: String
    /// zap's fields, in influxd's order (`path`, `id`, `error`).
    public var fields: [(key: String, value: String)]

    public init(_ level: Level, _ message: String, _ fields: [(key: String, value: String)] = []) {
        self.level = level
        self.message = message
        self.fields = fields
    }

    /// The value of field `key`, if the event has it.
    public subscript(key: String) -> String? { fields.first { $0.key == key }?.value }

    /// `message key=value …`, for logs and test failures.
    public var description: String {
        ([message] + fields.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
    }
}

/// Where storage events go: the server logs them, tests collect them.
public typealias StorageLog = @Sendable (StorageEvent) -> Void

/// What Go prints for a system error number (influxd's errors end with it, as in `mkdir
/// /data/db: not a directory`): the C library's text with its first letter in lower case.
public func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    let s = String(cString: text)
    guard let first = s.first else { return "errno \(code)" }
    return first.lowercased() + s.dropFirst()
}
