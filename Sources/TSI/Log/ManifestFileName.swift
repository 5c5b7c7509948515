/// The names of the files a MANIFEST lists: log files `L0-%08d.tsl` and index files
/// `L<level>-%08d.tsi` (Go's `%08d`: at least 8 digits, more when the id needs them).
/// A partition's ids come from one sequence shared by both kinds; its first log file is
/// `L0-00000001.tsl`, and compacting log file `n` gives `L1-<n>.tsi`.
public enum ManifestFileName {
    /// The log file extension.
    public static let logExtension = ".tsl"
    /// The index file extension.
    public static let indexExtension = ".tsi"
    /// Appended to an index file's name while a compaction writes it.
    public static let compactingExtension = ".compacting"

    /// What 1.6 opens a listed file as, by `filepath.Ext`; other extensions are kept but not opened.
    public enum Kind: Sendable, Equatable {
        /// `.tsl`: opened as a log file and replayed.
        case log
        /// `.tsi`: opened as a compacted index file.
        case index
    }

    /// 1.6's `FormatLogFileName`: `L0-00000001.tsl` for id 1.
    public static func log(id: Int) -> String { "L0-" + padded(id) + logExtension }

    /// 1.6's `FormatIndexFileName`: `L1-00000001.tsi` for id 1 at level 1.
    public static func index(id: Int, level: Int) -> String { "L\(level)-" + padded(id) + indexExtension }

    /// 1.6's `ParseFilename` on a name or path: the base name must match
    /// `^L(\d+)-(\d+)\..+$` (ASCII digits, at least one character after the dot, none of them
    /// a newline). Returns nil where 1.6 gets `(0, 0)`. Numbers too large for `Int` come out
    /// as `Int.max`, like Go's `strconv.Atoi`. (1.6's function declares `(level, id)` but
    /// returns the id first; every caller reads it that way.) A log file's level is always
    /// 0 to 1.6, whatever its name says.
    public static func parse(_ name: String) -> (id: Int, level: Int)? {
        let base = Array(baseName(name).utf8)
        guard base.first == UInt8(ascii: "L") else { return nil }
        var i = 1
        guard let level = digits(base, &i), i < base.count, base[i] == UInt8(ascii: "-") else { return nil }
        i += 1
        guard let id = digits(base, &i), i < base.count, base[i] == UInt8(ascii: ".") else { return nil }
        i += 1
        guard i < base.count, !base[i...].contains(UInt8(ascii: "\n")) else { return nil }
        return (id, level)
    }

    /// How 1.6 opens `name` when a MANIFEST lists it: by the text after its last dot.
    public static func kind(_ name: String) -> Kind? {
        if name.hasSuffix(logExtension) { return .log }
        if name.hasSuffix(indexExtension) { return .index }
        return nil
    }

    /// Go's `%08d`.
    private static func padded(_ value: Int) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, 8 - sign.count - digits.count)) + digits
    }

    /// A run of ASCII digits at `i` as `Atoi` reads it (saturating), or nil when there is none.
    private static func digits(_ b: [UInt8], _ i: inout Int) -> Int? {
        let start = i
        var value = 0
        while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(b[i] - UInt8(ascii: "0")))
            value = o1 || o2 ? Int.max : sum
            i += 1
        }
        return i > start ? value : nil
    }

    /// Go's `filepath.Base`: the last element, trailing slashes ignored; `.` for an empty
    /// path, `/` for slashes only.
    private static func baseName(_ path: String) -> Substring {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { return "." }
        if trimmed == "/" { return trimmed }
        if let slash = trimmed.lastIndex(of: "/") { return trimmed[trimmed.index(after: slash)...] }
        return trimmed
    }
}
