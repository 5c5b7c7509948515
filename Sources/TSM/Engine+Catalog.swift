#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Engine {
    /// Every key in the files or the cache, in byte order.
    public var keys: [[UInt8]] {
        // The files' sorted indexes merged (no set of every key of every file), then the cache's.
        var merger = KeyMerger(fileStore.files.map(\.reader))
        var stored: [[UInt8]] = []
        while let (key, _) = merger.next() { stored.append(key) }
        let cached = cache.keys
        guard !cached.isEmpty else { return stored }
        var out: [[UInt8]] = []
        out.reserveCapacity(stored.count + cached.count)
        var i = 0, j = 0
        while i < stored.count || j < cached.count {
            if j == cached.count || i < stored.count && ByteKey(stored[i]) < ByteKey(cached[j]) {
                out.append(stored[i])
                i += 1
            } else {
                if i < stored.count && stored[i] == cached[j] { i += 1 }
                out.append(cached[j])
                j += 1
            }
        }
        return out
    }

    /// The type of `key`'s values as stored, read from the cache or the newest file's index that
    /// holds it (no block is read, so a damaged block does not hide its key's type); nil when
    /// nothing holds the key, or the files that do have deleted all of its points.
    public func storedType(of key: [UInt8]) -> BlockType? {
        if let cached = cache.values(for: key) { return cached.blockType }
        for file in fileStore.files.reversed() {
            guard let (type, entries) = file.reader.entries(for: key), let first = entries.first, let last = entries.last else { continue }
            let deleted = file.tombstones(for: key).contains { $0.min <= first.minTime && $0.max >= last.maxTime }
            if !deleted { return type }
        }
        return nil
    }

    /// Measurement names (escaped, as in series keys) that have data, in byte order.
    public var measurements: [[UInt8]] {
        var seen = Set<[UInt8]>()
        for key in keys { seen.insert(Self.split(key).measurement) }
        return seen.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The field names of `measurement` with their block types (files first, then the cache).
    public func fields(of measurement: [UInt8]) throws(EngineError) -> [(name: [UInt8], type: BlockType)] {
        var out: [[UInt8]: BlockType] = [:]
        for key in keys {
            let parts = Self.split(key)
            guard parts.measurement == measurement, out[parts.field] == nil else { continue }
            if let values = try read(key: key) { out[parts.field] = values.blockType }
        }
        return out.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0, out[$0]!) }
    }

    /// `measurement,tags#!~#field` → (measurement, field): the measurement ends at the first
    /// unescaped comma, the field follows the last `#!~#`.
    static func split(_ key: [UInt8]) -> (measurement: [UInt8], field: [UInt8]) {
        let sep = TSMFormat.fieldSeparator
        var fieldStart = key.count
        var i = key.count - sep.count
        while i >= 0 {
            if Array(key[i..<(i + sep.count)]) == sep {
                fieldStart = i
                break
            }
            i -= 1
        }
        var end = 0
        while end < fieldStart {
            if key[end] == UInt8(ascii: ",") && (end == 0 || key[end - 1] != UInt8(ascii: "\\")) { break }
            end += 1
        }
        let field = fieldStart < key.count ? Array(key[(fieldStart + sep.count)...]) : []
        return (Array(key[..<end]), field)
    }
}

extension WALValues {
    /// The TSM block type these values are stored as.
    public var blockType: BlockType {
        switch self {
        case .float: .float
        case .integer: .integer
        case .unsigned: .unsigned
        case .boolean: .boolean
        case .string: .string
        }
    }

    /// The same points in reverse time order.
    public func reversed() -> WALValues {
        switch self {
        case .float(let t, let v): .float(t.reversed(), v.reversed())
        case .integer(let t, let v): .integer(t.reversed(), v.reversed())
        case .unsigned(let t, let v): .unsigned(t.reversed(), v.reversed())
        case .boolean(let t, let v): .boolean(t.reversed(), v.reversed())
        case .string(let t, let v): .string(t.reversed(), v.reversed())
        }
    }
}
