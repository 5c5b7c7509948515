#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SwiftProtobuf

/// `meta/meta.db`: the metadata as one protobuf `Data` message, nothing else (Spec/meta-db.md).
/// Written as 1.x writes it: to `meta.dbtmp`, fsynced, renamed over `meta.db`.
public enum MetaStore {
    /// Reads `path`; nil if it does not exist.
    public static func load(_ path: String) throws(MetaError) -> Meta_Data? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw .io("cannot read \(path)") }
            return nil
        }
        do {
            return try Meta_Data(serializedBytes: [UInt8](data))
        } catch {
            throw .io("decode \(path): \(error)")
        }
    }

    /// Writes `data` to `path` atomically and durably.
    public static func save(_ data: Meta_Data, to path: String) throws(MetaError) {
        let bytes: [UInt8]
        do { bytes = try data.serializedBytes() } catch { throw .io("encode: \(error)") }
        let temporary = path + "tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open \(temporary): errno \(errno)") }
        let ok = bytes.withUnsafeBytes { p -> Bool in
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
        let dir = open(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]), O_RDONLY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }
}
