import Crypto
import NIOCore
import NIOPosix
import Synchronization

/// 1.x's user rules on the persisted metadata (`services/meta/data.go`).
extension Meta_Data {
    func userIndex(_ name: String) -> Int? { users.firstIndex { $0.name == name } }

    mutating func createUser(_ name: String, hash: String, admin: Bool) throws(MetaError) {
        guard !name.isEmpty else { throw .usernameRequired }
        guard userIndex(name) == nil else { throw .userExists }
        var user = Meta_UserInfo()
        user.name = name
        user.hash = hash
        user.admin = admin
        users.append(user)
    }

    mutating func dropUser(_ name: String) throws(MetaError) {
        guard let i = userIndex(name) else { throw .userNotFound }
        users.remove(at: i)
    }

    mutating func updateUser(_ name: String, hash: String) throws(MetaError) {
        guard let i = userIndex(name) else { throw .userNotFound }
        users[i].hash = hash
    }

    /// Sets the user's privilege on a database (replacing any earlier one).
    mutating func setPrivilege(user name: String, database: String, privilege: Int32) throws(MetaError) {
        guard let i = userIndex(name) else { throw .userNotFound }
        guard databaseIndex(database) != nil else { throw .databaseNotFound(database) }
        if let p = users[i].privileges.firstIndex(where: { $0.database == database }) {
            users[i].privileges[p].privilege = privilege
        } else {
            var p = Meta_UserPrivilege()
            p.database = database
            p.privilege = privilege
            users[i].privileges.append(p)
        }
    }

    mutating func setAdmin(user name: String, admin: Bool) throws(MetaError) {
        guard let i = userIndex(name) else { throw .userNotFound }
        users[i].admin = admin
    }
}

/// A user as the rest of the server sees it.
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var admin: Bool
    /// Database → privilege (1 read, 2 write, 3 all).
    public var privileges: [String: Int32]

    init(_ pb: Meta_UserInfo) {
        name = pb.name
        admin = pb.admin
        privileges = Dictionary(pb.privileges.map { ($0.database, $0.privilege) }, uniquingKeysWith: { _, b in b })
    }
}

/// An entry of the authentication cache: the user's bcrypt hash when the password was checked,
/// and a SHA-256 of a random salt and that password.
struct CachedPassword: Sendable {
    var hash: String
    var salt: [UInt8]
    var digest: [UInt8]
}

extension MetaClient {
    /// Creates a user with a bcrypt hash; re-creating one with the same password and admin
    /// flag is fine, anything else is `user already exists` (1.x's `CreateUser`).
    @discardableResult
    public func createUser(_ name: String, password: String, admin: Bool) async throws(MetaError) -> UserInfo {
        guard !name.isEmpty else { throw .usernameRequired }
        while true {
            if let existing = user(named: name) {
                let verify = hooks.verifyPassword
                guard await Self.onPasswordThread({ verify(password, existing.hash) }), existing.admin == admin else { throw .userExists }
                return UserInfo(existing)
            }
            let hashPassword = hooks.hashPassword
            guard let hash = await Self.onPasswordThread({ hashPassword(password) }) else { throw .io("bcrypt failed") }
            let created = try await commit { (d) throws(MetaError) -> UserInfo? in
                // Created by someone else since the check: compared with that user instead.
                if d.userIndex(name) != nil { return nil }
                try d.createUser(name, hash: hash, admin: admin)
                return UserInfo(d.users[d.userIndex(name)!])
            }
            if let created { return created }
        }
    }

    public func dropUser(_ name: String) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in try d.dropUser(name) }
        forgetPassword(of: name)
    }

    public func setPassword(user name: String, password: String) async throws(MetaError) {
        let hashPassword = hooks.hashPassword
        guard let hash = await Self.onPasswordThread({ hashPassword(password) }) else { throw .io("bcrypt failed") }
        try await commit { (d) throws(MetaError) in try d.updateUser(name, hash: hash) }
        forgetPassword(of: name)
    }

    public func setPrivilege(user name: String, database: String, privilege: Int32) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in try d.setPrivilege(user: name, database: database, privilege: privilege) }
    }

    public func setAdmin(user name: String, admin: Bool) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in try d.setAdmin(user: name, admin: admin) }
    }

    /// All users, in creation order.
    public func allUsers() -> [UserInfo] { snapshot().users.map(UserInfo.init) }

    /// Checks a password: `user not found` or `authentication failed` as 1.x answers. A password
    /// checked before (against the same hash) is recognised by its cached digest; otherwise
    /// bcrypt runs on a password thread, never on the caller's.
    public func authenticate(_ name: String, password: String) async throws(MetaError) -> UserInfo {
        guard let u = user(named: name) else { throw .userNotFound }
        if let cached = authCache.withLock({ $0[name] }), cached.hash == u.hash, cached.digest == Self.digest(cached.salt, password) {
            return UserInfo(u)
        }
        let verify = hooks.verifyPassword
        guard await Self.onPasswordThread({ verify(password, u.hash) }) else { throw .authenticationFailed }
        let salt = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let entry = CachedPassword(hash: u.hash, salt: salt, digest: Self.digest(salt, password))
        authCache.withLock { $0[name] = entry }
        return UserInfo(u)
    }

    /// Drops the cached password of `name` (its hash changed or it is gone).
    private func forgetPassword(of name: String) {
        _ = authCache.withLock { $0.removeValue(forKey: name) }
    }

    static func digest(_ salt: [UInt8], _ password: String) -> [UInt8] {
        Array(SHA256.hash(data: salt + Array(password.utf8)))
    }

    /// Whether any admin user exists (1.x requires one before anything else when auth is on).
    public func adminUserExists() -> Bool { snapshot().users.contains { $0.admin } }

    /// Threads for bcrypt (about 50-100 ms of CPU a check): at most half the cores, so that a
    /// flood of wrong passwords leaves the rest to the server; shared by every client and
    /// never shut down.
    static let passwordThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount / 2))
        pool.start()
        return pool
    }()

    /// Runs `body` on a password thread.
    static func onPasswordThread<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            // The pool is never shut down, so every item runs (on a pool thread).
            passwordThreads.submit { _ in continuation.resume(returning: body()) }
        }
    }
}
