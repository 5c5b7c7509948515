import Foundation
import Synchronization

/// Looks up the password of a user of signed or encrypted packets.
public protocol PasswordLookup: Sendable {
    /// The password of `user`; throws when there is none (the packet is then rejected).
    func password(for user: [UInt8]) throws(CollectdError) -> [UInt8]
}

/// collectd's auth file (`auth-file`): `user: password` lines, read again whenever its
/// modification time changes, as collectd's Go library does.
///
/// Kept from the library: lines are split at the first colon and both sides trimmed, a user
/// starting with `#` is a comment, and a last line without a newline is not read.
public final class AuthFile: PasswordLookup {
    public let path: String
    private let state = Mutex<(modified: Date?, users: [[UInt8]: [UInt8]])>((nil, [:]))

    public init(path: String) { self.path = path }

    public func password(for user: [UInt8]) throws(CollectdError) -> [UInt8] {
        let modified: Date
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            modified = attributes[.modificationDate] as? Date ?? .distantPast
        } catch {
            throw CollectdError("stat \(path): no such file or directory")
        }
        let path = self.path
        let found = try state.withLock { state throws(CollectdError) -> [UInt8]? in
            if state.modified.map({ modified > $0 }) ?? true {
                guard let data = FileManager.default.contents(atPath: path) else { throw CollectdError("open \(path): permission denied") }
                state = (modified, Self.parse(Array(data)))
            }
            return state.users[user]
        }
        guard let found else { throw CollectdError("no such user: \"\(String(decoding: user, as: UTF8.self))\"") }
        return found
    }

    /// The users of the file's bytes.
    static func parse(_ bytes: [UInt8]) -> [[UInt8]: [UInt8]] {
        var users: [[UInt8]: [UInt8]] = [:]
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast() // no newline after it (or empty): Go's ReadString loop drops it
        for line in lines {
            let line = trim(line, " \r\n\t\u{0B}")
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let user = trim(line[..<colon], " \t\n\u{0B}\u{0C}\r")
            let password = trim(line[(colon + 1)...], " \t\n\u{0B}\u{0C}\r")
            if user.first == UInt8(ascii: "#") { continue }
            users[Array(user)] = Array(password)
        }
        return users
    }

    private static func trim(_ s: ArraySlice<UInt8>, _ set: String) -> ArraySlice<UInt8> {
        let set = Array(set.utf8)
        var s = s
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}

/// Why a packet was rejected; all of its value lists are dropped, as in 1.x.
public struct CollectdError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
