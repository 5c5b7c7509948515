import Foundation
import InfluxQL
import LineProtocol
import Query

/// A `/query` response body: the statement results, or a top-level error (1.x `Response`).
struct QueryResponse: Sendable {
    var results: [StatementResult] = []

    /// 1.x's buffering of a non-chunked response: results for the same statement merge (an
    /// error replaces what came before; rows of the same series join), and `max-row-limit`
    /// truncates series, marking them partial.
    static func buffered(_ raw: [StatementResult], maxRowLimit: Int) -> QueryResponse {
        var out: [StatementResult] = []
        var rows = 0
        for var r in raw {
            if maxRowLimit > 0 {
                for i in r.series.indices {
                    let n = maxRowLimit - rows
                    if n < r.series[i].values.count {
                        r.series[i].values = Array(r.series[i].values.prefix(max(n, 0)))
                        r.series[i].partial = true
                    }
                    rows += r.series[i].values.count
                    if rows >= maxRowLimit {
                        r.series = Array(r.series.prefix(i + 1))
                        break
                    }
                }
            }
            if let last = out.last, last.statementID == r.statementID {
                if r.error != nil {
                    out[out.count - 1] = r
                    continue
                }
                var merged = last
                var used = 0
                if var lastSeries = merged.series.last {
                    for row in r.series {
                        guard row.name == lastSeries.name && row.tags == lastSeries.tags else { break }
                        lastSeries.values += row.values
                        used += 1
                    }
                    merged.series[merged.series.count - 1] = lastSeries
                }
                merged.series += r.series.dropFirst(used)
                merged.messages += r.messages
                merged.partial = r.partial
                out[out.count - 1] = merged
            } else {
                out.append(r)
            }
            if maxRowLimit > 0 && rows >= maxRowLimit {
                out[out.count - 1].partial = false
                break
            }
        }
        return QueryResponse(results: out)
    }

    /// The body in the client's format; `epoch` converts times to integers in that unit.
    func encoded(_ format: ResponseFormat, epoch: String) -> [UInt8] {
        switch format {
        case .json(let pretty):
            // Go's encoder refuses ±Inf (1.x turns NaN into null first): 1.x writes the error
            // in place of the document, status unchanged.
            if let bad = firstInfinity() {
                let text = "json: error calling MarshalJSON for type httpd.Response: json: error calling MarshalJSON for type *query.Result: "
                    + "json: unsupported value: \(bad < 0 ? "-Inf" : "+Inf")\n"
                return Array(text.utf8)
            }
            var body = pretty ? GoJSONIndent.indent(json(epoch: epoch)) : json(epoch: epoch)
            body.append(UInt8(ascii: "\n"))  // in place: a large answer is not copied again
            return body
        case .csv: return csv(epoch: epoch)
        case .msgpack: return msgpack(epoch: epoch)
        }
    }

    // MARK: JSON

    /// The first infinite float of the answer, in the order Go's encoder meets values.
    func firstInfinity() -> Double? {
        for r in results {
            for row in r.series {
                for values in row.values {
                    for case .float(let f) in values where f.isInfinite { return f }
                }
            }
        }
        return nil
    }

