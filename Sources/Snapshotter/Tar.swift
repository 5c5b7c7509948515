#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tar entries of 1.x's shard backups (Go's `archive/tar`): USTAR headers, a PAX header
/// when a name does not fit, 512-byte blocks, two zero blocks at the end.
public struct TarHeader: Sendable, Equatable {
    public var name: String
    public var mode: UInt32 = 0o644
    public var uid: Int = 0
    public var gid: Int = 0
    public var size: Int64 = 0
    /// Seconds since the Unix epoch.
    public var modified: Int64 = 0
    /// `0` a file, `5` a directory (others are skipped by readers here).
    public var typeflag: UInt8 = UInt8(ascii: "0")
    public var userName = ""
    public var groupName = ""

    public init(name: String, size: Int64, mode: UInt32 = 0o644, modified: Int64 = 0) {
        self.name = name
        self.size = size
        self.mode = mode
        self.modified = modified
    }

    public static let blockSize = 512

    /// The header of a file on disk as Go's `tar.FileInfoHeader` makes it (mode, owner,
    /// names, size, modification time), under `name`.
    public static func of(file path: String, name: String) -> TarHeader? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var header = TarHeader(name: name, size: Int64(info.st_size), mode: UInt32(info.st_mode) & 0o777,
                               // Go rounds the modification time to the nearest second.
                               modified: Int64(info.st_mtim.tv_sec) + (info.st_mtim.tv_nsec >= 500_000_000 ? 1 : 0))
        header.uid = Int(info.st_uid)
        header.gid = Int(info.st_gid)
        if let pw = getpwuid(info.st_uid), let n = pw.pointee.pw_name { header.userName = String(cString: n) }
        if let gr = getgrgid(info.st_gid), let n = gr.pointee.gr_name { header.groupName = String(cString: n) }
        return header
    }

    /// The header blocks: one USTAR block, preceded by a PAX extended header when the name
    /// fits neither the name field nor a prefix/name split.
    public func encoded() -> [UInt8] {
        let bytes = Array(name.utf8)
        var nameField = bytes, prefixField: [UInt8] = []
        if bytes.count > 100 {
            // USTAR's split: a prefix of at most 155 bytes ending before a '/', a name of at most 100.
            if let cut = bytes.indices.last(where: { bytes[$0] == UInt8(ascii: "/") && $0 <= 155 && bytes.count - $0 - 1 <= 100 && $0 > 0 }) {
                prefixField = Array(bytes[..<cut])
                nameField = Array(bytes[(cut + 1)...])
            } else {
                var pax = TarHeader(name: "PaxHeaders.0/" + String(decoding: bytes.suffix(80).filter { $0 != UInt8(ascii: "/") }, as: UTF8.self), size: 0)
                let record = Self.paxRecord("path", name)
                pax.size = Int64(record.count)
                pax.typeflag = UInt8(ascii: "x")
                pax.modified = modified
                var out = pax.ustar(name: Array(pax.name.utf8.prefix(100)), prefix: [])
                out += record
                out += [UInt8](repeating: 0, count: Self.padding(Int64(record.count)))
                return out + ustar(name: Array(bytes.prefix(100)), prefix: [])
            }
        }
        return ustar(name: nameField, prefix: prefixField)
    }

    private func ustar(name: [UInt8], prefix: [UInt8]) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        func put(_ bytes: [UInt8], _ at: Int, _ length: Int) {
            for (i, b) in bytes.prefix(length).enumerated() { block[at + i] = b }
        }
        func octal(_ value: Int64, _ at: Int, _ length: Int) {
            var digits = Array(String(value, radix: 8).utf8)
            if digits.count < length - 1 { digits = [UInt8](repeating: UInt8(ascii: "0"), count: length - 1 - digits.count) + digits }
            put(digits, at, length - 1)
        }
        put(name, 0, 100)
        octal(Int64(mode), 100, 8)
        octal(Int64(uid), 108, 8)
        octal(Int64(gid), 116, 8)
        octal(size, 124, 12)
        octal(modified, 136, 12)
        block[156] = typeflag
        put(Array("ustar\0".utf8), 257, 6)
        put(Array("00".utf8), 263, 2)
        put(Array(userName.utf8), 265, 32)
        put(Array(groupName.utf8), 297, 32)
        octal(0, 329, 8)
        octal(0, 337, 8)
        put(prefix, 345, 155)
        for i in 148..<156 { block[i] = UInt8(ascii: " ") }
        let sum = block.reduce(0) { $0 + Int64($1) }
        var check = Array(String(sum, radix: 8).utf8)
        if check.count < 6 { check = [UInt8](repeating: UInt8(ascii: "0"), count: 6 - check.count) + check }
        put(check, 148, 6)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// A PAX record: `<length> <key>=<value>\n`, the length counting itself.
    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length { length = String(length).utf8.count + body.utf8.count }
        return Array((String(length) + body).utf8)
    }

    /// Zero bytes after `size` bytes of content, up to the next block.
    public static func padding(_ size: Int64) -> Int { Int((Int64(blockSize) - size % Int64(blockSize)) % Int64(blockSize)) }

    /// The end of an archive: two zero blocks.
    public static let end = [UInt8](repeating: 0, count: 2 * blockSize)
}

