#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GoText
import Meta
import SwiftProtobuf

/// `sundiald restore` with `influxd restore`'s flags and behaviour (Spec/backup.md): online
/// through a running server's snapshotter (`-portable`, or `-online` for the legacy format),
/// or offline into `-metadir` / `-datadir` of a stopped server (legacy format).
public struct RestoreCommand: Sendable {
    let out: GoLogger
    let err: GoLogger
    let stdout: @Sendable (String) -> Void
    var host = "localhost:8088"
    var path = ""
    var metadir = ""
    var datadir = ""
    var destinationDatabase = ""
    var sourceDatabase = ""
    var backupRetention = ""
    var restoreRetention = ""
    var shard: UInt64 = 0
    var portable = false
    var online = false
    var manifestMeta = Manifest.MetaEntry()
    var manifestFiles: [UInt64: [Manifest.Entry]] = [:]
    var shardIDMap: [UInt64: UInt64] = [:]

    public init(stdout: @escaping @Sendable (String) -> Void, stderr: @escaping @Sendable (String) -> Void) {
        out = GoLogger(write: stdout)
        err = GoLogger(write: stderr)
        self.stdout = stdout
    }

    typealias Failure = BackupCommand.Failure

    public mutating func run(_ arguments: [String]) throws(BackupCommand.Failure) {
        try parse(arguments)
        if portable {
            do throws(Failure) { try updateMeta(try portableMetadata()) } catch {
                err.print("error updating meta: \(error)")
                throw error
            }
            do throws(Failure) { try uploadShardsPortable() } catch {
                err.print("error updating shards: \(error)")
                throw error
            }
        } else if online {
            do throws(Failure) { try updateMeta(try legacyMetadata()) } catch {
                err.print("error updating meta: \(error)")
                throw error
            }
            do throws(Failure) { try uploadShardsLegacy() } catch {
                err.print("error updating shards: \(error)")
                throw error
            }
        } else {
            if !metadir.isEmpty { try unpackMeta() }
            if shard != 0 {
                try unpackFiles(path + "/" + sourceDatabase + "." + backupRetention + "." + BackupCommand.fiveDigits(shard) + ".*")
            } else if !restoreRetention.isEmpty {
                try unpackFiles(path + "/" + sourceDatabase + "." + backupRetention + ".*")
            } else if !datadir.isEmpty {
                try unpackFiles(path + "/" + sourceDatabase + ".*")
            }
        }
    }

    private mutating func parse(_ arguments: [String]) throws(Failure) {
        var flags = GoFlagSet("")
        for name in ["host", "metadir", "datadir", "database", "newdb", "retention", "newrp"] { flags.string(name, name == "host" ? host : "", "") }
        flags.string("shard", "0", "")
        flags.alias("db", for: "database")
        flags.alias("rp", for: "retention")
        flags.bool("online", "")
        flags.bool("portable", "")
        do throws(GoFlagSet.Failure) { try flags.parse(arguments) } catch {
            // Go's flag package, whose output restore sets to stdout: the error, the usage.
            if case .invalid(let message) = error { out.write(message + "\n") }
            out.write(Self.usage)
            throw Failure(error.description)
        }
        host = flags.string("host")
        metadir = flags.string("metadir")
        datadir = flags.string("datadir")
        sourceDatabase = flags.string("database")
        destinationDatabase = flags.string("newdb")
        backupRetention = flags.string("retention")
        restoreRetention = flags.string("newrp")
        let shardText = flags.string("shard")
        // Go's Uint64Var: parsed as the flag is read.
        guard let id = UInt64(shardText) else { throw Failure("invalid value \"\(shardText)\" for flag -shard: parse error") }
        shard = id
        online = flags.bool("online")
        portable = flags.bool("portable")
        path = flags.argument(0)
        guard !path.isEmpty else { throw Failure("path with backup files required") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure("backup path should be a valid directory: \(path)")
        }
        if portable || online {
            if !metadir.isEmpty { throw Failure("offline parameter metadir found, not compatible with -portable") }
            if !datadir.isEmpty { throw Failure("offline parameter datadir found, not compatible with -portable") }
            if restoreRetention.isEmpty { restoreRetention = backupRetention }
            if portable {
                let loaded: (meta: Manifest.MetaEntry, shards: [UInt64: [Manifest.Entry]])?
                do { loaded = try Manifest.loadIncremental(path) } catch {
                    throw Failure("restore failed while processing manifest files: \(error)")
                }
                guard let loaded else { throw Failure("No manifest files found in: \(path)\n") }
                manifestMeta = loaded.meta
                manifestFiles = loaded.shards
            }
        } else {
            if metadir.isEmpty && destinationDatabase.isEmpty { throw Failure("-metadir or -destinationDatabase are required to restore") }
            if !destinationDatabase.isEmpty && datadir.isEmpty { throw Failure("-datadir is required to restore") }
            if shard != 0 {
                if destinationDatabase.isEmpty { throw Failure("-destinationDatabase is required to restore shard") }
                if backupRetention.isEmpty { throw Failure("-retention is required to restore shard") }
            } else if !backupRetention.isEmpty && destinationDatabase.isEmpty {
                throw Failure("-destinationDatabase is required to restore retention policy")
            }
        }
    }

