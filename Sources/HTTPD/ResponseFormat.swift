import HTTPTypes
import Query
import Foundation
import Hummingbird

/// The body format a client asked for with `Accept` (1.6 matches the header value exactly).
enum ResponseFormat: Sendable, Equatable {
    case json(pretty: Bool)
    case csv
    case msgpack

    init(accept: String?, pretty: Bool) {
        switch accept {
        case "application/csv", "text/csv": self = .csv
        case "application/x-msgpack": self = .msgpack
        default: self = .json(pretty: pretty)
        }
    }

    /// The `Content-Type` 1.x adds to every routed response, errors and 204s included.
    var contentType: String {
        switch self {
        case .json: "application/json"
        case .csv: "text/csv"
        case .msgpack: "application/x-msgpack"
        }
    }

    /// A top-level error response body: `{"error":"…"}` and its CSV and msgpack equivalents.
    func errorBody(_ message: [UInt8]) -> [UInt8] {
        switch self {
        case .json(let pretty):
            var out: [UInt8] = Array((pretty ? "{\n    \"error\": " : "{\"error\":").utf8)
            GoJSON.appendString(bytes: message, to: &out)
            out += Array((pretty ? "\n}\n" : "}\n").utf8)
            return out
        case .csv:
            return Array("error\n".utf8) + CSVField.escape(message) + [UInt8(ascii: "\n")]
        case .msgpack:
            var out: [UInt8] = [0x81]
            MessagePack.appendString("error", to: &out)
            MessagePack.appendString(bytes: message, to: &out)
            return out
        }
    }
}

/// Go's `encoding/csv` quoting rules (bytes pass through as they are).
enum CSVField {
    static func escape(_ field: [UInt8]) -> [UInt8] {
        let needsQuotes = field == Array("\\.".utf8)
            || field.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") })
            || field.first.map { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } == true
        guard needsQuotes else { return field }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in field {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}

/// The few MessagePack forms the responses use.
enum MessagePack {
    static func appendString(_ s: String, to out: inout [UInt8]) {
        appendString(bytes: Array(s.utf8), to: &out)
    }

    static func appendString(bytes: [UInt8], to out: inout [UInt8]) {
        switch bytes.count {
        case 0..<32: out.append(0xA0 | UInt8(bytes.count))
        case 32..<256: out += [0xD9, UInt8(bytes.count)]
        case 256..<65536: out += [0xDA, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)]
        default:
            out.append(0xDB)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { out += $0 }
        }
        out += bytes
    }
}

extension MessagePack {
    static func appendArrayHeader(_ n: Int, to out: inout [UInt8]) {
        if n < 16 {
            out.append(0x90 | UInt8(n))
        } else if n < 65536 {
            out += [0xDC, UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            out.append(0xDD)
            withUnsafeBytes(of: UInt32(n).bigEndian) { out += $0 }
        }
    }

    /// msgp's `WriteInt64`: the smallest signed form.
    static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        switch v {
        case 0...127: out.append(UInt8(v))
        case -32 ..< 0: out.append(UInt8(bitPattern: Int8(v)))
        case -128...127: out += [0xD0, UInt8(bitPattern: Int8(v))]
        case -32768...32767: out.append(0xD1); withUnsafeBytes(of: Int16(v).bigEndian) { out += $0 }
        case -2_147_483_648...2_147_483_647: out.append(0xD2); withUnsafeBytes(of: Int32(v).bigEndian) { out += $0 }
        default: out.append(0xD3); withUnsafeBytes(of: v.bigEndian) { out += $0 }
        }
    }

    /// One value; `divisor` is `QueryResponse.epochDivisor(epoch)` (nil: times as msgp's time extension).
    static func appendValue(_ v: Value, divisor: Int64?, to out: inout [UInt8]) {
        switch v {
        case .null: out.append(0xC0)
        case .float(let f) where f.isNaN: out.append(0xC0)
        case .float(let f): out.append(0xCB); withUnsafeBytes(of: f.bitPattern.bigEndian) { out += $0 }
        case .integer(let i): appendInt(i, to: &out)
        case .unsigned(let u):
            if u <= 127 { out.append(UInt8(u)) } else { out.append(0xCF); withUnsafeBytes(of: u.bigEndian) { out += $0 } }
        case .string(let s): appendString(s, to: &out)
        case .boolean(let b): out.append(b ? 0xC3 : 0xC2)
        case .time(let t):
            if let divisor {
                appendInt(t / divisor, to: &out)
            } else {
                // msgp's time extension (type 5): seconds and nanoseconds, big-endian.
                var secs = t / 1_000_000_000
                var nanos = t % 1_000_000_000
                if nanos < 0 { nanos += 1_000_000_000; secs -= 1 }
                out += [0xC7, 12, 5]
                withUnsafeBytes(of: secs.bigEndian) { out += $0 }
                withUnsafeBytes(of: Int32(nanos).bigEndian) { out += $0 }
            }
        case .strings(let list):
            appendArrayHeader(list.count, to: &out)
            for s in list { appendString(s, to: &out) }
        }
    }
}