/// Reads tar headers one block at a time (the caller feeds blocks and content).
public struct TarHeaderParser: Sendable {
    /// A PAX `path` (or GNU long name) waiting for the header it applies to.
    private var pendingName: String?
    private var pendingSize: Int64?

    public init() {}

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// What a header block said.
    public enum Block: Sendable {
        /// A zero block (the end of the archive once two come).
        case zero
        /// An entry: its header (name resolved) and how many content bytes follow.
        case entry(TarHeader)
        /// A PAX or GNU long-name header whose content (`size` bytes) must be passed to
        /// ``extended(_:)`` before the next header.
        case extended(kind: UInt8, size: Int64)
    }

    /// Parses one 512-byte header block.
    public mutating func header(_ block: [UInt8]) throws(Failure) -> Block {
        guard block.count == TarHeader.blockSize else { throw Failure(description: "archive/tar: short header") }
        if block.allSatisfy({ $0 == 0 }) { return .zero }
        var sum: Int64 = 0
        for (i, b) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int64(b) }
        guard let stored = Self.octal(block[148..<156]), stored == sum else { throw Failure(description: "archive/tar: invalid tar header") }
        guard let size = Self.number(block[124..<136]), size >= 0 else { throw Failure(description: "archive/tar: invalid tar header") }
        let flag = block[156]
        if flag == UInt8(ascii: "x") || flag == UInt8(ascii: "g") || flag == UInt8(ascii: "L") {
            return .extended(kind: flag, size: size)
        }
        var name = Self.text(block[0..<100])
        if block[257..<262].elementsEqual("ustar".utf8) {
            let prefix = Self.text(block[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        var header = TarHeader(name: pendingName ?? name, size: pendingSize ?? size,
                               mode: UInt32(Self.octal(block[100..<108]) ?? 0o644), modified: Self.number(block[136..<148]) ?? 0)
        header.typeflag = flag == 0 ? UInt8(ascii: "0") : flag
        header.uid = Int(Self.number(block[108..<116]) ?? 0)
        header.gid = Int(Self.number(block[116..<124]) ?? 0)
        pendingName = nil
        pendingSize = nil
        return .entry(header)
    }

    /// The content of an extended header announced by ``header(_:)``.
    public mutating func extended(kind: UInt8, _ content: [UInt8]) {
        if kind == UInt8(ascii: "L") {
            pendingName = String(decoding: content.prefix { $0 != 0 }, as: UTF8.self)
            return
        }
        guard kind == UInt8(ascii: "x") else { return }
        var rest = content[...]
        while let space = rest.firstIndex(of: UInt8(ascii: " ")), let length = Int(String(decoding: rest[rest.startIndex..<space], as: UTF8.self)),
              length > 0, rest.startIndex + length <= rest.endIndex {
            let record = rest[(space + 1)..<(rest.startIndex + length - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
                let value = String(decoding: record[(eq + 1)...], as: UTF8.self)
                if key == "path" { pendingName = value }
                if key == "size", let n = Int64(value) { pendingSize = n }
            }
            rest = rest[(rest.startIndex + length)...]
        }
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func octal(_ bytes: ArraySlice<UInt8>) -> Int64? {
        let digits = bytes.drop { $0 == 0x20 }.prefix { $0 >= 0x30 && $0 <= 0x37 }
        if digits.isEmpty { return bytes.allSatisfy { $0 == 0 || $0 == 0x20 } ? 0 : nil }
        return Int64(String(decoding: digits, as: UTF8.self), radix: 8)
    }

    /// Octal, or GNU's base-256 for large values.
    private static func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
        guard let first = bytes.first, first & 0x80 != 0 else { return octal(bytes) }
        var value: Int64 = Int64(first & 0x7F)
        for b in bytes.dropFirst() {
            guard value < (Int64.max >> 8) else { return nil }
            value = value << 8 | Int64(b)
        }
        return value
    }
}
