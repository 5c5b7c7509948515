import Crypto
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

extension MetaClient {
    /// Creates a user with a bcrypt hash; re-creating one with the same password and admin
    /// flag is fine, anything else is `user already exists` (1.x's `CreateUser`).
    @discardableResult
    public func createUser(_ name: String, password: String, admin: Bool) throws(MetaError) -> UserInfo {
        if let existing = user(named: name) {
            guard Bcrypt.verify(password, hash: existing.hash), existing.admin == admin else { throw .userExists }
            return UserInfo(existing)
        }
        guard let hash = Bcrypt.hash(password) else { throw .io("bcrypt failed") }
        try mutate { (d) throws(MetaError) in try d.createUser(name, hash: hash, admin: admin) }
        return UserInfo(user(named: name)!)
    }

    public func dropUser(_ name: String) throws(MetaError) {
        try mutate { (d) throws(MetaError) in try d.dropUser(name) }
    }

    public func setPassword(user name: String, password: String) throws(MetaError) {
        guard let hash = Bcrypt.hash(password) else { throw .io("bcrypt failed") }
        try mutate { (d) throws(MetaError) in try d.updateUser(name, hash: hash) }
    }

    public func setPrivilege(user name: String, database: String, privilege: Int32) throws(MetaError) {
        try mutate { (d) throws(MetaError) in try d.setPrivilege(user: name, database: database, privilege: privilege) }
    }

    public func setAdmin(user name: String, admin: Bool) throws(MetaError) {
        try mutate { (d) throws(MetaError) in try d.setAdmin(user: name, admin: admin) }
    }

    /// All users, in creation order.
    public func allUsers() -> [UserInfo] { snapshot().users.map(UserInfo.init) }

    /// Checks a password: `user not found` or `authentication failed` as 1.x answers.
    public func authenticate(_ name: String, password: String) throws(MetaError) -> UserInfo {
        guard let u = user(named: name) else { throw .userNotFound }
        if let cached = authCache[name], cached.hash == u.hash, cached.digest == Self.digest(cached.salt, password) {
            return UserInfo(u)
        }
        guard Bcrypt.verify(password, hash: u.hash) else { throw .authenticationFailed }
        let salt = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        authCache[name] = (u.hash, salt, Self.digest(salt, password))
        return UserInfo(u)
    }

    static func digest(_ salt: [UInt8], _ password: String) -> [UInt8] {
        Array(SHA256.hash(data: salt + Array(password.utf8)))
    }

    /// Whether any admin user exists (1.x requires one before anything else when auth is on).
    public func adminUserExists() -> Bool { snapshot().users.contains { $0.admin } }
}
