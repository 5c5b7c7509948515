import Foundation

extension Manifest {
    /// Reads MANIFEST bytes with Foundation's JSON parser, then fills the fields as Go's
    /// `json.Unmarshal` into 1.6's `Manifest` does: key names match case-insensitively,
    /// unknown keys are skipped, `null` leaves a field as it was, and a value of the wrong type
    /// (a fraction, a sign or a boolean where an integer goes) is refused. Where a key repeats,
    /// the last one wins.
    static func decode(_ bytes: [UInt8]) throws(ManifestError) -> Manifest {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw .syntax("invalid MANIFEST JSON: \(error.localizedDescription)", offset: 0)
        }
        var manifest = Manifest(levels: [], files: [], version: 0)
        if object is NSNull { return manifest }
        guard let fields = object as? [String: Any] else { throw .type(path: "", offset: 0, expected: "tsi1.Manifest") }
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) where !(value is NSNull) {
            switch name.lowercased() {
            case "levels":
                guard let list = value as? [Any] else { throw .type(path: "levels", offset: 0, expected: "[]tsi1.CompactionLevel") }
                manifest.levels = try list.enumerated().map { (i, element) throws(ManifestError) -> ManifestLevel in
                    var level = ManifestLevel(m: 0, k: 0)
                    if element is NSNull { return level }
                    guard let levelFields = element as? [String: Any] else {
                        throw .type(path: "levels[\(i)]", offset: 0, expected: "tsi1.CompactionLevel")
                    }
                    for (key, v) in levelFields where !(v is NSNull) {
                        switch key.lowercased() {
                        case "m": level.m = try Self.unsigned(v, path: "levels[\(i)].m")
                        case "k": level.k = try Self.unsigned(v, path: "levels[\(i)].k")
                        default: continue
                        }
                    }
                    return level
                }
            case "files":
                guard let list = value as? [Any] else { throw .type(path: "files", offset: 0, expected: "[]string") }
                manifest.files = try list.enumerated().map { (i, element) throws(ManifestError) -> String in
                    if element is NSNull { return "" }
                    guard let text = element as? String else { throw .type(path: "files[\(i)]", offset: 0, expected: "string") }
                    return text
                }
            case "version":
                guard let number = Self.integer(value), let version = number as? Int else {
                    throw .type(path: "version", offset: 0, expected: "int")
                }
                manifest.version = version
            default:
                continue
            }
        }
        return manifest
    }

    /// A JSON number written as an integer (not `true`, not `1.5` or `1e0`).
    private static func integer(_ value: Any) -> NSNumber? {
        guard let number = value as? NSNumber, !(value is String) else { return nil }
        let kind = String(cString: number.objCType)
        return kind == "c" || kind == "d" || kind == "f" ? nil : number
    }

    private static func unsigned(_ value: Any, path: String) throws(ManifestError) -> UInt64 {
        guard let number = integer(value), let v = number as? UInt64 else { throw .type(path: path, offset: 0, expected: "uint64") }
        return v
    }
}