    func json(epoch: String) -> [UInt8] {
        var out: [UInt8] = []
        // About 12 bytes a value: one allocation for a large answer instead of regrowing it.
        out.reserveCapacity(64 + results.reduce(0) { $0 + $1.series.reduce(0) { $0 + $1.values.count * ($1.columns.count * 12 + 4) } })
        out.append(contentsOf: "{\"results\":[".utf8)
        let divisor = Self.epochDivisor(epoch)
        for (i, r) in results.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "{\"statement_id\":".utf8)
            DecimalText.append(Int64(r.statementID), to: &out)
            if !r.series.isEmpty {
                out.append(contentsOf: ",\"series\":[".utf8)
                for (j, row) in r.series.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    Self.appendJSON(row, divisor: divisor, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
            if !r.messages.isEmpty {
                out.append(contentsOf: ",\"messages\":[".utf8)
                for (j, m) in r.messages.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: "{\"level\":".utf8)
                    GoJSON.appendString(m.level, to: &out)
                    out.append(contentsOf: ",\"text\":".utf8)
                    GoJSON.appendString(m.text, to: &out)
                    out.append(UInt8(ascii: "}"))
                }
                out.append(UInt8(ascii: "]"))
            }
            if r.partial { out.append(contentsOf: ",\"partial\":true".utf8) }
            if let error = r.error {
                out.append(contentsOf: ",\"error\":".utf8)
                GoJSON.appendString(error, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        // Go's omitempty drops an empty results list.
        return results.isEmpty ? Array("{}".utf8) : out
    }

    /// One series object, written straight into `out`; `divisor` is `epochDivisor(epoch)`.
    static func appendJSON(_ row: Row, divisor: Int64?, to out: inout [UInt8]) {
        var first = true
        func key(_ k: String) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            GoJSON.appendString(k, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        if !row.name.isEmpty {
            key("name")
            GoJSON.appendString(row.name, to: &out)
        }
        if !row.tags.isEmpty {
            key("tags")
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in row.tags.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GoJSON.appendString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                GoJSON.appendString(v, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        if !row.columns.isEmpty {
            key("columns")
            out.append(UInt8(ascii: "["))
            for (i, c) in row.columns.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GoJSON.appendString(c, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        if !row.values.isEmpty {
            key("values")
            out.append(UInt8(ascii: "["))
            for (i, values) in row.values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "["))
                for (j, v) in values.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    appendJSON(v, divisor: divisor, zone: row.zone, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "]"))
        }
        if row.partial {
            key("partial")
            out.append(contentsOf: "true".utf8)
        }
        if first { out.append(UInt8(ascii: "{")) }
        out.append(UInt8(ascii: "}"))
    }

    static func appendJSON(_ v: Value, divisor: Int64?, zone: Zone? = nil, to out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        // 1.x's cursor turns a NaN into null before any writer sees it.
        case .float(let f) where f.isNaN: out.append(contentsOf: "null".utf8)
        case .float(let f): GoJSONNumber.append(f, to: &out)
        case .integer(let i): DecimalText.append(i, to: &out)
        case .unsigned(let u): DecimalText.append(u, to: &out)
        case .string(let s): GoJSON.appendString(s, to: &out)
        case .boolean(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .time(let t):
            if let divisor {
                DecimalText.append(t / divisor, to: &out)
            } else {
                // RFC 3339 text never needs JSON escaping.
                out.append(UInt8(ascii: "\""))
                if let zone { RFC3339.append(t, zone: zone, to: &out) } else { RFC3339.append(t, to: &out) }
                out.append(UInt8(ascii: "\""))
            }
        case .strings(let list):
            out.append(UInt8(ascii: "["))
            for (i, s) in list.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GoJSON.appendString(s, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// 1.x's `convertToEpoch` units; anything else leaves times as RFC 3339.
    static func epochDivisor(_ epoch: String) -> Int64? {
        switch epoch {
        case "ns": 1
        case "u": 1_000  // 1.x knows no other spelling: "µ", "us" read as ns
        case "ms": 1_000_000
        case "s": 1_000_000_000
        case "m": 60_000_000_000
        case "h": 3_600_000_000_000
        case "": nil
        default: 1
        }
    }

    // MARK: CSV

    /// 1.x's CSV formatter: a header per statement (and whenever the columns change), `name`
    /// and `tags` first; statements without series and errors write nothing.
    func csv(epoch: String) -> [UInt8] {
        var out: [UInt8] = []
        let divisor = Self.epochDivisor(epoch) ?? 1
        var statementID = -1
        // 1.x's writer reuses one slice of cells per statement; a Go `int` value leaves its
        // cell as it was (``Row/goIntColumns``), so such cells are tracked.
        var cells: [[UInt8]] = []
        func line(_ fields: [String]) {
            cells = fields.dropFirst(2).map { CSVField.escape(Array($0.utf8)) }
            for (i, f) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += CSVField.escape(Array(f.utf8))
            }
            out.append(UInt8(ascii: "\n"))
        }
        for r in results {
            if r.statementID != statementID {
                guard let first = r.series.first else { continue }
                if statementID >= 0 { out.append(UInt8(ascii: "\n")) }
                statementID = r.statementID
                line(["name", "tags"] + first.columns)
            }
            for (i, row) in r.series.enumerated() {
                if i > 0 && r.series[i - 1].columns != row.columns {
                    out.append(UInt8(ascii: "\n"))
                    line(["name", "tags"] + row.columns)
                }
                // models.Tags.HashKey without its leading comma: sorted by key, escaped as
                // in a series key, empty values left out.
                var tags: [UInt8] = []
                for (k, v) in row.tags.filter({ !$0.value.isEmpty }).sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
                    if !tags.isEmpty { tags.append(UInt8(ascii: ",")) }
                    Escaping.escape(k, Escaping.tag, into: &tags)
                    tags.append(UInt8(ascii: "="))
                    Escaping.escape(v, Escaping.tag, into: &tags)
                }
                // The series' name and tags once; each value appended as bytes (a large answer
                // made no String per value).
                var prefix = CSVField.escape(Array(row.name.utf8))
                prefix.append(UInt8(ascii: ","))
                prefix += CSVField.escape(tags)
                for values in row.values {
                    out += prefix
                    for (c, v) in values.enumerated() {
                        out.append(UInt8(ascii: ","))
                        guard !row.goIntColumns.isEmpty else {
                            Self.appendCSV(v, divisor: divisor, to: &out)
                            continue
                        }
                        if row.goIntColumns.contains(c), v != .null, c < cells.count {
                            out += cells[c]
                            continue
                        }
                        var cell: [UInt8] = []
                        Self.appendCSV(v, divisor: divisor, to: &cell)
                        if c < cells.count { cells[c] = cell }
                        out += cell
                    }
                    out.append(UInt8(ascii: "\n"))
                }
            }
        }
        return out
    }

    /// One CSV value as bytes: numbers, times and booleans never need quoting (Go's
    /// `fieldNeedsQuotes`), strings are escaped.
    static func appendCSV(_ v: Value, divisor: Int64, to out: inout [UInt8]) {
        switch v {
        case .null, .strings: return
        case .float(let f) where f.isNaN: return
        case .float(let f): out.append(contentsOf: GoCSVFloat.format(f).utf8)
        case .integer(let i): DecimalText.append(i, to: &out)
        case .unsigned(let u): DecimalText.append(u, to: &out)
        case .string(let s): out += CSVField.escape(Array(s.utf8))
        case .boolean(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .time(let t): DecimalText.append(t / divisor, to: &out)
        }
    }

    // MARK: msgpack

    func msgpack(epoch: String) -> [UInt8] {
        var out: [UInt8] = [0x81]
        let divisor = Self.epochDivisor(epoch)
        MessagePack.appendString("results", to: &out)
        MessagePack.appendArrayHeader(results.count, to: &out)
        for r in results {
            if let error = r.error {
                out.append(0x81)
                MessagePack.appendString("error", to: &out)
                MessagePack.appendString(error, to: &out)
                continue
            }
            out.append(0x80 | UInt8(2 + (r.messages.isEmpty ? 0 : 1) + (r.partial ? 1 : 0)))
            MessagePack.appendString("statement_id", to: &out)
            MessagePack.appendInt(Int64(r.statementID), to: &out)
            if !r.messages.isEmpty {
                MessagePack.appendString("messages", to: &out)
                MessagePack.appendArrayHeader(r.messages.count, to: &out)
                for m in r.messages {
                    out.append(0x82)
                    MessagePack.appendString("level", to: &out)
                    MessagePack.appendString(m.level, to: &out)
                    MessagePack.appendString("text", to: &out)
                    MessagePack.appendString(m.text, to: &out)
                }
            }
            MessagePack.appendString("series", to: &out)
            MessagePack.appendArrayHeader(r.series.count, to: &out)
            for row in r.series {
                out.append(0x80 | UInt8(2 + (row.name.isEmpty ? 0 : 1) + (row.tags.isEmpty ? 0 : 1) + (row.partial ? 1 : 0)))
                if !row.name.isEmpty {
                    MessagePack.appendString("name", to: &out)
                    MessagePack.appendString(row.name, to: &out)
                }
                if !row.tags.isEmpty {
                    MessagePack.appendString("tags", to: &out)
                    out.append(0x80 | UInt8(min(row.tags.count, 15)))
                    for (k, v) in row.tags.sorted(by: { $0.key < $1.key }) {
                        MessagePack.appendString(k, to: &out)
                        MessagePack.appendString(v, to: &out)
                    }
                }
                MessagePack.appendString("columns", to: &out)
                MessagePack.appendArrayHeader(row.columns.count, to: &out)
                for c in row.columns { MessagePack.appendString(c, to: &out) }
                MessagePack.appendString("values", to: &out)
                MessagePack.appendArrayHeader(row.values.count, to: &out)
                for values in row.values {
                    MessagePack.appendArrayHeader(values.count, to: &out)
                    for v in values { MessagePack.appendValue(v, divisor: divisor, to: &out) }
                }
                if row.partial {
                    MessagePack.appendString("partial", to: &out)
                    out.append(0xC3)
                }
            }
            if r.partial {
                MessagePack.appendString("partial", to: &out)
                out.append(0xC3)
            }
        }
        return out
    }
}

/// `strconv.FormatFloat(v, 'f', -1, 64)`, as the CSV writer prints floats.
enum GoCSVFloat {
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        let text = GoJSONNumber.float(v)
        guard let e = text.firstIndex(of: "e") else { return text }
        // Expand the exponent form into plain digits.
        let mantissa = text[..<e].replacingOccurrences(of: "-", with: "")
        let exp = Int(text[text.index(after: e)...])!
        let digits = mantissa.replacingOccurrences(of: ".", with: "")
        let point = (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count) + exp
        let sign = v < 0 ? "-" : ""
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        return sign + digits.prefix(point) + "." + digits.dropFirst(point)
    }
}

/// Go's `json.Indent` with a four-space indent, as `MarshalIndent` applies it.
enum GoJSONIndent {
    static func indent(_ compact: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(compact.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        var needIndent = false
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out += [UInt8](repeating: UInt8(ascii: " "), count: depth * 4)
        }
        for b in compact {
            if inString {
                out.append(b)
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if needIndent && b != UInt8(ascii: "]") && b != UInt8(ascii: "}") {
                needIndent = false
                depth += 1
                newline()
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                out.append(b)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(b)
                needIndent = true
            case UInt8(ascii: ","):
                out.append(b)
                newline()
            case UInt8(ascii: ":"):
                out += [b, UInt8(ascii: " ")]
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if needIndent {
                    needIndent = false
                } else {
                    depth -= 1
                    newline()
                }
                out.append(b)
            default:
                out.append(b)
            }
        }
        return out
    }
}
