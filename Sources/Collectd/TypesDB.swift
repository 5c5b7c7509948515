import Foundation

/// How types.db declares a data source; a received value is converted to it.
public enum DataSourceKind: Sendable, Hashable {
    case counter, gauge, derive

    /// `value` as this kind, with Go's conversions (1.x converts through reflection): integers
    /// keep their bits, floats truncate as amd64 does (out of range or NaN gives `Int64.min`).
    public func convert(_ value: CollectdValue) -> CollectdValue {
        switch (self, value) {
        case (.counter, .counter), (.gauge, .gauge), (.derive, .derive): value
        case (.counter, .derive(let v)): .counter(UInt64(bitPattern: v))
        case (.counter, .gauge(let v)): .counter(Self.goUInt64(v))
        case (.derive, .counter(let v)): .derive(Int64(bitPattern: v))
        case (.derive, .gauge(let v)): .derive(Self.goInt64(v))
        case (.gauge, _): .gauge(value.double)
        }
    }

    /// amd64's CVTTSD2SQ: truncation, with `Int64.min` for NaN and out-of-range values.
    static func goInt64(_ v: Double) -> Int64 {
        guard v.isFinite, v >= -9.223372036854775808e18, v < 9.223372036854775808e18 else { return .min }
        return Int64(v)
    }

    /// Go's float64 → uint64 on amd64: below 2^63 through int64, above by subtracting 2^63.
    static func goUInt64(_ v: Double) -> UInt64 {
        if v < 9.223372036854775808e18 { return UInt64(bitPattern: goInt64(v)) }
        return UInt64(bitPattern: goInt64(v - 9.223372036854775808e18)) ^ (1 << 63)
    }
}

/// One types.db data source: `name:TYPE:min:max`.
public struct DataSource: Sendable, Hashable {
    public var name: String
    public var kind: DataSourceKind
}

/// collectd's types.db(5): each type's data sources, as collectd's Go library reads it (the
/// library 1.x uses): a line whose sources do not parse — `ABSOLUTE` among them — is skipped.
public struct TypesDB: Sendable {
    public private(set) var types: [String: [DataSource]] = [:]

    public init() {}

    /// Parses one file's text. Fails only when a line is longer than Go's scanner takes.
    public init(parsing text: some Collection<UInt8>) throws(TypesDBError) {
        let bytes = Array(text)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var line = bytes[start..<end]
            start = end + 1
            if line.count >= 64 * 1024 { throw TypesDBError("bufio.Scanner: token too long") }
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            if let (name, sources) = Self.parseLine(line) { types[name] = sources }
        }
    }

    /// Reads `path`: one file, or a directory whose files (recursively, in name order) are
    /// merged, a later definition replacing an earlier one. Unreadable entries of a directory
    /// are reported through `skipped` and left out, as 1.x does.
    public static func load(path: String, skipped: (String) -> Void = { _ in }) throws(TypesDBError) -> TypesDB {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TypesDBError("Stat(): stat \(path): no such file or directory")
        }
        if !isDirectory.boolValue {
            guard let data = FileManager.default.contents(atPath: path) else { throw TypesDBError("Open(): open \(path): permission denied") }
            do throws(TypesDBError) { return try TypesDB(parsing: data) } catch { throw TypesDBError("Open(): \(error.message)") }
        }
        var all = TypesDB()
        func read(_ directory: String) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                skipped("Unable to read directory \(directory)")
                return
            }
            for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                let full = directory + "/" + name
                var sub: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &sub), sub.boolValue {
                    read(full)
                    continue
                }
                guard let data = FileManager.default.contents(atPath: full), let types = try? TypesDB(parsing: data) else {
                    skipped("Unable to parse collectd types file \(name)")
                    continue
                }
                all.types.merge(types.types) { $1 }
            }
        }
        read(path)
        return all
    }

    /// The data sources of `type`, nil when types.db does not define it.
    public func dataSources(of type: String) -> [DataSource]? { types[type] }

    /// `name source...`, words split on whitespace; nil when a source does not parse.
    static func parseLine(_ line: ArraySlice<UInt8>) -> (String, [DataSource])? {
        let words = line.split(whereSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) })
        guard let first = words.first else { return nil }
        var sources: [DataSource] = []
        for word in words.dropFirst() {
            var word = word
            if word.last == UInt8(ascii: ",") { word = word.dropLast() }
            let parts = word.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            let kind: DataSourceKind
            switch String(decoding: parts[1], as: UTF8.self) {
            case "COUNTER": kind = .counter
            case "DERIVE": kind = .derive
            case "GAUGE": kind = .gauge
            default: return nil
            }
            for limit in parts[2...3] where String(decoding: limit, as: UTF8.self) != "U" {
                guard Double(String(decoding: limit, as: UTF8.self)) != nil else { return nil }
            }
            sources.append(DataSource(name: String(decoding: parts[0], as: UTF8.self), kind: kind))
        }
        return (String(decoding: first, as: UTF8.self), sources)
    }
}

/// Why types.db could not be read.
public struct TypesDBError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
