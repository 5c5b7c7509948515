import CCrypt

/// bcrypt password hashes as 1.x stores them (`$2a$10$…`, golang.org/x/crypto/bcrypt's default
/// cost), computed and checked with libxcrypt.
public enum Bcrypt {
    /// 1.x's `bcrypt.DefaultCost`.
    public static let defaultCost = 10

    /// A new hash of `password` with a random salt; nil for a password holding a NUL, which
    /// crypt(3) would cut short (1.x's bcrypt hashes every byte).
    public static func hash(_ password: String, cost: Int = defaultCost) -> String? {
        guard !password.utf8.contains(0) else { return nil }
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$2a$", UInt(cost), nil, 0, &setting, Int32(setting.count)) != nil else { return nil }
        return crypt(password, setting: setting)
    }

    /// Whether `password` matches `hash` (compared in constant time). A password holding a NUL
    /// matches nothing: crypt(3) would read only up to it, so `pw\0x` would pass for `pw`.
    public static func verify(_ password: String, hash: String) -> Bool {
        guard !password.utf8.contains(0) else { return false }
        guard let computed = crypt(password, setting: Array(hash.utf8CString)) else { return false }
        let a = Array(computed.utf8), b = Array(hash.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    private static func crypt(_ password: String, setting: [CChar]) -> String? {
        var data = crypt_data()
        let result = password.withCString { phrase in
            setting.withUnsafeBufferPointer { s in crypt_r(phrase, s.baseAddress, &data) }
        }
        guard let result else { return nil }
        let text = String(cString: result)
        // libxcrypt returns a failure token starting with '*' instead of NULL.
        return text.hasPrefix("*") ? nil : text
    }
}
