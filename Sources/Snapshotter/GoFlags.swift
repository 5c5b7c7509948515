#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's `flag` package as influxd's `backup` and `restore` parse their arguments: `-name
/// value`, `-name=value`, `--name`; booleans alone or as `-name=true`; parsing stops at the
/// first argument that is not a flag (or after `--`).
struct GoFlags {
    private(set) var strings: [String: String] = [:]
    private(set) var booleans: Set<String> = []
    private(set) var positional: [String] = []

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(_ arguments: [String], strings names: Set<String>, booleans booleanNames: Set<String>) throws(Failure) {
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.count > 1, argument.hasPrefix("-") else { break }
            if argument == "--" { i += 1; break }
            var name = String(argument.dropFirst(argument.hasPrefix("--") ? 2 : 1))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if name.isEmpty || name.hasPrefix("-") || name.hasPrefix("=") { throw Failure(description: "bad flag syntax: \(argument)") }
            if booleanNames.contains(name) {
                switch value {
                case nil, "1", "t", "T", "true", "TRUE", "True"?: booleans.insert(name)
                case "0", "f", "F", "false", "FALSE", "False"?: booleans.remove(name)
                case let v?: throw Failure(description: "invalid boolean value \"\(v)\" for -\(name): parse error")
                }
            } else if names.contains(name) {
                if value == nil {
                    i += 1
                    guard i < arguments.count else { throw Failure(description: "flag needs an argument: -\(name)") }
                    value = arguments[i]
                }
                strings[name] = value
            } else {
                throw Failure(description: "flag provided but not defined: -\(name)")
            }
            i += 1
        }
        positional = Array(arguments[i...])
    }

    /// The value of the first of `names` given (aliases such as `-db` and `-database` share
    /// one variable in influxd: the last one given wins there; here the order of `names`).
    func string(_ names: String..., default fallback: String = "") -> String {
        for name in names { if let v = strings[name] { return v } }
        return fallback
    }

    func bool(_ name: String) -> Bool { booleans.contains(name) }
}

/// Go's `log` with `LstdFlags`: each line prefixed with the local date and time.
struct GoLogger: Sendable {
    /// Writes text as it is (no time prefix).
    let write: @Sendable (String) -> Void

    func print(_ line: String) {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y/%m/%d %H:%M:%S ", &parts)
        let stamp = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        write(stamp + line + (line.hasSuffix("\n") ? "" : "\n"))
    }
}
