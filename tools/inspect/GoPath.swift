#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's `path/filepath` functions influx_inspect relies on, so paths print and files come in
/// the same order as with the Go tool.
enum GoPath {
    /// `filepath.Clean`: one slash between elements, no `.`, `..` resolved lexically, no
    /// trailing slash; "" becomes ".".
    static func clean(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !rooted {
                    parts.append(part)
                }
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `filepath.Join`: the non-empty elements joined with slashes, cleaned.
    static func join(_ elements: String...) -> String {
        let parts = elements.filter { !$0.isEmpty }
        return parts.isEmpty ? "" : clean(parts.joined(separator: "/"))
    }

    /// `filepath.Base`: the last element ("." for an empty path, "/" for the root).
    static func base(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        if p == "/" { return "/" }
        if let slash = p.lastIndex(of: "/") { return String(p[p.index(after: slash)...]) }
        return String(p)
    }

    /// `filepath.Dir`: everything but the last element, cleaned.
    static func dir(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return clean(String(path[...slash]))
    }

    /// `filepath.Ext`: the suffix from the last dot of the last element, or "".
    static func ext(_ path: String) -> String {
        for i in path.indices.reversed() {
            if path[i] == "/" { return "" }
            if path[i] == "." { return String(path[i...]) }
        }
        return ""
    }

    /// `filepath.Abs`: joined with the working directory when relative, cleaned.
    static func abs(_ path: String) -> String {
        if path.hasPrefix("/") { return clean(path) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return clean(path) }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return join(cwd, path)
    }

    /// `filepath.Rel` for a target under `base` (the only case the tools meet).
    static func relative(_ base: String, _ target: String) -> String {
        let b = clean(base), t = clean(target)
        if b == t { return "." }
        if b == "." { return t }
        let prefix = b == "/" ? "/" : b + "/"
        return t.hasPrefix(prefix) ? String(t.dropFirst(prefix.count)) : t
    }

    /// A failed system call's `errno`.
    struct Errno: Error {
        let code: Int32
    }

    /// What `lstat` reports about a path.
    struct Info {
        let isDirectory: Bool
        let size: Int64
    }

    static func lstat(_ path: String) -> Result<Info, Errno> {
        var s = stat()
        #if canImport(Glibc)
        let rc = Glibc.lstat(path, &s)
        #else
        let rc = Darwin.lstat(path, &s)
        #endif
        guard rc == 0 else { return .failure(Errno(code: errno)) }
        return .success(Info(isDirectory: s.st_mode & S_IFMT == S_IFDIR, size: Int64(s.st_size)))
    }

    /// The names in a directory, sorted bytewise (Go's `readDirNames`).
    static func names(in path: String) -> Result<[String], Errno> {
        guard let dir = opendir(path) else { return .failure(Errno(code: errno)) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    /// `filepath.Walk`: `visit` sees `root`, then every file and directory below it in lexical
    /// order, without following symbolic links. A path that cannot be read is passed with its
    /// error (Go's `lstat <path>: …` / `open <path>: …` text); if `visit` throws, the walk stops
    /// with that error.
    static func walk(_ root: String, _ visit: (_ path: String, _ info: Info?, _ error: String?) throws(CommandError) -> Void) throws(CommandError) {
        switch lstat(root) {
        case .failure(let failure):
            try visit(root, nil, goPathError("lstat", root, failure.code))
        case .success(let info):
            try walk(root, info, visit)
        }
    }

    private static func walk(_ path: String, _ info: Info, _ visit: (String, Info?, String?) throws(CommandError) -> Void) throws(CommandError) {
        try visit(path, info, nil)
        guard info.isDirectory else { return }
        let names: [String]
        switch self.names(in: path) {
        case .failure(let failure):
            try visit(path, info, goPathError("open", path, failure.code))
            return
        case .success(let list):
            names = list
        }
        for name in names {
            let child = join(path, name)
            switch lstat(child) {
            case .failure(let failure):
                try visit(child, nil, goPathError("lstat", child, failure.code))
            case .success(let childInfo):
                try walk(child, childInfo, visit)
            }
        }
    }

    /// The whole content of a file, or the `errno` of the failure.
    static func readFile(_ path: String) -> Result<[UInt8], Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(code: errno)) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(code: errno))
            }
            if n == 0 { break }
            out += chunk[0..<n]
        }
        return .success(out)
    }
}