    private func portableMetadata() throws(Failure) -> [UInt8] {
        let bytes = try BackupCommand.readFile(path + "/" + manifestMeta.fileName)
        return PortableData.decode(bytes)?.data ?? []
    }

    /// The newest `meta.*` of a legacy backup.
    private func legacyMetadataFile() throws(Failure) -> String {
        let names = Self.glob(path + "/meta.*")
        guard let latest = names.last else { throw Failure("no metastore backups in \(path)") }
        return latest
    }

    private func legacyMetadata() throws(Failure) -> [UInt8] {
        let file = try legacyMetadataFile()
        out.print("Using metastore snapshot: \(file)\n")
        return try LegacyMeta.metadata(of: try BackupCommand.readFile(file))
    }

    private mutating func updateMeta(_ metadata: [UInt8]) throws(Failure) {
        var request = SnapshotRequest(type: .metaStoreUpdate)
        request.backupDatabase = sourceDatabase
        request.restoreDatabase = destinationDatabase
        request.backupRetentionPolicy = backupRetention
        request.restoreRetentionPolicy = restoreRetention
        request.uploadSize = Int64(metadata.count)
        do { shardIDMap = try SnapshotterClient(host: host).updateMeta(request, metadata: metadata) } catch { throw Failure(error.description) }
    }

    private func uploadShardsPortable() throws(Failure) {
        for file in manifestFiles.keys.sorted().flatMap({ manifestFiles[$0]! }) {
            guard sourceDatabase.isEmpty || sourceDatabase == file.database, backupRetention.isEmpty || backupRetention == file.policy,
                  shard == 0 || shard == file.shardID else { continue }
            guard let newID = shardIDMap[file.shardID] else {
                out.print("Meta info not found for shard \(file.shardID) on database \(file.database). Skipping shard file \(file.fileName)")
                continue
            }
            out.print("Restoring shard \(file.shardID) live from backup \(file.fileName)\n")
            let tar = path + "/." + file.fileName + ".restoring.tar"
            defer { unlink(tar) }
            do { try GzipFile.decompress(path + "/" + file.fileName, to: tar) } catch { throw Failure(error.description) }
            try upload(tar, newID: newID, database: destinationDatabase.isEmpty ? file.database : destinationDatabase)
        }
    }

    private func uploadShardsLegacy() throws(Failure) {
        let pattern = path + "/" + sourceDatabase + ".*"
        out.print("Restoring live from backup \(pattern)\n")
        let files = Self.glob(pattern)
        guard !files.isEmpty else { throw Failure("no backup files in \(path)") }
        for file in files {
            let parts = file.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if parts.count != 4 { err.print("Skipping mis-named backup file: \(file)") }
            guard parts.count > 2, let id = UInt64(parts[2]) else { throw Failure("strconv.ParseUint: parsing \"\(parts.count > 2 ? parts[2] : file)\": invalid syntax") }
            guard let newID = shardIDMap[id] else {
                out.print("Meta info not found for shard \(id). Skipping shard file \(file)")
                continue
            }
            try upload(file, newID: newID, database: destinationDatabase)
        }
    }

    private func upload(_ tar: String, newID: UInt64, database: String) throws(Failure) {
        do { try SnapshotterClient(host: host).uploadShard(tar, newID: newID, database: database, retentionPolicy: restoreRetention) } catch {
            throw Failure(error.description)
        }
    }

