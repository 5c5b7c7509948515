import HTTPTypes
import Foundation
import Hummingbird

/// The body format a client asked for with `Accept` (1.6 matches the header value exactly).
enum ResponseFormat: Sendable {
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
