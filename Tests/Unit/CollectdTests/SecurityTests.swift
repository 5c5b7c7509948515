@testable import Collectd
import Crypto
import CryptoExtras
import Foundation
import Testing

/// Signed (HMAC-SHA-256) and encrypted (AES-256-OFB) packets against `security-level`.
@Suite struct SecurityTests {
    struct Passwords: PasswordLookup {
        let users: [String: String]
        func password(for user: [UInt8]) throws(CollectdError) -> [UInt8] {
            guard let p = users[String(decoding: user, as: UTF8.self)] else {
                throw CollectdError("no such user: \"\(String(decoding: user, as: UTF8.self))\"")
            }
            return Array(p.utf8)
        }
    }

    static let passwords = Passwords(users: ["alice": "w0nderl4nd", "bob": "bu1|der"])
    static let iv: [UInt8] = Array(0..<16)

    static func plain() -> PacketBuilder {
        var p = PacketBuilder()
        p.string(0, "h")
        p.number(1, 1_600_000_000)
        p.string(2, "memory")
        p.string(4, "memory")
        p.string(5, "free")
        p.values([.gauge(42)])
        return p
    }

    static func parser(_ level: SecurityLevel) -> PacketParser {
        PacketParser(securityLevel: level, typesDB: PacketParserTests.types, passwords: passwords)
    }

    enum Kind: String, CaseIterable { case plain, signed, encrypted }

    static func packet(_ kind: Kind, user: String = "alice", password: String = "w0nderl4nd") -> [UInt8] {
        switch kind {
        case .plain: plain().bytes
        case .signed: plain().signed(user: user, password: password)
        case .encrypted: plain().encrypted(user: user, password: password, iv: iv)
        }
    }

    /// What each level accepts: none takes all, sign takes signed and encrypted, encrypt only encrypted.
    @Test(arguments: [
        (SecurityLevel.none, Kind.plain, 1), (.none, .signed, 1), (.none, .encrypted, 1),
        (.sign, .plain, 0), (.sign, .signed, 1), (.sign, .encrypted, 1),
        (.encrypt, .plain, 0), (.encrypt, .signed, 0), (.encrypt, .encrypted, 1),
    ])
    func levelsAcceptWhatTheyShould(level: SecurityLevel, kind: Kind, lists: Int) throws {
        let parsed = try Self.parser(level).parse(Self.packet(kind)).valueLists
        #expect(parsed.count == lists)
        if lists == 1 { #expect(parsed[0].values == [.gauge(42)] && parsed[0].typeInstance == "free") }
    }

    @Test(arguments: [
        (Kind.signed, "alice", "wrong", "SHA256 verification failure"),
        (.signed, "carol", "x", "no such user: \"carol\""),
        (.encrypted, "alice", "wrong", "AES256 decryption failure"),
        (.encrypted, "carol", "x", "AES256 decryption failure"),
    ])
    func wrongPasswordsAndUsersRejectThePacket(kind: Kind, user: String, password: String, message: String) {
        for level in [SecurityLevel.none, .sign, .encrypt] {
            #expect(throws: CollectdError(message)) { try Self.parser(level).parse(Self.packet(kind, user: user, password: password)) }
        }
    }

    @Test func tamperingIsDetected() {
        var signed = Self.packet(.signed)
        signed[signed.count - 3] ^= 1
        #expect(throws: CollectdError("SHA256 verification failure")) { try Self.parser(.sign).parse(signed) }
        var encrypted = Self.packet(.encrypted)
        encrypted[encrypted.count - 3] ^= 1
        #expect(throws: CollectdError("AES256 decryption failure")) { try Self.parser(.encrypt).parse(encrypted) }
        // Without a password lookup, signed and encrypted packets fail (as 1.x without an auth file).
        #expect(throws: CollectdError.self) { try PacketParser(typesDB: nil).parse(Self.packet(.signed)) }
    }

    @Test func shortSignatureAndEncryptionPartsFail() {
        var p = PacketBuilder()
        p.part(0x0200, Array(repeating: 0, count: 32))
        #expect(throws: CollectdError("part too small (32 bytes)")) { try Self.parser(.none).parse(p.bytes) }
        var e = PacketBuilder()
        e.part(0x0210, [0x00, 0x05] + Array("alice".utf8) + Array(repeating: 0, count: 30))
        #expect(throws: CollectdError("AES256 decryption failure")) { try Self.parser(.none).parse(e.bytes) }
        // Every prefix of an encrypted packet fails cleanly.
        let whole = Self.packet(.encrypted)
        for n in 0..<whole.count { _ = try? Self.parser(.encrypt).parse(Array(whole[..<n])) }
    }

    /// Known-answer check of the block function: FIPS-197's AES-256 vector, via the OFB path
    /// (the first keystream block is E(IV)).
    @Test func aesBlockFunctionMatchesFIPS197() throws {
        // Encrypting zeros with OFB yields the keystream; E(IV) for key 00..1f, IV 00..ff (FIPS-197 C.3).
        let key = (0..<32).map { UInt8($0) }
        let iv: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]
        var block = iv
        try AES.permute(&block, key: SymmetricKey(data: key))
        #expect(block == [0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89])
    }

    @Test func authFileAsTheLibraryReadsIt() throws {
        let users = AuthFile.parse(Array("alice: w0nderl4nd\n  bob :bu1|der:x \n# c: d\n#e: f\nnocolon\ncarol: last".utf8))
        #expect(users == [Array("alice".utf8): Array("w0nderl4nd".utf8), Array("bob".utf8): Array("bu1|der:x".utf8)])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-auth-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = AuthFile(path: path)
        #expect(throws: CollectdError.self) { try file.password(for: Array("alice".utf8)) }
        try "alice: secret\n".write(toFile: path, atomically: true, encoding: .utf8)
        // The file is looked at once a second at most: the new file is not seen at once.
        #expect(throws: CollectdError.self) { try file.password(for: Array("alice".utf8)) }
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try file.password(for: Array("alice".utf8)) == Array("secret".utf8))
        #expect(throws: CollectdError("no such user: \"bob\"")) { try file.password(for: Array("bob".utf8)) }
    }
}
