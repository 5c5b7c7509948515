import Foundation
import InfluxQL

/// The `params` form value of `/query`: a JSON object whose members bind `$name` in the query,
/// converted as 1.8 does (`BindValue`): numbers with a `.` are floats, others integers; an
/// object `{"type": value}` chooses the token (`identifier`, `regex`, `duration`, …).
enum BoundParameters {
    enum Failure: Error, Equatable {
        /// `error parsing query parameters: …`
        case syntax(String)
        /// `error parsing json value: …` (a top-level number that does not convert).
        case number(String)
    }

    indirect enum JSON: Equatable {
        case null, bool(Bool), number(String), string(String), array([JSON]), object([(String, JSON)])
        static func == (a: JSON, b: JSON) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case (.bool(let x), .bool(let y)): x == y
            case (.number(let x), .number(let y)): x == y
            case (.string(let x), .string(let y)): x == y
            case (.array(let x), .array(let y)): x == y
            case (.object(let x), .object(let y)): x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
            default: false
            }
        }
    }

    static func parse(_ text: String) throws(Failure) -> [String: BoundValue] {
        var reader = Reader(bytes: Array(text.utf8))
        let value = try reader.value()
        if value == .null { return [:] }
        guard case .object(let members) = value else {
            throw .syntax("json: cannot unmarshal \(value.goKind) into Go value of type map[string]interface {}")
        }
        var out: [String: BoundValue] = [:]
        for (name, member) in members {
            if case .number(let n) = member {
                switch number(n) {
                case .success(let bound): out[name] = bound
                case .failure(let message): throw .number(message)
                }
            } else {
                out[name] = bind(member)
            }
        }
        return out
    }

    /// `json.Number` → int64 or float64 → the literal's token.
    static func number(_ text: String) -> Conversion {
        if text.contains(".") {
            guard let f = Double(text), f.isFinite else { return .failure("strconv.ParseFloat: parsing \(GoQuote.quote(text)): value out of range") }
            return .success(BoundValue(token: .number, text: GoCSVFloat.format(f)))
        }
        guard let i = Int64(text) else {
            let reason = text.allSatisfy({ $0.isNumber || $0 == "-" }) ? "value out of range" : "invalid syntax"
            return .failure("strconv.ParseInt: parsing \(GoQuote.quote(text)): \(reason)")
        }
        return .success(BoundValue(token: .integer, text: String(i)))
    }

    enum Conversion {
        case success(BoundValue)
        case failure(String)
    }

    static func bind(_ value: JSON) -> BoundValue {
        func error(_ s: String) -> BoundValue { BoundValue(token: .boundParam, text: s) }
        switch value {
        case .number(let n):
            switch number(n) {
            case .success(let b): return b
            case .failure(let m): return error(m)
            }
        case .string(let s): return BoundValue(token: .string, text: s)
        case .bool(let b): return BoundValue(token: b ? .true : .false, text: "")
        case .null: return error("unable to bind parameter with type <nil>")
        case .array: return error("unable to bind parameter with type []interface {}")
        case .object(let members):
            guard members.count == 1, let (kind, inner) = members.first else {
                return error("bound object parameter value must have exactly one entry")
            }
            var numeric: BoundValue?
            if case .number(let n) = inner {
                switch number(n) {
                case .success(let b): numeric = b
                case .failure(let m): return error(m)
                }
            }
            switch kind {
            case "ident", "identifier":
                guard case .string(let s) = inner else { return error("identifier must be a string value") }
                return BoundValue(token: .ident, text: s)
            case "regex":
                guard case .string(let s) = inner else { return error("regex literal must be a string value") }
                return BoundValue(token: .regex, text: s)
            case "string":
                guard case .string(let s) = inner else { return error("string literal must be a string value") }
                return BoundValue(token: .string, text: s)
            case "float", "number":
                guard let numeric else { return error("number literal must be a float value") }
                return BoundValue(token: .number, text: numeric.text)
            case "int", "integer":
                guard let numeric, numeric.token == .integer else { return error("integer literal must be an integer value") }
                return numeric
            case "duration":
                if case .string(let s) = inner { return BoundValue(token: .durationVal, text: s) }
                guard let numeric, numeric.token == .integer, let ns = Int64(numeric.text) else {
                    return error("duration literal must be a string or integer value")
                }
                return BoundValue(token: .durationVal, text: InfluxQL.Duration.format(ns))
            default:
                return error("unknown bind object type: \(kind)")
            }
        }
    }

    /// A small JSON reader that keeps number text as written (Go's `UseNumber`).
    struct Reader {
        let bytes: [UInt8]
        var i = 0
        /// Arrays and objects open around the current value. Go before 1.15 recursed without
        /// limit; 1.15+ stops at 10,000 with this text. Sundial stops at 1,000 (no parameter
        /// can be an array or object anyway), well inside its 8 MiB stacks.
        var depth = 0
        static let maxDepth = 1_000

        mutating func enter() throws(Failure) {
            depth += 1
            if depth > Self.maxDepth { throw .syntax("exceeded max depth") }
        }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        func unexpected(_ context: String) -> Failure {
            guard i < bytes.count else { return .syntax("unexpected EOF") }
            let c = bytes[i]
            let shown = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "'\\x%02x'", c)
            return .syntax("invalid character \(shown) \(context)")
        }

        mutating func value() throws(Failure) -> JSON {
            skipSpace()
            guard i < bytes.count else { throw .syntax("EOF") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                try enter()
                defer { depth -= 1 }
                var members: [(String, JSON)] = []
                skipSpace()
                if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw unexpected("looking for beginning of object key string") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw unexpected("after object key") }
                    i += 1
                    let v = try value()
                    if let at = members.firstIndex(where: { $0.0 == key }) { members[at].1 = v } else { members.append((key, v)) }
                    skipSpace()
                    guard i < bytes.count else { throw .syntax("unexpected EOF") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    throw unexpected("after object key:value pair")
                }
            case UInt8(ascii: "["):
                i += 1
                try enter()
                defer { depth -= 1 }
                var items: [JSON] = []
                skipSpace()
                if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard i < bytes.count else { throw .syntax("unexpected EOF") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw unexpected("after array element")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = i
                i += 1
                while i < bytes.count, "0123456789.eE+-".utf8.contains(bytes[i]) { i += 1 }
                return .number(String(decoding: bytes[start..<i], as: UTF8.self))
            default:
                throw unexpected("looking for beginning of value")
            }
        }

        mutating func literal(_ word: String, _ v: JSON) throws(Failure) -> JSON {
            let w = Array(word.utf8)
            for b in w {
                guard i < bytes.count else { throw .syntax("unexpected EOF") }
                guard bytes[i] == b else { throw unexpected("in literal \(word) (expecting '\(Character(Unicode.Scalar(b)))')") }
                i += 1
            }
            return v
        }

        mutating func string() throws(Failure) -> String {
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if b == UInt8(ascii: "\\") {
                    i += 1
                    guard i < bytes.count else { break }
                    switch bytes[i] {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard i + 4 < bytes.count, let v = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16) else {
                            throw unexpected("in \\u hexadecimal character escape")
                        }
                        out += Array(String(Unicode.Scalar(v).map(Character.init) ?? "\u{FFFD}").utf8)
                        i += 4
                    default: out.append(bytes[i])
                    }
                    i += 1
                    continue
                }
                out.append(b)
                i += 1
            }
            throw .syntax("unexpected EOF")
        }
    }
}

extension BoundParameters.JSON {
    /// The Go type name `json.Unmarshal` reports for a value that is not an object.
    var goKind: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
