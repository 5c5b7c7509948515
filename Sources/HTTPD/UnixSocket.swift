#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// `[http] unix-socket-group` (1.x's `toml.Group`): a group name, looked up when the daemon
/// starts, or a numeric id.
public enum UnixSocketGroup: Sendable, Equatable {
    case name(String)
    case id(Int)

    /// The group id; a name that is not a group fails with Go's `user.LookupGroup` text.
    public func resolve() throws(UnixSocketError) -> gid_t {
        switch self {
        case .id(let id): return gid_t(truncatingIfNeeded: id)
        case .name(let name):
            var group = group()
            var result: UnsafeMutablePointer<group>?
            var buffer = [CChar](repeating: 0, count: 16384)
            let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
            guard status == 0, result != nil else { throw UnixSocketError("group: unknown group \(name)") }
            return group.gr_gid
        }
    }
}

/// Why the unix socket could not be set up.
public struct UnixSocketError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What 1.x's HTTP service does around `net.Listen("unix", bind-socket)`.
enum UnixSocketFile {
    /// Before listening: the directory is made (Go's `os.MkdirAll` with mode 0777, less the
    /// umask) and a file left at the path by an earlier run is removed, whatever it is (Go's
    /// `syscall.Unlink`).
    static func prepare(_ path: String) throws(UnixSocketError) {
        try makeDirectories((path as NSString).deletingLastPathComponent)
        if unlink(path) != 0 && errno != ENOENT {
            throw UnixSocketError("remove \(path): \(errorText(errno))")
        }
    }

    private static func makeDirectories(_ directory: String) throws(UnixSocketError) {
        guard !directory.isEmpty, directory != "/" else { return }
        var info = stat()
        if stat(directory, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { return }
            throw UnixSocketError("mkdir \(directory): not a directory")
        }
        try makeDirectories((directory as NSString).deletingLastPathComponent)
        if mkdir(directory, 0o777) != 0 && errno != EEXIST {
            throw UnixSocketError("mkdir \(directory): \(errorText(errno))")
        }
    }

    /// Go's text for an errno: `no such file or directory`.
    static func errorText(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// After listening: 1.x's `os.Chmod` (when the mode is not 0) and `os.Chown` to the group
    /// (when one is set and not 0).
    static func configure(_ path: String, permissions: UInt32, group: gid_t?) throws(UnixSocketError) {
        if permissions != 0 && chmod(path, mode_t(permissions)) != 0 {
            throw UnixSocketError("chmod \(path): \(errorText(errno))")
        }
        if let group, group != 0, chown(path, uid_t.max, group) != 0 {
            throw UnixSocketError("chown \(path): \(errorText(errno))")
        }
    }

    /// Go's `UnixListener.Close` removes the socket file it made.
    static func remove(_ path: String) { unlink(path) }
}
