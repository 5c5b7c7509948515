/// The bloom filter settings of one compaction level in a MANIFEST (1.6's `CompactionLevel`).
public struct ManifestLevel: Sendable, Hashable {
    /// The filter's size in bits (`"m"`).
    public var m: UInt64
    /// The filter's hash count (`"k"`).
    public var k: UInt64

    /// A level with `m` filter bits and `k` hashes (1.6 writes `{}` for 0 and 0).
    public init(m: UInt64, k: UInt64) {
        self.m = m
        self.k = k
    }
}

/// A tsi1 partition's `MANIFEST` (InfluxDB 1.6's `Manifest`): the compaction levels and the
/// partition's files, newest first (the active log file, then index files). 1.6 writes it
/// with Go's `json.MarshalIndent(m, "", "  ")` plus a newline, every field `omitempty`,
/// straight over the old file (no temporary file and rename). `encoded()` gives those bytes;
/// `init(json:)` reads it back.
public struct Manifest: Sendable, Hashable {
    /// The partition directory's file name for it.
    public static let fileName = "MANIFEST"
    /// The only index version 1.6 opens (`tsi1.Version`).
    public static let currentVersion = 1
    /// The levels 1.6 writes for a new partition: L0 (log files) has no filter, L1 and L2
    /// 2^25 bits, then doubling to 2^30 at L7; 6 hashes each.
    public static let defaultLevels: [ManifestLevel] = [
        ManifestLevel(m: 0, k: 0),
        ManifestLevel(m: 1 << 25, k: 6), ManifestLevel(m: 1 << 25, k: 6), ManifestLevel(m: 1 << 26, k: 6),
        ManifestLevel(m: 1 << 27, k: 6), ManifestLevel(m: 1 << 28, k: 6), ManifestLevel(m: 1 << 29, k: 6),
        ManifestLevel(m: 1 << 30, k: 6),
    ]

    /// Compaction levels, L0 first (`"levels"`).
    public var levels: [ManifestLevel]
    /// File names in the partition directory, newest first (`"files"`).
    public var files: [String]
    /// The index format version (`"version"`); 0 when the JSON has none.
    public var version: Int

    /// A manifest; the defaults are what 1.6 writes for a new partition (before its files).
    public init(levels: [ManifestLevel] = Manifest.defaultLevels, files: [String] = [], version: Int = Manifest.currentVersion) {
        self.levels = levels
        self.files = files
        self.version = version
    }

    /// Decodes MANIFEST bytes (see `decode`): keys matched case-insensitively, unknown keys
    /// skipped, `null` leaving a field as it was. It does not check the version: see
    /// `validate()`. Foundation's parser is a little more lenient than Go's (a trailing comma).
    public init(json bytes: [UInt8]) throws(ManifestError) {
        self = try Self.decode(bytes)
    }

    /// 1.6's `Manifest.Validate`: a version other than 1 (including none) is refused.
    public func validate() throws(ManifestError) {
        guard version == Self.currentVersion else { throw .incompatibleVersion(version) }
    }

    /// True when `name` is one of `files` (1.6 deletes no file listed here).
    public func hasFile(_ name: String) -> Bool { files.contains(name) }

    /// Reads the MANIFEST at `path`, or returns nil when there is none (1.6 then starts the
    /// partition from `Manifest()`). Does not validate.
    public static func read(path: String) throws(ManifestError) -> Manifest? {
        let bytes: [UInt8]
        do throws(GoFileIO.Failure) {
            bytes = try GoFileIO.contents(of: path)
        } catch {
            if error.isNotFound { return nil }
            throw .io(error.text)
        }
        return try Manifest(json: bytes)
    }

    /// The bytes 1.6 writes for this manifest (`Manifest.Write`).
    public func encoded() -> [UInt8] {
        var out = ManifestJSONWriter()
        out.beginObject()
        if !levels.isEmpty {
            out.key("levels")
            out.beginArray()
            for level in levels {
                out.element()
                out.beginObject()
                if level.m != 0 { out.key("m"); out.raw(String(level.m)) }
                if level.k != 0 { out.key("k"); out.raw(String(level.k)) }
                out.end(UInt8(ascii: "}"))
            }
            out.end(UInt8(ascii: "]"))
        }
        if !files.isEmpty {
            out.key("files")
            out.beginArray()
            for file in files {
                out.element()
                out.string(file)
            }
            out.end(UInt8(ascii: "]"))
        }
        if version != 0 { out.key("version"); out.raw(String(version)) }
        out.end(UInt8(ascii: "}"))
        out.raw("\n")
        return out.bytes
    }
}

/// What is wrong with a MANIFEST (or with reading it). Decoding never traps.
public enum ManifestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not JSON: `reason` in Go's words where it has them, at byte `offset`.
    case syntax(String, offset: Int)
    /// JSON whose value at `offset` does not fit the field at `path` (e.g. `levels[1].m`).
    case type(path: String, offset: Int, expected: String)
    /// A version other than 1 (1.6: `incompatible tsi1 index MANIFEST`).
    case incompatibleVersion(Int)
    /// A file that could not be read, in Go's words.
    case io(String)

    public var description: String {
        switch self {
        case .syntax(let reason, let offset): "\(reason) (MANIFEST offset \(offset))"
        case .type(let path, let offset, let expected):
            "json: cannot unmarshal value at offset \(offset) into Manifest field \(path) of type \(expected)"
        case .incompatibleVersion: "incompatible tsi1 index MANIFEST"
        case .io(let text): text
        }
    }
}
