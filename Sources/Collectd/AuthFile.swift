import Foundation
import Synchronization

/// Looks up the password of a user of signed or encrypted packets.
public protocol PasswordLookup: Sendable {
    /// The password of `user`; throws when there is none (the packet is then rejected).
    func password(for user: [UInt8]) throws(CollectdError) -> [UInt8]
}

/// collectd's auth file (`auth-file`): `user: password` lines, read again when its
/// modification time changes, as collectd's Go library does (looked at once a second at most).
///
/// Kept from the library: lines are split at the first colon and both sides trimmed, a user
/// starting with `#` is a comment, and a last line without a newline is not read.
public final class AuthFile: PasswordLookup {
    public let path: String
    private let state = Mutex<State>(State())

    private struct State {
        var modified: Date?
        var users: [[UInt8]: [UInt8]] = [:]
        /// When the file was last looked at (monotonic seconds), and what that found.
        var checkedAt: Double = -.infinity
        var missing = false
    }

    public init(path: String) { self.path = path }

    /// The file is looked at (a stat, and a read when it changed) at most once a second, never
    /// under the lock: a busy sender does not make every packet wait on the file system.
    public func password(for user: [UInt8]) throws(CollectdError) -> [UInt8] {
        let now = Self.monotonicSeconds()
        let due = state.withLock { s -> (Bool, Date?) in
            guard now - s.checkedAt >= 1 else { return (false, nil) }
            s.checkedAt = now
            return (true, s.modified)
        }
        if due.0 { refresh(known: due.1) }
        let found = try state.withLock { s throws(CollectdError) -> [UInt8]? in
            if s.missing { throw CollectdError("stat \(path): no such file or directory") }
            return s.users[user]
        }
        guard let found else { throw CollectdError("no such user: \"\(String(decoding: user, as: UTF8.self))\"") }
        return found
    }

    /// Reads the file again when its modification time moved past `known`.
    private func refresh(known: Date?) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            state.withLock { $0.missing = true }
            return
        }
        let modified = attributes[.modificationDate] as? Date ?? .distantPast
        guard known.map({ modified > $0 }) ?? true else {
            state.withLock { $0.missing = false }
            return
        }
        let users = FileManager.default.contents(atPath: path).map { Self.parse(Array($0)) }
        state.withLock { s in
            s.missing = false
            if let users {
                s.users = users
                s.modified = modified
            }
        }
    }

    private static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
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
