import Foundation
import GoText

/// 1.x's snapshotter request types: the byte after the mux header (services/snapshotter).
public enum SnapshotRequestType: UInt8, Sendable {
    case shardBackup = 0
    case metastoreBackup = 1
    case seriesFileBackup = 2
    case databaseInfo = 3
    case retentionPolicyInfo = 4
    case shardExport = 5
    case metaStoreUpdate = 6
    case shardUpdate = 7
}

/// The multiplexer header byte of the snapshotter on the TCP `bind-address`.
public let snapshotterMuxHeader: UInt8 = 3
/// The magic number starting a metastore backup and a meta update's answer.
public let backupMagicHeader: UInt64 = 0x5959_0101

/// A snapshotter request as 1.x's JSON encodes it (`snapshotter.Request`). Times are Unix
/// nanoseconds; Go's zero time (`0001-01-01T00:00:00Z`) is ``SnapshotRequest/zeroTime``.
public struct SnapshotRequest: Sendable, Equatable {
    public var type: UInt8
    public var backupDatabase = ""
    public var restoreDatabase = ""
    public var backupRetentionPolicy = ""
    public var restoreRetentionPolicy = ""
    public var shardID: UInt64 = 0
    public var since: Int64 = SnapshotRequest.zeroTime
    public var exportStart: Int64 = SnapshotRequest.zeroTime
    public var exportEnd: Int64 = SnapshotRequest.zeroTime
    public var uploadSize: Int64 = 0

    /// Go's zero `time.Time` (and any time before 1677), which no shard file predates.
    public static let zeroTime = Int64.min

    public init(type: SnapshotRequestType) { self.type = type.rawValue }

    /// The JSON 1.x's client sends (Go's `json.Encoder`: fields in declaration order, times in
    /// RFC 3339 with nanoseconds, a trailing newline).
    public var json: [UInt8] {
        var out = "{\"Type\":\(type),\"BackupDatabase\":\(GoJSONString.quote(backupDatabase)),\"RestoreDatabase\":\(GoJSONString.quote(restoreDatabase))"
        out += ",\"BackupRetentionPolicy\":\(GoJSONString.quote(backupRetentionPolicy)),\"RestoreRetentionPolicy\":\(GoJSONString.quote(restoreRetentionPolicy))"
        out += ",\"ShardID\":\(shardID),\"Since\":\"\(GoTime.format(since))\",\"ExportStart\":\"\(GoTime.format(exportStart))\""
        out += ",\"ExportEnd\":\"\(GoTime.format(exportEnd))\",\"UploadSize\":\(uploadSize)}\n"
        return Array(out.utf8)
    }

