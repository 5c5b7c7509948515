#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import Synchronization
import TSDB
import TSM

/// The snapshotter's shard requests: backups and exports out, restores in.
extension SnapshotterService {
    /// How a backup snapshot's file goes into the archive.
    enum FileChoice { case whole, skip }

    /// One archive entry: its header and the file holding its content.
    struct ArchiveEntry: Sendable {
        var header: TarHeader
        var source: String
    }

    /// A shard backup (1.x's `BackupShard`): the shard's files as a tar stream, named
    /// `db/rp/id/<file>`, those `choose` keeps (by name and modification time in ns).
    func sendShard(_ id: UInt64, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
                   choose: @escaping @Sendable (String, Int64) -> FileChoice) async throws {
        try await sendSnapshot(of: id, outbound: outbound) { directory, names, base in
            names.compactMap { name -> ArchiveEntry? in
                let path = directory + "/" + name
                guard let info = Self.fileInfo(path), choose(name, info.modifiedNs) == .whole,
                      let header = TarHeader.of(file: path, name: base + "/" + name) else { return nil }
                return ArchiveEntry(header: header, source: path)
            }
        }
    }

    /// A shard export (1.x's `ExportShard`): TSM files wholly inside `[start, end]` as they
    /// are, files overlapping it rewritten with only the blocks that overlap (whole blocks, as
    /// 1.x keeps them), other files left out; a tombstone file follows its TSM file. An end of
    /// Go's zero time (no `-end` given) is no end.
    func sendShardExport(_ request: SnapshotRequest, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let start = request.exportStart
        let end = request.exportEnd == SnapshotRequest.zeroTime ? Int64.max : request.exportEnd
        try await sendSnapshot(of: request.shardID, outbound: outbound) { directory, names, base in
            var entries: [ArchiveEntry] = []
            var kept: Set<String> = []
            for name in names where name.hasSuffix(".tsm") {
                let path = directory + "/" + name
                guard let reader = try? TSMReader(path: path) else { continue }
                let (min, max) = (reader.minTime, reader.maxTime)
                var source = path
                if min >= start && max <= end {
                    // wholly inside: as it is
                } else if min <= end && max >= start {
                    source = path + ".filtered"
                    guard (try? Engine.filteredCopy(of: path, to: source, min: start, max: end)) == true else { continue }
                } else {
                    continue
                }
                guard var header = TarHeader.of(file: source, name: base + "/" + name) else { continue }
                header.name = base + "/" + name
                entries.append(ArchiveEntry(header: header, source: source))
                kept.insert(String(name.dropLast(4)))
            }
            for name in names where !name.hasSuffix(".tsm") && !name.hasSuffix(".filtered") {
                if name.hasSuffix(".tombstone") && !kept.contains(String(name.dropLast(10))) { continue }
                let path = directory + "/" + name
                if let header = TarHeader.of(file: path, name: base + "/" + name) { entries.append(ArchiveEntry(header: header, source: path)) }
            }
            return entries.sorted { $0.header.name < $1.header.name }
        }
    }

    /// Takes a backup snapshot of shard `id` (on the store's pool), lets `plan` pick the
    /// entries from the snapshot's directory, streams them as a tar archive, then removes the
    /// snapshot.
    private func sendSnapshot(of id: UInt64, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
                              plan: @escaping @Sendable (_ directory: String, _ names: [String], _ base: String) -> [ArchiveEntry]) async throws {
        guard let shard = store.openShard(id) else { throw RequestError(description: "shard \(id) doesn't exist on this server") }
        let base = Store.relativePath(of: shard)
        let prepared: Result<(String, [ArchiveEntry]), EngineError> = await store.blocking {
            do throws(EngineError) {
                let directory = try shard.engine.backupSnapshot()
                let names = Self.fileNames(directory).sorted()
                return .success((directory, plan(directory, names, base)))
            } catch {
                return .failure(error)
            }
        }
        let (directory, entries) = try prepared.get()
        do {
            for entry in entries { try await send(entry, outbound: outbound) }
            try await outbound.write(ByteBuffer(bytes: TarHeader.end))
        } catch {
            await store.blocking { Engine.removeTree(directory) }
            throw error
        }
        await store.blocking { Engine.removeTree(directory) }
    }

    /// How much of a file is read (on the pool) and written at a time.
    static let chunkSize = 1 << 20

