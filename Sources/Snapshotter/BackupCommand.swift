#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GoText

/// `sundiald backup` with `influxd backup`'s flags, output and files (Spec/backup.md): the
/// legacy format (`meta.NN`, `<db>.<rp>.<shard>.NN` tar files) or, with `-portable`, the
/// portable one (`<stamp>.meta`, `<stamp>.s<id>.tar.gz`, `<stamp>.manifest`).
public struct BackupCommand: Sendable {
    let out: GoLogger
    let err: GoLogger
    var host = "localhost:8088"
    var path = ""
    var database = ""
    var retentionPolicy = ""
    var shardID = ""
    var since = SnapshotRequest.zeroTime
    var start = SnapshotRequest.zeroTime
    var end = SnapshotRequest.zeroTime
    /// The times as given (1.x's log lines print them in their own zone).
    var sinceText = "", startText = "", endText = ""
    var isBackup = true
    var portable = false
    var stamp = ""
    var manifest = Manifest()
    var files: [String] = []

    public init(stdout: @escaping @Sendable (String) -> Void, stderr: @escaping @Sendable (String) -> Void) {
        out = GoLogger(write: stdout)
        err = GoLogger(write: stderr)
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs the backup; throws what influxd's command returns (printed by the caller).
    public mutating func run(_ arguments: [String]) throws(Failure) {
        try parse(arguments)
        var failure: Failure?
        do throws(Failure) {
            try backupMetastore()
            if !shardID.isEmpty {
                try backupShard(database, retentionPolicy, shardID)
            } else if !retentionPolicy.isEmpty {
                try backupRetentionPolicy()
            } else if !database.isEmpty {
                try backupDatabase()
            } else {
                out.print("No database, retention policy or shard ID given. Full meta store backed up.")
                if portable {
                    out.print("Backing up all databases in portable format")
                    do throws(Failure) { try backupDatabase() } catch {
                        err.print("backup failed: \(error)")
                        throw error
                    }
                }
            }
        } catch {
            failure = error
        }
        if portable {
            let name = stamp + ".manifest"
            do throws(Failure) { try write(manifest.json, to: path + "/" + name, mode: 0o600) } catch {
                err.print("manifest save failed: \(error)")
                throw error
            }
            files.append(name)
        }
        if let failure {
            err.print("backup failed: \(failure)")
            throw failure
        }
        out.print("backup complete:")
        for file in files { out.print("\t" + (file.hasPrefix("/") ? file : path + "/" + file)) }
    }

    private mutating func parse(_ arguments: [String]) throws(Failure) {
        var flags = GoFlagSet("")
        for name in ["host", "database", "retention", "shard", "since", "start", "end"] { flags.string(name, name == "host" ? host : "", "") }
        flags.alias("db", for: "database")
        flags.alias("rp", for: "retention")
        flags.bool("portable", "")
        do throws(GoFlagSet.Failure) { try flags.parse(arguments) } catch {
            // Go's flag package: the error on stderr, the usage on stdout.
            if case .invalid(let message) = error { err.write(message + "\n") }
            out.write(Self.usage)
            throw Failure(error.description)
        }
        host = flags.string("host")
        database = flags.string("database")
        retentionPolicy = flags.string("retention")
        shardID = flags.string("shard")
        portable = flags.bool("portable")
        sinceText = flags.string("since")
        startText = flags.string("start")
        endText = flags.string("end")
        stamp = Self.portableStamp()
        isBackup = (startText.isEmpty && endText.isEmpty) || !sinceText.isEmpty
        if !sinceText.isEmpty { since = try Self.rfc3339(sinceText) }
        if !startText.isEmpty {
            if isBackup { throw Failure("backup command uses one of -since or -start/-end") }
            start = try Self.rfc3339(startText)
        }
        if !endText.isEmpty {
            if isBackup { throw Failure("backup command uses one of -since or -start/-end") }
            end = try Self.rfc3339(endText)
            guard start < end else { throw Failure("start date must be before end date") }
        }
        guard flags.arguments.count == 1 else { throw Failure("Exactly one backup path is required.") }
        path = flags.arguments[0]
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o700) != 0 && errno != EEXIST { throw Failure("mkdir \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Go's `time.Parse(time.RFC3339, …)` errors read like this.
    static func rfc3339(_ text: String) throws(Failure) -> Int64 {
        guard let t = GoTime.parse(text) else { throw Failure(GoTime.parseError(text)) }
        return t
    }

    /// `20060102T150405Z` of now, UTC: the portable files' common name.
    static func portableStamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y%m%dT%H%M%SZ", &parts)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private var client: SnapshotterClient { SnapshotterClient(host: host) }

    private mutating func backupShard(_ db: String, _ rp: String, _ sid: String) throws(Failure) {
        guard let id = UInt64(sid) else { throw Failure("strconv.ParseUint: parsing \"\(sid)\": invalid syntax") }
        var request = SnapshotRequest(type: isBackup ? .shardBackup : .shardExport)
        request.backupDatabase = db
        request.backupRetentionPolicy = rp
        request.shardID = id
        request.since = since
        request.exportStart = start
        request.exportEnd = end
        let archive = try nextPath(path + "/" + db + "." + rp + "." + Self.fiveDigits(id))
        if isBackup {
            out.print("backing up db=\(db) rp=\(rp) shard=\(sid) to \(archive) since \(shown(sinceText))")
        } else {
            out.print("backing up db=\(db) rp=\(rp) shard=\(sid) to \(archive) with boundaries start=\(shown(startText)), end=\(shown(endText))")
        }
        let downloaded = Result { () throws(Failure) in try download(request, to: archive) }
        if !portable { files.append(archive) }
        try downloaded.get()
        guard portable else { return }
        let prefix = stamp + ".s" + sid
        let name = prefix + ".tar.gz"
        let size: Int64
        do { size = try GzipFile.compress(archive, to: path + "/" + name, name: prefix + ".tar") } catch { throw Failure(error.description) }
        unlink(archive)
        manifest.files.append(Manifest.Entry(database: db, policy: rp, shardID: id, fileName: name, size: size))
        files.append(name)
    }

    private mutating func backupDatabase() throws(Failure) {
        out.print("backing up db=\(database)")
        var request = SnapshotRequest(type: .databaseInfo)
        request.backupDatabase = database
        try backup(paths: try info(request))
    }

    private mutating func backupRetentionPolicy() throws(Failure) {
        if isBackup {
            out.print("backing up rp=\(retentionPolicy) since \(shown(sinceText))")
        } else {
            out.print("backing up rp=\(retentionPolicy) with boundaries start=\(shown(startText)), end=\(shown(endText))")
        }
        var request = SnapshotRequest(type: .retentionPolicyInfo)
        request.backupDatabase = database
        request.backupRetentionPolicy = retentionPolicy
        try backup(paths: try info(request))
    }

    private func info(_ request: SnapshotRequest) throws(Failure) -> SnapshotInfo {
        do { return try client.info(request) } catch { throw Failure(error.description) }
    }

    private mutating func backup(paths info: SnapshotInfo) throws(Failure) {
        for shardPath in info.paths {
            let parts = shardPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { throw Failure("expected database, retention policy, and shard id in path: \(shardPath)") }
            try backupShard(parts[0], parts[1], parts[2])
        }
    }

    private mutating func backupMetastore() throws(Failure) {
        let archive = try nextPath(path + "/meta")
        out.print("backing up metastore to \(archive)")
        let err = self.err
        try download(SnapshotRequest(type: .metastoreBackup), to: archive) { (file) throws(Failure) in
            let bytes = try Self.readFile(file)
            guard bytes.count >= 8 else { throw Failure("Not enough bytes data to verify") }
            guard SnapshotterClient.bigEndian(bytes, 0) == backupMagicHeader else {
                err.print("Invalid metadata blob, ensure the metadata service is running (default port 8088)")
                throw Failure("invalid metadata received")
            }
        }
        if !portable {
            files.append(archive)
            return
        }
        let metadata = try LegacyMeta.metadata(of: try Self.readFile(archive))
        unlink(archive)
        let name = stamp + ".meta"
        try write(PortableData(data: metadata, maxNodeID: 0).encoded(), to: path + "/" + name, mode: 0o644)
        manifest.meta = Manifest.MetaEntry(fileName: name, size: Int64(metadata.count))
        files.append(name)
    }

    /// The first `path.NN` that does not exist.
    private func nextPath(_ base: String) throws(Failure) -> String {
        for i in 0... {
            let candidate = base + "." + (i < 10 ? "0" : "") + String(i)
            if access(candidate, F_OK) != 0 { return candidate }
        }
        throw Failure("no free backup file name for \(base)")
    }

    /// 1.x's `downloadAndVerify`: into `<path>.pending` (up to 10 attempts, backing off), checked,
    /// renamed; an empty answer leaves no file.
    private func download(_ request: SnapshotRequest, to target: String, verify: ((String) throws(Failure) -> Void)? = nil) throws(Failure) {
        let pending = target + ".pending"
        var lastError = Failure("")
        var done = false
        for attempt in 0..<10 {
            do throws(SnapshotterClient.Failure) {
                let n = try client.download(request, to: pending)
                guard n > 0 else { throw SnapshotterClient.Failure("copy backup to file: err=<nil>, n=0") }
                done = true
                break
            } catch {
                lastError = Failure(error.description)
                var backoff = pow(3.8, Double(attempt))  // ms
                if backoff < 2000 { backoff = 2000 }
                err.print("Download shard \(request.shardID) failed \(error).  Waiting \(Self.duration(ms: backoff)) and retrying (\(attempt))...\n")
                usleep(useconds_t(min(backoff, 3_600_000) * 1000))
            }
        }
        guard done else { throw lastError }
        if let verify {
            do throws(Failure) { try verify(pending) } catch {
                unlink(pending)
                throw error
            }
        }
        var info = stat()
        if stat(pending, &info) == 0 && info.st_size == 0 {
            unlink(pending)
            return
        }
        guard rename(pending, target) == 0 else { throw Failure("rename: \(String(cString: strerror(errno)))") }
    }

    private func write(_ bytes: [UInt8], to file: String, mode: mode_t) throws(Failure) {
        do {
            let f = try GzipFile.File(file, O_WRONLY | O_CREAT | O_TRUNC, mode)
            try f.write(bytes)
        } catch {
            throw Failure(error.description)
        }
    }

    static func readFile(_ file: String) throws(Failure) -> [UInt8] {
        do {
            let f = try GzipFile.File(file, O_RDONLY, 0)
            var out: [UInt8] = []
            while true {
                let chunk = try f.read(1 << 20)
                if chunk.isEmpty { return out }
                out += chunk
            }
        } catch {
            throw Failure(error.description)
        }
    }

    /// A time flag as 1.x's log lines print it (Go's zero time when not given).
    private func shown(_ text: String) -> String {
        text.isEmpty ? "0001-01-01T00:00:00Z" : GoTime.rfc3339Seconds(of: text)
    }

    static let usage = """

    Creates a backup copy of the databases of a Sundial or InfluxDB 1.x server and saves the files to PATH.

    Usage: sundiald backup [options] PATH

        -portable                Write the portable format (manifest, .meta, .tar.gz shards): restores
                                 into Sundial and InfluxDB OSS or Enterprise. Use unless the legacy
                                 format is required.
        -host <host:port>        The server's TCP bind-address. Defaults to localhost:8088.
        -db <name>               The database to back up. Optional: with -portable, every database.
        -rp <name>               The retention policy to back up. Optional.
        -shard <id>              The shard to back up. Optional; requires -rp.
        -start <RFC3339 time>    Include points from this time (an export; not with -since).
        -end <RFC3339 time>      Exclude points after this time (an export; not with -since).
        -since <RFC3339 time>    An incremental backup: only files changed after this time.

    """

    static func fiveDigits(_ id: UInt64) -> String {
        let digits = String(id)
        return digits.count >= 5 ? digits : String(repeating: "0", count: 5 - digits.count) + digits
    }

    /// Go's `time.Duration` text of whole milliseconds (`2s`, `3.8s`, `1m2.5s`).
    static func duration(ms: Double) -> String {
        let total = Int64(ms)
        if total < 1000 { return "\(total)ms" }
        var seconds = Double(total % 60_000) / 1000
        let minutes = total / 60_000
        seconds = (seconds * 1000).rounded() / 1000
        var s = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        s += "s"
        return minutes > 0 ? "\(minutes)m" + s : s
    }
}
