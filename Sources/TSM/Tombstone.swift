#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Gzip
import NIOCore

/// A deleted time range of one TSM key in one TSM file.
public struct Tombstone: Sendable, Hashable {
    public var key: [UInt8]
    public var min: Int64
    public var max: Int64

    public init(key: [UInt8], min: Int64, max: Int64) {
        self.key = key
        self.min = min
        self.max = max
    }
}

/// The `.tombstone` file next to a TSM file (Spec/tombstone.md): 1.x's versions 1 to 4 are
/// read; version 4 is written, one gzip member per batch of deletes.
public enum TombstoneFile {
    static let v2Header: UInt32 = 0x1502
    static let v3Header: UInt32 = 0x1503
    static let v4Header: UInt32 = 0x1504

    /// `000000001-000000001.tsm` → `000000001-000000001.tombstone`.
    public static func path(forTSM tsmPath: String) -> String {
        var base = tsmPath
        if let slash = base.lastIndex(of: "/"), let dot = base[slash...].lastIndex(of: ".") {
            base = String(base[..<dot])
        } else if !base.contains("/"), let dot = base.lastIndex(of: ".") {
            base = String(base[..<dot])
        }
        return base + ".tombstone"
    }

    /// Every tombstone in `path`, in file order; none if the file does not exist.
    public static func read(_ path: String) throws(TombstoneError) -> [Tombstone] {
        let bytes: [UInt8]
        do throws(WALError) { bytes = try WAL.readFile(path) } catch {
            if case .io(_, _, let code) = error, code == ENOENT { return [] }
            throw .io("\(error)")
        }
        return try decode(bytes)
    }

    /// The tombstones a tombstone file's bytes hold, in file order (any version).
    public static func decode(_ bytes: [UInt8]) throws(TombstoneError) -> [Tombstone] {
        guard !bytes.isEmpty else { return [] }
        let header = bytes.count >= 4 ? bytes.withUnsafeBytes { BigEndian.load($0, at: 0, as: UInt32.self) } : 0
        switch header {
        case v4Header, v3Header:
            guard bytes.count > 4 else { return [] }
            let inflated: ByteBuffer
            do throws(GzipStream.Failure) { inflated = try GzipStream.decode(ByteBuffer(bytes: bytes[4...])) } catch {
                throw .corrupt(error.description)
            }
            return try records(Array(inflated.readableBytesView))
        case v2Header:
            return try records(Array(bytes[4...]))
        default:
            // Version 1: one deleted key per line, all time.
            return bytes.split(separator: 0x0A).map { Tombstone(key: Array($0), min: .min, max: .max) }
        }
    }

    /// Adds `tombstones` to `path` as a new gzip member of a v4 file (an older file is
    /// rewritten as v4 with its tombstones first), via a temporary file, fsync and rename.
    /// Returns the file's new size (its old size when there is nothing to add).
    @discardableResult
    public static func append(_ tombstones: [Tombstone], to path: String) throws(TombstoneError) -> Int {
        guard !tombstones.isEmpty else {
            var info = stat()
            return stat(path, &info) == 0 ? Int(info.st_size) : 0
        }
        var existing: [UInt8] = []
        do throws(WALError) { existing = try WAL.readFile(path) } catch {
            if case .io(_, _, let code) = error, code != ENOENT { throw .io("\(error)") }
        }
        var out: [UInt8] = []
        let isV4 = existing.count >= 4 && existing.withUnsafeBytes { BigEndian.load($0, at: 0, as: UInt32.self) } == v4Header
        if isV4 {
            out = existing
        } else {
            BigEndian.append(v4Header, to: &out)
            let old = try read(path)
            if !old.isEmpty { out += GzipStream.encode(encode(old)) }
        }
        out += GzipStream.encode(encode(tombstones))
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open \(temporary): errno \(errno)") }
        let ok = out.withUnsafeBytes { p -> Bool in
            var done = 0
            while done < p.count {
                let n = write(fd, p.baseAddress! + done, p.count - done)
                if n < 0 { if errno == EINTR { continue }; return false }
                done += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .io("write \(path): errno \(errno)")
        }
        Engine.syncDirectory(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
        return out.count
    }

    /// Records: key length u32, key, min i64, max i64.
    static func encode(_ tombstones: [Tombstone]) -> [UInt8] {
        var out: [UInt8] = []
        for t in tombstones {
            BigEndian.append(UInt32(t.key.count), to: &out)
            out += t.key
            BigEndian.append(t.min, to: &out)
            BigEndian.append(t.max, to: &out)
        }
        return out
    }

    static func records(_ bytes: [UInt8]) throws(TombstoneError) -> [Tombstone] {
        let r: Result<[Tombstone], TombstoneError> = bytes.withUnsafeBytes { b in
            do throws(TombstoneError) { return .success(try records(b)) } catch { return .failure(error) }
        }
        return try r.get()
    }

    static func records(_ b: UnsafeRawBufferPointer) throws(TombstoneError) -> [Tombstone] {
        var out: [Tombstone] = []
        var i = 0
        while i < b.count {
            guard b.count - i >= 4 else { throw .corrupt("unexpected EOF") }
            let n = Int(BigEndian.load(b, at: i, as: UInt32.self))
            i += 4
            guard n <= b.count - i, b.count - i - n >= 16 else { throw .corrupt("unexpected EOF") }
            let key = Array(b[i..<(i + n)])
            i += n
            out.append(Tombstone(key: key, min: BigEndian.load(b, at: i, as: Int64.self), max: BigEndian.load(b, at: i + 8, as: Int64.self)))
            i += 16
        }
        return out
    }
}

/// Why a tombstone file could not be read or written.
public enum TombstoneError: Error, Equatable, Sendable, CustomStringConvertible {
    case io(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .io(let why): why
        case .corrupt(let why): "corrupt tombstone file: \(why)"
        }
    }
}
