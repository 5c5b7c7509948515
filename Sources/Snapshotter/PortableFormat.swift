import Foundation
import GoText

/// The portable backup's manifest (`<stamp>.manifest`): Go's `json.MarshalIndent` with two
/// spaces, no trailing newline.
public struct Manifest: Sendable, Equatable {
    public struct MetaEntry: Sendable, Equatable {
        public var fileName = ""
        public var size: Int64 = 0
    }

    public struct Entry: Sendable, Equatable {
        public var database: String
        public var policy: String
        public var shardID: UInt64
        public var fileName: String
        public var size: Int64
        public var lastModified: Int64 = 0
    }

    public var meta = MetaEntry()
    public var limited = false
    public var files: [Entry] = []

    public var json: [UInt8] {
        var out = "{\n  \"meta\": {\n    \"fileName\": \(GoJSONString.quote(meta.fileName)),\n    \"size\": \(meta.size)\n  },\n"
        out += "  \"limited\": \(limited),\n  \"files\": "
        if files.isEmpty {
            out += "null"
        } else {
            out += "[\n" + files.map { f in
                "    {\n      \"database\": \(GoJSONString.quote(f.database)),\n      \"policy\": \(GoJSONString.quote(f.policy)),\n"
                    + "      \"shardID\": \(f.shardID),\n      \"fileName\": \(GoJSONString.quote(f.fileName)),\n"
                    + "      \"size\": \(f.size),\n      \"lastModified\": \(f.lastModified)\n    }"
            }.joined(separator: ",\n") + "\n  ]"
        }
        return Array((out + "\n}").utf8)
    }

    /// Reads a manifest as Go's decoder does (keys matched case-insensitively).
    public static func decode(_ bytes: [UInt8]) -> Manifest? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        func field(_ o: [String: Any], _ name: String) -> Any? { o.first { $0.key.lowercased() == name.lowercased() }?.value }
        func int(_ v: Any?) -> Int64 { (v as? NSNumber)?.int64Value ?? 0 }
        var manifest = Manifest()
        if let meta = field(object, "meta") as? [String: Any] {
            manifest.meta = MetaEntry(fileName: field(meta, "fileName") as? String ?? "", size: int(field(meta, "size")))
        }
        manifest.limited = field(object, "limited") as? Bool ?? false
        for f in field(object, "files") as? [[String: Any]] ?? [] {
            manifest.files.append(Entry(database: field(f, "database") as? String ?? "", policy: field(f, "policy") as? String ?? "",
                                        shardID: (field(f, "shardID") as? NSNumber)?.uint64Value ?? 0,
                                        fileName: field(f, "fileName") as? String ?? "", size: int(field(f, "size")),
                                        lastModified: int(field(f, "lastModified"))))
        }
        return manifest
    }

    /// The manifests of a directory (1.x's `LoadIncremental`): the meta file of the newest
    /// (by name, which is the backup's time), and for each shard every archive whose file
    /// exists, oldest first. 1.x keeps only the newest archive of a shard — its entries'
    /// `lastModified` are all 0 — which loses what an incremental (`-since`) backup did not
    /// repeat; restoring each archive in turn gives back the full and the incremental data.
    /// Nil when there is no manifest.
    public static func loadIncremental(_ directory: String) throws -> (meta: MetaEntry, shards: [UInt64: [Entry]])? {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".manifest") }.sorted()
        guard !names.isEmpty else { return nil }
        var meta = MetaEntry()
        var shards: [UInt64: [Entry]] = [:]
        for name in names {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            guard let data = FileManager.default.contents(atPath: directory + "/" + name), let manifest = decode([UInt8](data)) else {
                throw BackupCommand.Failure("read manifest: invalid manifest \(name)")
            }
            if !manifest.meta.fileName.isEmpty { meta = manifest.meta }
            for entry in manifest.files where FileManager.default.fileExists(atPath: directory + "/" + entry.fileName) {
                shards[entry.shardID, default: []].append(entry)
            }
        }
        return (meta, shards)
    }
}

/// The portable `.meta` file: protobuf `PortableData { required bytes Data = 1; required uint64
/// MaxNodeID = 2; }` (cmd/influxd/backup_util/internal/data.proto).
public struct PortableData: Sendable, Equatable {
    public var data: [UInt8]
    public var maxNodeID: UInt64

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0x0A]
        Self.appendVarint(UInt64(data.count), to: &out)
        out += data
        out.append(0x10)
        Self.appendVarint(maxNodeID, to: &out)
        return out
    }

    /// Decodes the two fields (others are skipped); nil on malformed protobuf.
    public static func decode(_ bytes: [UInt8]) -> PortableData? {
        var i = 0
        var data: [UInt8]?
        var node: UInt64 = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while i < bytes.count && shift < 64 {
                let b = bytes[i]
                i += 1
                value |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while i < bytes.count {
            guard let key = varint() else { return nil }
            switch key & 7 {
            case 0:
                guard let v = varint() else { return nil }
                if key >> 3 == 2 { node = v }
            case 2:
                guard let n = varint(), n <= UInt64(bytes.count - i) else { return nil }
                if key >> 3 == 1 { data = Array(bytes[i..<(i + Int(n))]) }
                i += Int(n)
            case 1: i += 8
            case 5: i += 4
            default: return nil
            }
        }
        guard i == bytes.count, let data else { return nil }
        return PortableData(data: data, maxNodeID: node)
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// The legacy metastore backup (`meta.NN`, and the snapshotter's answer): the magic, the
/// metadata's length and bytes, the node file's length and bytes.
public enum LegacyMeta {
    public static func metadata(of bytes: [UInt8]) throws(BackupCommand.Failure) -> [UInt8] {
        guard bytes.count >= 16, SnapshotterClient.bigEndian(bytes, 0) == backupMagicHeader else { throw .init("invalid metadata file") }
        let length = SnapshotterClient.bigEndian(bytes, 8)
        guard length <= UInt64(bytes.count - 16) else { throw .init("invalid metadata file") }
        return Array(bytes[16..<(16 + Int(length))])
    }

    /// The node file after the metadata (empty if absent).
    public static func node(of bytes: [UInt8]) -> [UInt8] {
        guard let meta = try? metadata(of: bytes), bytes.count >= 24 + meta.count else { return [] }
        let at = 16 + meta.count
        let length = SnapshotterClient.bigEndian(bytes, at)
        guard length <= UInt64(bytes.count - at - 8) else { return [] }
        return Array(bytes[(at + 8)..<(at + 8 + Int(length))])
    }
}