    /// Offline: the newest `meta.*` becomes `<metadir>/meta.db`.
    private func unpackMeta() throws(Failure) {
        let file = try legacyMetadataFile()
        stdout("Using metastore snapshot: \(file)\n")
        let metadata = try LegacyMeta.metadata(of: try BackupCommand.readFile(file))
        let data: Meta_Data
        do { data = try Meta_Data(serializedBytes: metadata) } catch { throw Failure("unmarshal: \(error)") }
        do {
            try FileManager.default.createDirectory(atPath: metadir, withIntermediateDirectories: true)
        } catch {
            throw Failure("mkdir \(metadir): \(error.localizedDescription)")
        }
        do throws(MetaError) { try MetaStore.save(data, to: metadir + "/meta.db") } catch { throw Failure("set data: \(error)") }
    }

    /// Offline: each matching legacy tar file's files into `<datadir>/<db>/<rp>/<id>`.
    private func unpackFiles(_ pattern: String) throws(Failure) {
        out.print("Restoring offline from backup \(pattern)\n")
        let files = Self.glob(pattern)
        guard !files.isEmpty else { throw Failure("no backup files for \(pattern) in \(path)") }
        for file in files {
            let parts = (file.split(separator: "/").last.map(String.init) ?? file).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { throw Failure("backup tarfile name incorrect format") }
            var id = parts[2]
            while id.hasPrefix("0") { id.removeFirst() }
            let shardPath = datadir + "/" + parts[0] + "/" + parts[1] + "/" + id
            try? FileManager.default.createDirectory(atPath: shardPath, withIntermediateDirectories: true)
            do throws(TarArchive.Failure) {
                try TarArchive.forEachEntry(in: file) { (entry, content) throws(TarArchive.Failure) in
                    let sections = entry.name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                    guard sections.count >= 3 else { throw TarArchive.Failure("invalid archive path: \(entry.name)") }
                    // An entry may not climb out of its shard's directory.
                    guard !sections.dropFirst(3).contains("..") else { throw TarArchive.Failure("invalid archive path: \(entry.name)") }
                    let relative = sections.dropFirst(3).joined(separator: "/")
                    if relative.isEmpty { return }
                    if entry.typeflag == UInt8(ascii: "5") {
                        try? FileManager.default.createDirectory(atPath: shardPath + "/" + relative, withIntermediateDirectories: true)
                        return
                    }
                    let target = shardPath + "/" + relative
                    let f: GzipFile.File
                    do throws(GzipFile.Failure) { f = try GzipFile.File(target + ".tmp", O_WRONLY | O_CREAT | O_TRUNC, mode_t(entry.mode & 0o777)) } catch {
                        throw TarArchive.Failure(error.description)
                    }
                    try content { (chunk) throws(TarArchive.Failure) in
                        do throws(GzipFile.Failure) { try f.write(chunk) } catch { throw TarArchive.Failure(error.description) }
                    }
                    do throws(GzipFile.Failure) { try f.sync() } catch { throw TarArchive.Failure(error.description) }
                    guard rename(target + ".tmp", target) == 0 else { throw TarArchive.Failure("rename \(target): errno \(errno)") }
                }
            } catch {
                throw Failure(error.description)
            }
        }
    }

    static let usage = """

    Restores databases or shards from the backup files in PATH into a Sundial or InfluxDB 1.x server.

    Usage: sundiald restore -portable [options] PATH

    Options:
        -portable          Restore from the portable format through a running server's snapshotter.
        -online            Restore from the legacy format through a running server's snapshotter.
        -host <host:port>  The server's TCP bind-address. Defaults to localhost:8088.
        -db <name>         The database to restore from the backup.
        -newdb <name>      The name of the database created by the restore (default: -db's). It must
                           not exist.
        -rp <name>         The retention policy to restore (requires -db).
        -newrp <name>      The name the restored retention policy gets (default: -rp's).
        -shard <id>        The shard to restore (requires -db and -rp).
        -metadir <path>    Offline (legacy format, server stopped): where meta.db is written.
        -datadir <path>    Offline (legacy format, server stopped): where the shards are written.
        PATH               The directory holding the backup files.

    """

    /// Go's `filepath.Glob` for a `*` in the last component, sorted.
    static func glob(_ pattern: String) -> [String] {
        let slash = pattern.lastIndex(of: "/")
        let directory = slash.map { String(pattern[..<$0]) } ?? "."
        let namePattern = slash.map { String(pattern[pattern.index(after: $0)...]) } ?? pattern
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { fnmatch(namePattern, $0, 0) == 0 }.sorted().map { directory + "/" + $0 }
    }
}
