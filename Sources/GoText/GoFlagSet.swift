/// Go's `flag.FlagSet`, as influxd's and influx_inspect's commands parse their arguments:
/// `-name` or `--name`, `-name=value` or `-name value` (a boolean takes only the first form),
/// parsing stops at the first argument that is not a flag or after `--`. Aliases share one
/// value, as two Go flags bound to one variable do (the last one given wins).
public struct GoFlagSet: Sendable {
    private enum Value: Sendable {
        case string(String)
        case bool(Bool)
    }

    private struct Flag: Sendable {
        let name: String
        let usage: String
        let defaultValue: Value
        var value: Value
    }

    private var flags: [String: Flag] = [:]
    /// Alias name → the flag it sets.
    private var aliases: [String: String] = [:]
    /// The arguments left after the flags.
    public private(set) var arguments: [String] = []
    /// The set's name (Go's `Usage of <name>:`).
    public let name: String

    public init(_ name: String) { self.name = name }

    /// Why parsing stopped: `-h`/`-help` not defined by the set, or Go's error text.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case help
        case invalid(String)

        public var description: String {
            switch self {
            case .help: "flag: help requested"
            case .invalid(let message): message
            }
        }
    }

    /// A string flag.
    public mutating func string(_ name: String, _ defaultValue: String, _ usage: String) {
        flags[name] = Flag(name: name, usage: usage, defaultValue: .string(defaultValue), value: .string(defaultValue))
    }

    /// A boolean flag, false unless given.
    public mutating func bool(_ name: String, _ usage: String) {
        flags[name] = Flag(name: name, usage: usage, defaultValue: .bool(false), value: .bool(false))
    }

    /// `alias` sets the flag `name` (influxd's `-db` for `-database`).
    public mutating func alias(_ alias: String, for name: String) { aliases[alias] = name }

    public func string(_ name: String) -> String {
        if case .string(let s)? = flags[name]?.value { return s }
        return ""
    }

    public func bool(_ name: String) -> Bool {
        if case .bool(let b)? = flags[name]?.value { return b }
        return false
    }

    /// Go's `fs.Arg(i)`: the i-th argument after the flags, or "".
    public func argument(_ i: Int) -> String { i < arguments.count ? arguments[i] : "" }

    /// Parses `args` into the flags and ``arguments``.
    public mutating func parse(_ args: [String]) throws(Failure) {
        var rest = args[...]
        while let s = rest.first {
            guard s.utf8.count >= 2, s.hasPrefix("-") else { break }
            var name = Substring(s.dropFirst())
            if name.hasPrefix("-") {
                name = name.dropFirst()
                if name.isEmpty {
                    rest = rest.dropFirst()
                    break
                }
            }
            guard let first = name.first, first != "-", first != "=" else { throw .invalid("bad flag syntax: \(s)") }
            rest = rest.dropFirst()
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = name[..<eq]
            }
            let given = String(name)
            let key = aliases[given] ?? given
            guard var flag = flags[key] else {
                if given == "help" || given == "h" { throw .help }
                throw .invalid("flag provided but not defined: -\(given)")
            }
            switch flag.value {
            case .bool:
                if let value {
                    guard let b = Self.parseBool(value) else {
                        throw .invalid("invalid boolean value \"\(value)\" for -\(given): strconv.ParseBool: parsing \"\(value)\": invalid syntax")
                    }
                    flag.value = .bool(b)
                } else {
                    flag.value = .bool(true)
                }
            case .string:
                if value == nil, let next = rest.first {
                    value = next
                    rest = rest.dropFirst()
                }
                guard let value else { throw .invalid("flag needs an argument: -\(given)") }
                flag.value = .string(value)
            }
            flags[key] = flag
        }
        arguments = Array(rest)
    }

    /// Go's `PrintDefaults`: each flag in name order, its usage on the next line after four
    /// spaces and a tab (on the same line for a one-letter boolean), then a non-zero default.
    public var defaults: String {
        var out = ""
        for flag in flags.values.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            var line = "  -" + flag.name
            if case .string = flag.value { line += " string" }
            line += line.utf8.count <= 4 ? "\t" : "\n    \t"
            line += flag.usage.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    \t")
            switch flag.defaultValue {
            case .string(let s) where !s.isEmpty: line += " (default \(GoQuote.quote(s)))"
            case .bool(true): line += " (default true)"
            default: break
            }
            out += line + "\n"
        }
        return out
    }

    /// Go's `strconv.ParseBool`.
    public static func parseBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }
}
