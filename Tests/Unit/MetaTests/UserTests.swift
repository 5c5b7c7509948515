import Foundation
import Testing

@testable import Meta

/// Users, bcrypt and privileges (1.x's `services/meta` rules).
@Suite("Meta users")
struct UserTests {
    /// The hashes influxd 1.6.7 wrote (Go's bcrypt) check with Sundial's libxcrypt bcrypt.
    @Test func authenticatesAgainstInfluxdHashes() async throws {
        let dir = MetaDBTests.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: MetaDBTests.goldenPath, toPath: dir + "/meta.db")
        let meta = try MetaClient(directory: dir)
        let admin = try await meta.authenticate("admin", password: "secret")
        #expect(admin.admin)
        let reader = try await meta.authenticate("reader", password: "r")
        #expect(reader.privileges == ["alpha": 1, "beta": 3])
        await #expect(throws: MetaError.authenticationFailed) { try await meta.authenticate("admin", password: "wrong") }
        await #expect(throws: MetaError.userNotFound) { try await meta.authenticate("nobody", password: "x") }
        #expect(meta.adminUserExists())
    }

    @Test func hashesAre1xBcrypt() throws {
        let hash = try #require(Bcrypt.hash("p@ss"))
        #expect(hash.hasPrefix("$2a$10$"))
        #expect(hash.count == 60)
        #expect(Bcrypt.verify("p@ss", hash: hash))
        #expect(!Bcrypt.verify("p@sS", hash: hash))
        #expect(!Bcrypt.verify("p@ss", hash: "not a hash"))
    }

    /// crypt(3) reads a C string: without the check, a password with a NUL would be checked
    /// only up to it (`pw\0x` passing for `pw`); it matches nothing and hashes to nothing.
    @Test(arguments: ["p@ss\0", "p@ss\0xyz", "\0p@ss"])
    func passwordWithANulMatchesNothing(password: String) throws {
        let hash = try #require(Bcrypt.hash("p@ss"))
        #expect(!Bcrypt.verify(password, hash: hash))
        #expect(Bcrypt.hash(password) == nil)
    }

    @Test func userLifecyclePersists() async throws {
        let dir = MetaDBTests.temporaryDirectory()
        do {
            let meta = try MetaClient(directory: dir)
            try await meta.createDatabase("db0")
            try await meta.createUser("root", password: "pw", admin: true)
            try await meta.createUser("root", password: "pw", admin: true)  // same: fine
            await #expect(throws: MetaError.userExists) { try await meta.createUser("root", password: "other", admin: true) }
            await #expect(throws: MetaError.userExists) { try await meta.createUser("root", password: "pw", admin: false) }
            await #expect(throws: MetaError.usernameRequired) { try await meta.createUser("", password: "pw", admin: false) }
            try await meta.createUser("bob", password: "b", admin: false)
            try await meta.setPrivilege(user: "bob", database: "db0", privilege: 2)
            await #expect(throws: MetaError.databaseNotFound("nope")) { try await meta.setPrivilege(user: "bob", database: "nope", privilege: 1) }
            await #expect(throws: MetaError.userNotFound) { try await meta.setPrivilege(user: "ghost", database: "db0", privilege: 1) }
            try await meta.setPassword(user: "bob", password: "b2")
            try await meta.createUser("tmp", password: "t", admin: false)
            try await meta.dropUser("tmp")
            await #expect(throws: MetaError.userNotFound) { try await meta.dropUser("tmp") }
        }
        let meta = try MetaClient(directory: dir)
        let users = meta.allUsers()
        #expect(users.map(\.name) == ["root", "bob"])
        #expect(users[1].privileges == ["db0": 2])
        _ = try await meta.authenticate("bob", password: "b2")
        await #expect(throws: MetaError.authenticationFailed) { try await meta.authenticate("bob", password: "b") }
        try await meta.dropDatabase("db0")
        #expect(meta.allUsers()[1].privileges.isEmpty)  // dropping a database drops grants on it
    }
}

@Suite struct AuthCacheTests {
    @Test func cachedPasswordsFollowPasswordChanges() async throws {
        let meta = MetaClient()
        try await meta.createUser("u", password: "one", admin: false)
        #expect(try await meta.authenticate("u", password: "one").name == "u")
        #expect(try await meta.authenticate("u", password: "one").name == "u")  // from the cache
        await #expect(throws: MetaError.authenticationFailed) { try await meta.authenticate("u", password: "two") }
        try await meta.setPassword(user: "u", password: "two")
        await #expect(throws: MetaError.authenticationFailed) { try await meta.authenticate("u", password: "one") }
        #expect(try await meta.authenticate("u", password: "two").name == "u")
        try await meta.dropUser("u")
        await #expect(throws: MetaError.userNotFound) { try await meta.authenticate("u", password: "two") }
    }
}
