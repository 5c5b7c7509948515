#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SwiftProtobuf
import TSM

/// `fields.idx`: the shard's field types on disk (Spec/fields-index.md).
extension MeasurementFieldSet {
    /// The four bytes before the protobuf message.
    public static let fileMagic: [UInt8] = [0, 6, 1, 3]

    /// Loads `path`; a missing file is an empty set. Errors are 1.x's texts where 1.x has one
    /// (`unknown field index format`, `EOF` for an empty file, `unexpected EOF` for a cut one,
    /// `read <path>: is a directory`): the shard logs them when it rebuilds the file.
    public static func load(_ path: String) throws(FieldsIndexError) -> MeasurementFieldSet {
        guard let bytes = try readFile(path) else { return MeasurementFieldSet() }
        return try decode(bytes)
    }

    /// The set a `fields.idx` file's bytes hold.
    public static func decode(_ bytes: [UInt8]) throws(FieldsIndexError) -> MeasurementFieldSet {
        // 1.x reads the magic with one Read: an empty file is EOF, a shorter one a wrong magic.
        guard !bytes.isEmpty else { throw .corrupt("EOF") }
        guard bytes.count >= 4, bytes[0..<4].elementsEqual(fileMagic) else { throw .unknownFormat }
        let message: Tsdb_MeasurementFieldSet
        do {
            message = try Tsdb_MeasurementFieldSet(serializedBytes: Array(bytes[4...]))
        } catch BinaryDecodingError.truncated {
            throw .corrupt("unexpected EOF")
        } catch {
            throw .corrupt("proto: \(error)")
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

    /// The file's bytes: magic + protobuf, measurements and fields sorted by name.
    public func encoded() throws(FieldsIndexError) -> [UInt8] {
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
        do { return Self.fileMagic + (try message.serializedBytes()) } catch { throw .corrupt("\(error)") }
    }

    /// Writes the set to `path` as 1.x does: magic + protobuf to `path.tmp`, fsync, rename,
    /// fsync the directory; an empty set removes the file. Measurements and fields are
    /// written sorted by name (1.x writes Go map order; readers do not care).
    public func save(_ path: String) throws(FieldsIndexError) {
        if fields.isEmpty {
            unlink(path)
            return
        }
        let bytes = try encoded()
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open \(temporary): \(errnoText(errno))") }
        let failure = bytes.withUnsafeBytes { p -> Int32? in
            var done = 0
            while done < p.count {
                let n = write(fd, p.baseAddress! + done, p.count - done)
                if n < 0 { if errno == EINTR { continue }; return errno }
                done += n
            }
            return fsync(fd) == 0 ? nil : errno
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw .io("write \(temporary): \(errnoText(failure))")
        }
        // Go's os.Rename wording (what 1.x reports when, say, fields.idx is a directory).
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io("rename \(temporary) \(path): \(errnoText(code))")
        }
        let dir = open(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]), O_RDONLY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }
}

extension MeasurementFieldSet {
    /// The whole file, nil if it does not exist; other failures in Go's words.
    static func readFile(_ path: String) throws(FieldsIndexError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .io("open \(path): \(errnoText(errno))")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("read \(path): \(errnoText(errno))")
            }
            if n == 0 { return out }
            out += chunk[0..<n]
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
        case .corrupt(let why): why
        case .io(let why): why
        }
    }
}