    /// One entry: header, content read a chunk at a time on the store's pool, padding.
    private func send(_ entry: ArchiveEntry, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let fd = await store.blocking { open(entry.source, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw RequestError(description: "open \(entry.source): errno \(errno)") }
        defer { close(fd) }
        try await outbound.write(ByteBuffer(bytes: entry.header.encoded()))
        var offset: Int64 = 0
        while offset < entry.header.size {
            let want = Int(min(Int64(Self.chunkSize), entry.header.size - offset))
            let at = offset
            let chunk: [UInt8]? = await store.blocking {
                var bytes = [UInt8](repeating: 0, count: want)
                let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(at)) }
                guard n > 0 else { return nil }
                bytes.removeLast(want - n)
                return bytes
            }
            // A file cannot shrink under a hard link: a short read is a failed disk.
            guard let chunk else { throw RequestError(description: "read \(entry.source): short file") }
            try await outbound.write(ByteBuffer(bytes: chunk))
            offset += Int64(chunk.count)
        }
        let padding = TarHeader.padding(entry.header.size)
        if padding > 0 { try await outbound.write(ByteBuffer(repeating: 0, count: padding)) }
    }

    /// A live restore's shard upload (1.x's `RestoreShard` after `RequestShardUpdate`): the
    /// tar stream is saved in a staging directory of its own, then — one restore of a shard
    /// at a time, as 1.x's client sends a shard's archives without waiting — its `*.tsm` and
    /// `*.tombstone` files under `db/rp/<id>/` are taken and the shard reopens with them.
    func restoreShard(_ id: UInt64, from reader: inout ConnectionReader) async throws {
        let store = self.store
        guard store.openShard(id) != nil || store.shardIDs.contains(id) else { throw RequestError(description: "shard not found") }
        let staging = store.dataDir + "/.restore/" + String(id) + "-" + String(Self.uploads.add(1, ordering: .relaxed).newValue)
        let archive = staging + "/upload.tar"
        let fd: Int32 = await store.blocking {
            mkdir(store.dataDir + "/.restore", 0o755)
            mkdir(staging, 0o755)
            return open(archive, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw RequestError(description: "create \(archive): errno \(errno)") }
        var pending: [UInt8] = []
        var failed = false
        func flush() async {
            let bytes = pending
            pending.removeAll(keepingCapacity: true)
            let ok: Bool = await store.blocking { Self.writeAll(fd, bytes) }
            if !ok { failed = true }
        }
        do {
            while let chunk = try await reader.chunk() {
                pending += chunk.readableBytesView
                if pending.count >= Self.chunkSize { await flush() }
            }
        } catch {
            await store.blocking {
                close(fd)
                Engine.removeTree(staging)
            }
            throw error
        }
        await flush()
        let writeFailed = failed
        let restores = self.restores
        let outcome: String? = await store.blocking {
            close(fd)
            defer { Engine.removeTree(staging) }
            if writeFailed { return "write \(archive) failed" }
            // Serialises restores of one shard (each on its own pool thread).
            return restores.lock(id).mutex.withLock { _ -> String? in
                guard let shard = store.openShard(id) else { return "shard not found" }
                do throws(TarArchive.Failure) {
                    let files = try Self.extract(archive, prefix: Store.relativePath(of: shard) + "/", into: staging)
                    do throws(StoreError) { try store.restoreShard(id, from: staging, files: files) } catch { return error.description }
                    return nil
                } catch {
                    return error.description
                }
            }
        }
        if let outcome { throw RequestError(description: outcome) }
    }

    /// Numbers the staging directories of uploads.
    static let uploads = Atomic<Int>(0)

    /// Extracts the `*.tsm` and `*.tombstone` files directly under `prefix` from a tar file
    /// into `directory`; returns their names.
    static func extract(_ archive: String, prefix: String, into directory: String) throws(TarArchive.Failure) -> [String] {
        var names: [String] = []
        try TarArchive.forEachEntry(in: archive) { (header, content) throws(TarArchive.Failure) in
            let name = header.name.hasPrefix(prefix) ? String(header.name.dropFirst(prefix.count)) : ""
            guard header.typeflag == UInt8(ascii: "0"), !name.contains("/"), name.hasSuffix(".tsm") || name.hasSuffix(".tombstone") else { return }
            let file: GzipFile.File
            do throws(GzipFile.Failure) { file = try GzipFile.File(directory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } catch {
                throw TarArchive.Failure(error.description)
            }
            try content { (chunk) throws(TarArchive.Failure) in
                do throws(GzipFile.Failure) { try file.write(chunk) } catch { throw TarArchive.Failure(error.description) }
            }
            do throws(GzipFile.Failure) { try file.sync() } catch { throw TarArchive.Failure(error.description) }
            names.append(name)
        }
        return names
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 { if errno == EINTR { continue }; return false }
            done += n
        }
        return true
    }

    /// The names of a directory's entries (not `.` or `..`).
    static func fileNames(_ directory: String) -> [String] {
        ((try? Engine.fileNames(in: directory)) ?? []).filter { $0 != "." && $0 != ".." }
    }

    struct FileInfo { var modifiedNs: Int64 }

    static func fileInfo(_ path: String) -> FileInfo? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileInfo(modifiedNs: Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec))
    }
}
