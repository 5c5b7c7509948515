import Coordinator
import Foundation
import InfluxQL
import LineProtocol
import TSDB

/// `SELECT … INTO`: the result rows become points of the target measurement (`:MEASUREMENT`
/// keeps each source's name), tags from GROUP BY, one field per non-time column; rows whose
/// fields are all null write nothing. The answer is 1.x's `result` series with the count.
enum SelectInto {
    static func points(from rows: [Row], target: InfluxQL.Measurement) -> [Point] {
        var text: [UInt8] = []
        for row in rows {
            let name = target.name.isEmpty ? row.name : target.name
            var key: [UInt8] = []
            escape(name, [",", " "], into: &key)
            for (k, v) in row.tags.sorted(by: { $0.key < $1.key }) where !v.isEmpty {
                key.append(UInt8(ascii: ","))
                escape(k, [",", "=", " "], into: &key)
                key.append(UInt8(ascii: "="))
                escape(v, [",", "=", " "], into: &key)
            }
            for values in row.values {
                guard case .time(let t) = values.first else { continue }
                var fields: [UInt8] = []
                for (column, value) in zip(row.columns.dropFirst(), values.dropFirst()) {
                    guard let encoded = fieldText(value) else { continue }
                    if !fields.isEmpty { fields.append(UInt8(ascii: ",")) }
                    escape(column, [",", "=", " "], into: &fields)
                    fields.append(UInt8(ascii: "="))
                    fields += encoded
                }
                guard !fields.isEmpty else { continue }
                text += key + [UInt8(ascii: " ")] + fields + Array(" \(t)\n".utf8)
            }
        }
        return LineProtocolParser.parse(text, options: ParseOptions(allowUnsigned: true, defaultTime: 0)).points
    }

    static func fieldText(_ v: Value) -> [UInt8]? {
        switch v {
        case .float(let f): return f.isFinite ? Array(GoJSONNumber.float(f).replacingOccurrences(of: "+", with: "").utf8) : nil
        case .integer(let i): return Array("\(i)i".utf8)
        case .unsigned(let u): return Array("\(u)u".utf8)
        case .boolean(let b): return Array((b ? "true" : "false").utf8)
        case .string(let s):
            var out: [UInt8] = [UInt8(ascii: "\"")]
            escape(s, ["\"", "\\"], into: &out)
            return out + [UInt8(ascii: "\"")]
        default: return nil
        }
    }

    static func escape(_ s: String, _ special: [Unicode.Scalar], into out: inout [UInt8]) {
        let set = Set(special.map { UInt8($0.value) })
        for b in s.utf8 {
            if set.contains(b) { out.append(UInt8(ascii: "\\")) }
            out.append(b)
        }
    }
}
