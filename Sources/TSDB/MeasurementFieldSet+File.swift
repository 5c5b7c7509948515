#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SwiftProtobuf

/// `fields.idx`: the shard's field types on disk (Spec/fields-index.md).
extension MeasurementFieldSet {
    /// The four bytes before the protobuf message.
    public static let fileMagic: [UInt8] = [0, 6, 1, 3]

    /// Loads `path`; a missing file is an empty set. An unknown magic is 1.x's
    /// `unknown field index format`.
    public static func load(_ path: String) throws(FieldsIndexError) -> MeasurementFieldSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw .io("cannot read \(path)") }
            return MeasurementFieldSet()
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 4, Array(bytes[0..<4]) == fileMagic else { throw .unknownFormat }
        let message: Tsdb_MeasurementFieldSet
        do {
            message = try Tsdb_MeasurementFieldSet(serializedBytes: Array(bytes[4...]))
        } catch {
            throw .corrupt("\(error)")
        }
        var set = MeasurementFieldSet()
        for m in message.measurements {
            var fields: [String: FieldType] = [:]
            for f in m.fields {
                guard let type = FieldType(rawValue: UInt8(truncatingIfNeeded: f.type)), f.type >= 0, f.type < 256 else {
                    throw .corrupt("field \(f.name) of \(m.name) has type \(f.type)")
                }
                fields[f.name] = type
            }
            set.fields[m.name] = fields
        }
        return set
    }

    /// Writes the set to `path` as 1.x does: magic + protobuf to `path.tmp`, fsync, rename,
    /// fsync the directory; an empty set removes the file. Measurements and fields are
    /// written sorted by name (1.x writes Go map order; readers do not care).
    public func save(_ path: String) throws(FieldsIndexError) {
        if fields.isEmpty {
            unlink(path)
            return
        }
        var message = Tsdb_MeasurementFieldSet()
        message.measurements = fields.keys.sorted().map { name in
            var m = Tsdb_MeasurementFields()
            m.name = name
            m.fields = fields[name]!.keys.sorted().map { field in
                var f = Tsdb_Field()
                f.name = field
                f.type = Int32(fields[name]![field]!.rawValue)
                return f
            }
            return m
        }
        let body: [UInt8]
        do { body = try message.serializedBytes() } catch { throw .corrupt("\(error)") }
        let bytes = Self.fileMagic + body
        let temporary = path + ".tmp"
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

/// Why `fields.idx` could not be read or written.
public enum FieldsIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownFormat
    case corrupt(String)
    case io(String)

    public var description: String {
        switch self {
        case .unknownFormat: "unknown field index format"
        case .corrupt(let why): "corrupt fields index: \(why)"
        case .io(let why): why
        }
    }
}