    /// Why a request could not be read (the text 1.x's server logs).
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Decodes a request as Go's `json.Decoder` does: field names match case-insensitively,
    /// unknown fields are ignored, a missing field keeps its zero value.
    public static func decode(_ bytes: [UInt8], type: UInt8) throws(DecodeError) -> SnapshotRequest {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? [String: Any] else {
                throw DecodeError(description: "json: cannot unmarshal into Go value of type snapshotter.Request")
            }
            object = parsed
        } catch let error as DecodeError {
            throw error
        } catch {
            throw DecodeError(description: "invalid character in request: \(error.localizedDescription)")
        }
        var fields: [String: Any] = [:]
        for (key, value) in object { fields[key.lowercased()] = value }
        var request = SnapshotRequest(type: .shardBackup)
        request.type = type
        func text(_ name: String) throws(DecodeError) -> String {
            guard let value = fields[name.lowercased()], !(value is NSNull) else { return "" }
            guard let s = value as? String else { throw DecodeError(description: "json: cannot unmarshal \(name) into Go struct field Request.\(name) of type string") }
            return s
        }
        func integer(_ name: String) throws(DecodeError) -> NSNumber? {
            guard let value = fields[name.lowercased()], !(value is NSNull) else { return nil }
            guard let n = value as? NSNumber, !(value is Bool) || String(cString: n.objCType) != "c" else {
                throw DecodeError(description: "json: cannot unmarshal \(name) into Go struct field Request.\(name) of type int")
            }
            return n
        }
        func time(_ name: String) throws(DecodeError) -> Int64 {
            let s = try text(name)
            if s.isEmpty && fields[name.lowercased()] == nil { return zeroTime }
            guard let t = GoTime.parse(s) else {
                throw DecodeError(description: "parsing time \"\(s)\" as \"2006-01-02T15:04:05Z07:00\": cannot parse")
            }
            return t
        }
        request.backupDatabase = try text("BackupDatabase")
        request.restoreDatabase = try text("RestoreDatabase")
        request.backupRetentionPolicy = try text("BackupRetentionPolicy")
        request.restoreRetentionPolicy = try text("RestoreRetentionPolicy")
        if let n = try integer("ShardID") {
            let d = n.doubleValue
            guard d >= 0, d == d.rounded(), d < 18_446_744_073_709_551_616 else {
                throw DecodeError(description: "json: cannot unmarshal number \(n) into Go struct field Request.ShardID of type uint64")
            }
            request.shardID = n.uint64Value
        }
        if let n = try integer("UploadSize") {
            guard n.doubleValue >= -9.2e18, n.doubleValue <= 9.2e18, n.doubleValue == n.doubleValue.rounded() else {
                throw DecodeError(description: "json: cannot unmarshal number \(n) into Go struct field Request.UploadSize of type int64")
            }
            request.uploadSize = n.int64Value
        }
        request.since = try time("Since")
        request.exportStart = try time("ExportStart")
        request.exportEnd = try time("ExportEnd")
        return request
    }
}

/// The answer to a database or retention policy info request (`snapshotter.Response`).
public struct SnapshotInfo: Sendable, Equatable {
    /// Shard directories relative to the data directory: `db/rp/id`.
    public var paths: [String]

    public init(paths: [String]) { self.paths = paths }

    /// Go's encoding: `{"Paths":[...]}` (`null` when there are none) and a newline.
    public var json: [UInt8] {
        let list = paths.isEmpty ? "null" : "[" + paths.map { GoJSONString.quote($0) }.joined(separator: ",") + "]"
        return Array("{\"Paths\":\(list)}\n".utf8)
    }

    public static func decode(_ bytes: [UInt8]) -> SnapshotInfo? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        let paths = object.first { $0.key.lowercased() == "paths" }?.value as? [String] ?? []
        return SnapshotInfo(paths: paths)
    }
}

/// Go's times as the snapshotter's requests and the commands' flags carry them.
extension GoTime {
    /// `time.Parse(time.RFC3339, text)` as Unix nanoseconds clamped to Int64: Go's zero time
    /// and anything before 1677 read as ``SnapshotRequest/zeroTime``. Nil where Go refuses the
    /// text (``parseError(_:)`` says why).
    public static func parse(_ text: String) -> Int64? {
        guard case .success(let parts) = parseRFC3339Parts(text) else { return nil }
        let ns = Int128(parts.seconds) * 1_000_000_000 + Int128(parts.nanos)
        if ns < Int128(Int64.min) { return SnapshotRequest.zeroTime }
        if ns > Int128(Int64.max) { return Int64.max }
        return Int64(ns)
    }

    /// Go's error for text ``parse(_:)`` refuses.
    public static func parseError(_ text: String) -> String {
        if case .failure(let error) = parseRFC3339Parts(text) { return error.description }
        return ""
    }

    /// RFC3339Nano in UTC as Go's JSON writes a time; ``SnapshotRequest/zeroTime`` is Go's
    /// zero time.
    public static func format(_ ns: Int64) -> String {
        ns == SnapshotRequest.zeroTime ? "0001-01-01T00:00:00Z" : rfc3339(ns, nano: true)
    }

    /// Go's `Format(time.RFC3339)` of a time parsed from `text`: the text as given, without
    /// its fraction of a second (the zone kept as written).
    public static func rfc3339Seconds(of text: String) -> String {
        guard let dot = text.firstIndex(of: ".") else { return text }
        let zone = text[dot...].drop { $0 == "." || ($0.isASCII && $0.isNumber) }
        return String(text[..<dot]) + zone
    }
}
