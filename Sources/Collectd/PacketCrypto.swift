import Crypto
import CryptoExtras
import Foundation

/// collectd's signed (0x0200) and encrypted (0x0210) parts, as its network plugin builds them.
enum PacketCrypto {
    /// Checks a signature part: `HMAC-SHA-256(password, user ‖ rest of packet)` in its first
    /// 32 bytes, the user after them.
    static func verify(part: UnsafeRawBufferPointer, rest: UnsafeRawBufferPointer, passwords: (any PasswordLookup)?) throws(CollectdError) {
        guard let passwords else { throw CollectdError("no PasswordLookup available") }
        guard part.count > 32 else { throw CollectdError("part too small (\(part.count) bytes)") }
        let user = UnsafeRawBufferPointer(rebasing: part[32...])
        let password = try passwords.password(for: Array(user))
        var mac = HMAC<SHA256>(key: SymmetricKey(data: password))
        mac.update(data: user)
        mac.update(data: rest)
        let expected = UnsafeRawBufferPointer(rebasing: part[..<32])
        guard mac.finalize().withUnsafeBytes({ $0.elementsEqual(expected) }) else {
            throw CollectdError("SHA256 verification failure")
        }
    }

    /// Decrypts an encryption part: user length, user, 16-byte IV, then AES-256-OFB (key:
    /// SHA-256 of the password) over a SHA-1 of the plaintext and the plaintext.
    static func decrypt(part: UnsafeRawBufferPointer, passwords: (any PasswordLookup)?) throws(CollectdError) -> [UInt8] {
        guard let passwords else { throw CollectdError("no PasswordLookup available") }
        guard part.count >= 2 else { throw CollectdError("buffer too short") }
        let userLength = Int(part[0]) << 8 | Int(part[1])
        // The library's bound: at least 7 plaintext bytes after user, IV and checksum.
        guard 42 + userLength < part.count - 2 else { throw CollectdError("invalid username length \(userLength)") }
        let user = Array(part[2..<(2 + userLength)])
        let password = try passwords.password(for: user)
        let key = SymmetricKey(data: SHA256.hash(data: password))
        var block = Array(part[(2 + userLength)..<(18 + userLength)])
        var plain = Array(part[(18 + userLength)...])
        var index = 0
        while index < plain.count {
            do { try AES.permute(&block, key: key) } catch { throw CollectdError("AES256 decryption failure") }
            for j in 0..<min(16, plain.count - index) { plain[index + j] ^= block[j] }
            index += 16
        }
        let checksum = Insecure.SHA1.hash(data: plain[20...])
        guard checksum.elementsEqual(plain[..<20]) else { throw CollectdError("AES256 decryption failure") }
        return Array(plain[20...])
    }
}
