// TEMPORARY API STUB (lead engineer) — the LineProtocol helper deletes this file as instructed.
public enum Precision: Sendable, Hashable { case nanosecond, microsecond, millisecond, second, minute, hour
  public init(queryValue: String) { self = .nanosecond }
  public var nanosecondsPerUnit: Int64 { 1 } }
public enum FieldValue: Sendable, Hashable { case float(Double), integer(Int64), unsigned(UInt64), string(String), boolean(Bool) }
public struct ParseOptions: Sendable { public var precision: Precision; public var allowUnsigned: Bool; public var defaultTime: Int64
  public init(precision: Precision = .nanosecond, allowUnsigned: Bool = false, defaultTime: Int64) { self.precision = precision; self.allowUnsigned = allowUnsigned; self.defaultTime = defaultTime } }
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible { public var line: String; public var reason: String; public var description: String { "" } }
public struct ParseResult: Sendable { public var points: [Point]; public var errors: [LineError]; public var errorText: String? { nil } }
public enum LineProtocolParser {
  public static func parse(_ bytes: UnsafeRawBufferPointer, options: ParseOptions) -> ParseResult { fatalError() }
  public static func parse(_ bytes: [UInt8], options: ParseOptions) -> ParseResult { fatalError() } }
public struct Point: Sendable, Hashable {
  public var measurement: String { "" }
  public func tag(_ key: String) -> String? { nil }
  public var fields: [(key: String, value: FieldValue)] { [] }
  public var time: Int64 { 0 }
  public static func == (a: Point, b: Point) -> Bool { true }
  public func hash(into h: inout Hasher) {}
}
