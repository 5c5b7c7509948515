import Foundation

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
        var out = "{\"Type\":\(type),\"BackupDatabase\":\(GoJSONText.quote(backupDatabase)),\"RestoreDatabase\":\(GoJSONText.quote(restoreDatabase))"
        out += ",\"BackupRetentionPolicy\":\(GoJSONText.quote(backupRetentionPolicy)),\"RestoreRetentionPolicy\":\(GoJSONText.quote(restoreRetentionPolicy))"
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
        let list = paths.isEmpty ? "null" : "[" + paths.map(GoJSONText.quote).joined(separator: ",") + "]"
        return Array("{\"Paths\":\(list)}\n".utf8)
    }

    public static func decode(_ bytes: [UInt8]) -> SnapshotInfo? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        let paths = object.first { $0.key.lowercased() == "paths" }?.value as? [String] ?? []
        return SnapshotInfo(paths: paths)
    }
}

/// Go's JSON string quoting (`encoding/json` with HTML escaping, as `json.Encoder` writes).
enum GoJSONText {
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}": out += String(format: "\\u%04x", scalar.value)
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// Go's `time.Time` in RFC 3339 (`RFC3339Nano` when written), as Unix nanoseconds clamped to
/// Int64 (Go's zero time and anything before 1677 read as ``SnapshotRequest/zeroTime``).
public enum GoTime {
    /// Parses `2006-01-02T15:04:05[.999999999](Z|±07:00)`.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 0x2D, let month = digits(5, 2), b[7] == 0x2D, let day = digits(8, 2),
              b[10] == 0x54 || b[10] == 0x74, let hour = digits(11, 2), b[13] == 0x3A, let minute = digits(14, 2), b[16] == 0x3A,
              let second = digits(17, 2), (1...12).contains(month), day >= 1, day <= daysIn(month, year), hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        var nanos = 0
        if i < b.count && b[i] == 0x2E {
            i += 1
            var count = 0
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 {
                if count < 9 { nanos = nanos * 10 + Int(b[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<9 where count < 9 { nanos *= 10 }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            guard let h = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let m = digits(i + 4, 2) else { return nil }
            offset = (h * 60 + m) * 60 * (b[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = Int128(days) * 86_400 + Int128(hour * 3600 + minute * 60 + second - offset)
        let ns = seconds * 1_000_000_000 + Int128(nanos)
        if ns < Int128(Int64.min) { return SnapshotRequest.zeroTime }
        if ns > Int128(Int64.max) { return Int64.max }
        return Int64(ns)
    }

    /// RFC3339Nano in UTC (trailing zeros of the fraction dropped); ``SnapshotRequest/zeroTime``
    /// is Go's zero time.
    public static func format(_ ns: Int64) -> String {
        if ns == SnapshotRequest.zeroTime { return "0001-01-01T00:00:00Z" }
        let seconds = ns >= 0 ? ns / 1_000_000_000 : (ns - 999_999_999) / 1_000_000_000
        let nanos = Int(ns - seconds * 1_000_000_000)
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        var out = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, rest / 3600, rest / 60 % 60, rest % 60)
        if nanos > 0 {
            var fraction = String(format: "%09d", nanos)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        return out + "Z"
    }

    /// Seconds (Unix) → `2006-01-02T15:04:05Z` (Go's `time.RFC3339` of a UTC time).
    public static func formatSeconds(_ seconds: Int64) -> String { format(seconds &* 1_000_000_000) }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension GoTime {
    /// Go's `time.Parse(time.RFC3339, text)` error for text ``parse(_:)`` refuses: the first
    /// layout element the text does not match (`cannot parse "<rest>" as "<element>"`), a field
    /// out of range, or text after the zone.
    public static func parseError(_ text: String) -> String {
        let layout = "2006-01-02T15:04:05Z07:00"
        var rest = Substring(text)
        func cannot(_ element: String) -> String { "parsing time \"\(text)\" as \"\(layout)\": cannot parse \"\(rest)\" as \"\(element)\"" }
        func range(_ what: String) -> String { "parsing time \"\(text)\": \(what) out of range" }
        func number(_ digits: Int, fixed: Bool) -> Int? {
            let taken = rest.prefix(digits).prefix { $0.isASCII && $0.isNumber }
            guard taken.count == digits || (!fixed && !taken.isEmpty) else { return nil }
            rest = rest.dropFirst(taken.count)
            return Int(taken)
        }
        func literal(_ s: String) -> Bool {
            guard rest.hasPrefix(s) else { return false }
            rest = rest.dropFirst(s.count)
            return true
        }
        guard let year = number(4, fixed: true) else { return cannot("2006") }
        guard literal("-") else { return cannot("-") }
        guard let month = number(2, fixed: true) else { return cannot("01") }
        guard (1...12).contains(month) else { return range("month") }
        guard literal("-") else { return cannot("-") }
        guard let day = number(2, fixed: true) else { return cannot("02") }
        guard literal("T") else { return cannot("T") }
        guard let hour = number(2, fixed: false) else { return cannot("15") }
        guard hour < 24 else { return range("hour") }
        guard literal(":") else { return cannot(":") }
        guard let minute = number(2, fixed: true) else { return cannot("04") }
        guard minute < 60 else { return range("minute") }
        guard literal(":") else { return cannot(":") }
        guard let second = number(2, fixed: true) else { return cannot("05") }
        guard second < 60 else { return range("second") }
        if rest.hasPrefix("."), rest.dropFirst().first?.isNumber == true {
            rest = rest.dropFirst().drop { $0.isASCII && $0.isNumber }
        }
        if !literal("Z") {
            guard rest.count >= 6, rest.first == "+" || rest.first == "-" else { return cannot("Z07:00") }
            let sign = rest.first!
            rest = rest.dropFirst()
            guard number(2, fixed: true) != nil, literal(":"), number(2, fixed: true) != nil else {
                rest = Substring(String(sign)) + rest
                return cannot("Z07:00")
            }
        }
        guard rest.isEmpty else { return "parsing time \"\(text)\": extra text: \"\(rest)\"" }
        guard day >= 1 && day <= daysIn(month, year) else { return range("day") }
        return "parsing time \"\(text)\" as \"\(layout)\": cannot parse \"\" as \"2006\""
    }

    /// Go's `Format(time.RFC3339)` of a time parsed from `text`: the text as given, without
    /// its fraction of a second (the zone kept as written).
    public static func rfc3339Seconds(of text: String) -> String {
        guard let dot = text.firstIndex(of: ".") else { return text }
        let zone = text[dot...].drop { $0 == "." || ($0.isASCII && $0.isNumber) }
        return String(text[..<dot]) + zone
    }
}
