import HTTPD
import TOMLKit

extension ConfigKey {
    /// Sets this key from a TOML value, accepting the spellings 1.x accepts
    /// (sizes and durations as strings, sizes also as integers).
    func apply(_ value: any TOMLValueConvertible, to section: inout Section, path: String) throws(ConfigError) {
        let mismatch = ConfigError("\(path): cannot load \(value.debugDescription) into \(typeName)")
        switch kind {
        case .bool(let kp):
            guard let b = value.bool else { throw mismatch }
            section[keyPath: kp] = b
        case .int(let kp):
            guard let i = value.int else { throw mismatch }
            section[keyPath: kp] = i
        case .string(let kp):
            guard let s = value.string else { throw mismatch }
            section[keyPath: kp] = s
        case .duration(let kp):
            guard let s = value.string else { throw mismatch }
            // An empty duration leaves the default in place, as in 1.x.
            if !s.isEmpty { section[keyPath: kp] = try GoDuration(parsing: s) }
        case .size(let kp):
            if let i = value.int, i >= 0 {
                section[keyPath: kp] = ByteSize(bytes: UInt64(i))
            } else if let s = value.string {
                section[keyPath: kp] = try ByteSize(parsing: s)
            } else {
                throw mismatch
            }
        case .strings(let kp):
            guard let array = value.array else { throw mismatch }
            var out: [String] = []
            for element in array {
                guard let s = element.string else { throw mismatch }
                out.append(s)
            }
            section[keyPath: kp] = out
        case .stringMap(let kp):
            guard let table = value.table else { throw mismatch }
            var out: [String: String] = [:]
            for (k, v) in table {
                guard let s = v.string else { throw mismatch }
                out[k] = s
            }
            section[keyPath: kp] = out
        case .fileMode(let kp):
            guard let s = value.string else { throw mismatch }
            if !s.isEmpty { section[keyPath: kp] = try Self.parseFileMode(s) }
        case .group(let kp):
            if let s = value.string {
                section[keyPath: kp] = .name(s)
            } else if let i = value.int {
                section[keyPath: kp] = .id(i)
            } else {
                throw ConfigError("group must be a name (string) or id (int)")
            }
        }
    }

    /// Sets this key from an environment variable's text, with Go's `strconv` rules
    /// (`ParseBool`, base-prefixed integers) and comma-separated lists.
    func apply(environment text: String, to section: inout Section, variable: String) throws(ConfigError) {
        func fail() -> ConfigError {
            ConfigError("failed to apply \(variable) to \(name) using type \(typeName) and value '\(text)'")
        }
        switch kind {
        case .bool(let kp):
            switch text {
            case "1", "t", "T", "TRUE", "true", "True": section[keyPath: kp] = true
            case "0", "f", "F", "FALSE", "false", "False": section[keyPath: kp] = false
            default: throw fail()
            }
        case .int(let kp):
            guard let i = Self.parseGoInt(text) else { throw fail() }
            section[keyPath: kp] = i
        case .string(let kp):
            section[keyPath: kp] = text
        case .duration(let kp):
            section[keyPath: kp] = try GoDuration(parsing: text)
        case .size(let kp):
            section[keyPath: kp] = try ByteSize(parsing: text)
        case .strings(let kp):
            section[keyPath: kp] = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        case .stringMap:
            // 1.x has no environment spelling for tables of headers.
            return
        case .fileMode(let kp):
            section[keyPath: kp] = try Self.parseFileMode(text)
        case .group(let kp):
            // (1.x cannot set its group from the environment; a number is an id, else a name.)
            section[keyPath: kp] = Int(text).map { .id($0) } ?? .name(text)
        }
    }

    /// `toml.FileMode`'s `UnmarshalText`: `strconv.ParseUint(s, 8, 32)`, and never zero.
    static func parseFileMode(_ s: String) throws(ConfigError) -> UInt32 {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) else {
            throw ConfigError("strconv.ParseUint: parsing \(quote(s)): invalid syntax")
        }
        guard let mode = UInt32(s, radix: 8) else { throw ConfigError("strconv.ParseUint: parsing \(quote(s)): value out of range") }
        if mode == 0 { throw ConfigError("file mode cannot be zero") }
        return mode
    }

    /// The value as a TOML right-hand side, for `sundiald config`; nil for a setting that is
    /// not set (and has no TOML spelling for that).
    func render(_ section: Section) -> String? {
        switch kind {
        case .bool(let kp): return section[keyPath: kp] ? "true" : "false"
        case .int(let kp): return String(section[keyPath: kp])
        case .string(let kp): return Self.quote(section[keyPath: kp])
        case .duration(let kp): return Self.quote(section[keyPath: kp].description)
        case .size(let kp): return section[keyPath: kp].description
        case .strings(let kp): return "[" + section[keyPath: kp].map(Self.quote).joined(separator: ", ") + "]"
        case .stringMap(let kp):
            let entries = section[keyPath: kp].sorted { $0.key < $1.key }
            return "{" + entries.map { "\(Self.quote($0.key)) = \(Self.quote($0.value))" }.joined(separator: ", ") + "}"
        case .fileMode(let kp):
            let octal = String(section[keyPath: kp], radix: 8)
            return Self.quote(String(repeating: "0", count: max(0, 4 - octal.count)) + octal)
        case .group(let kp):
            switch section[keyPath: kp] {
            case nil: return nil
            case .name(let name)?: return Self.quote(name)
            case .id(let id)?: return String(id)
            }
        }
    }

    private var typeName: String {
        switch kind {
        case .bool: "bool"
        case .int: "int"
        case .string: "string"
        case .duration: "toml.Duration"
        case .size: "toml.Size"
        case .strings: "[]string"
        case .stringMap: "map[string]string"
        case .fileMode: "toml.FileMode"
        case .group: "toml.Group"
        }
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then decimal, `0x`, `0o`/`0` or `0b`.
    static func parseGoInt(_ text: String) -> Int? {
        var s = Substring(text)
        var sign = 1
        if s.first == "-" || s.first == "+" {
            if s.first == "-" { sign = -1 }
            s = s.dropFirst()
        }
        let radix: Int
        if s.hasPrefix("0x") || s.hasPrefix("0X") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0b") || s.hasPrefix("0B") { radix = 2; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") || s.hasPrefix("0O") { radix = 8; s = s.dropFirst(2) }
        else if s.count > 1 && s.hasPrefix("0") { radix = 8; s = s.dropFirst() }
        else { radix = 10 }
        guard !s.isEmpty, let magnitude = Int(s, radix: radix) else { return nil }
        return sign * magnitude
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
