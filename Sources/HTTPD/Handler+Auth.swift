import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Meta

/// How a request identified its user (1.x `parseCredentials`).
enum Credentials: Equatable {
    /// A user name and password as the client sent them, byte for byte: Go's strings are
    /// bytes, so 1.x compares a password in full, a NUL or bytes that are not UTF-8 included.
    case password(user: [UInt8], password: [UInt8])
    case bearer(String)

    /// `u`/`p` parameters first (from `query`, the raw URL query), then `Authorization`:
    /// `Bearer <jwt>`, 1.8's `Token user:pass`, or `Basic`.
    init?(params: QueryString, query: Substring, authorization: String?) {
        if !params["u"].isEmpty && !params["p"].isEmpty,
           let u = QueryString.bytes(of: "u", in: query), let p = QueryString.bytes(of: "p", in: query) {
            self = .password(user: u, password: p)
            return
        }
        guard let header = authorization, !header.isEmpty else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: false)
        if parts.count == 2 && parts[0] == "Bearer" {
            self = .bearer(String(parts[1]))
            return
        }
        if parts.count == 2 && parts[0] == "Token", let colon = parts[1].firstIndex(of: ":") {
            self = .password(user: Array(parts[1][..<colon].utf8), password: Array(parts[1][parts[1].index(after: colon)...].utf8))
            return
        }
        // Go's BasicAuth: "Basic " in any case, standard base64, split at the first colon.
        guard header.count > 6, header.prefix(6).lowercased() == "basic ", let data = Data(base64Encoded: String(header.dropFirst(6))) else { return nil }
        let bytes = [UInt8](data)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        self = .password(user: Array(bytes[..<colon]), password: Array(bytes[(colon + 1)...]))
    }

    /// A password as the user store can check it, or nil for one no user can have. bcrypt reads
    /// a C string, so a NUL would end the password early (`adminpw%00xyz` would pass for
    /// `adminpw`); 1.x hashes every byte, and its InfluxQL scanner can store neither a NUL (its
    /// end-of-input) nor bytes that are not UTF-8 (read as U+FFFD), so such a password matches
    /// no 1.x user either.
    static func checkable(_ password: [UInt8]) -> String? {
        guard !password.contains(0) else { return nil }
        return String(validating: password, as: UTF8.self)
    }
}

/// The outcome of the `authenticate` filter.
enum Authentication {
    /// Proceed as this user (nil: authentication is off or has no admin user yet).
    case success(UserInfo?)
    /// Answer with this 401.
    case failure(Reply)
}

extension Handler {
    /// 1.x's `authenticate` filter: with `auth-enabled` and an admin user in place, the request
    /// must identify a user; the answer is the user, or the 401 to send.
    func authenticate(_ request: Request, params: QueryString, format: ResponseFormat) async -> Authentication {
        guard config.authEnabled, let users, users.adminUserExists() else { return .success(nil) }
        let call = RouteRequest(request, params: params, format: format)
        guard let credentials = Credentials(params: params, query: Substring(request.uri.query ?? ""),
                                            authorization: request.headers.first(.authorization)) else {
            statistics.authenticationFailures.increment()
            return .failure(httpError("unable to parse authentication credentials", .unauthorized, call))
        }
        switch credentials {
        case .password(let name, let password):
            guard !name.isEmpty else {
                statistics.authenticationFailures.increment()
                return .failure(httpError("username required", .unauthorized, call))
            }
            do throws(MetaError) {
                // A name that is not UTF-8 names no user (1.x's names come from InfluxQL text).
                guard let name = String(validating: name, as: UTF8.self), let password = Credentials.checkable(password) else {
                    throw .authenticationFailed
                }
                return .success(try await users.authenticate(name, password: password))
            } catch {
                statistics.authenticationFailures.increment()
                return .failure(httpError("authorization failed", .unauthorized, call))
            }
        case .bearer(let token):
            guard !config.sharedSecret.isEmpty else {
                statistics.authenticationFailures.increment()
                return .failure(httpError("bearer auth disabld", .unauthorized, call))
            }
            switch JWT.verify(token, secret: config.sharedSecret, now: Double(now()) / 1e9) {
            case .failure(let message): return .failure(httpError(message.text, .unauthorized, call))
            case .success(let claims):
                guard let exp = claims["exp"] as? Double, exp > 0 else {
                    return .failure(httpError("token expiration required", .unauthorized, call))
                }
                guard let name = claims["username"] as? String else {
                    return .failure(httpError("username in token must be a string", .unauthorized, call))
                }
                guard !name.isEmpty else { return .failure(httpError("token must contain a username", .unauthorized, call)) }
                guard let user = users.user(name) else { return .failure(httpError("user not found", .unauthorized, call)) }
                return .success(user)
            }
        }
    }
}

/// HMAC-signed JSON Web Tokens as 1.x's jwt-go checks them: three segments, an HS algorithm,
/// time claims, then the signature — whose failure is the message reported if both fail.
enum JWT {
    struct Failure: Error { var text: String }

    enum Outcome {
        case success([String: Any])
        case failure(Failure)
    }

    static func verify(_ token: String, secret: String, now: Double) -> Outcome {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { return .failure(Failure(text: "token contains an invalid number of segments")) }
        guard let headerData = decode(segments[0]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            return .failure(Failure(text: "illegal base64 data at input byte 0"))
        }
        guard let payloadData = decode(segments[1]),
              let claims = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any] else {
            return .failure(Failure(text: "illegal base64 data at input byte 0"))
        }
        let alg = header["alg"] as? String ?? ""
        let known = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]
        guard known.contains(alg) else { return .failure(Failure(text: "signing method (alg) is unavailable.")) }
        guard alg.hasPrefix("HS") else { return .failure(Failure(text: "unexpected signing method: \(alg)")) }
        var failure: String?
        if let exp = claims["exp"] as? Double, exp != 0, now > exp { failure = "Token is expired" }
        if failure == nil, let iat = claims["iat"] as? Double, iat != 0, now < iat { failure = "Token used before issued" }
        if failure == nil, let nbf = claims["nbf"] as? Double, nbf != 0, now < nbf { failure = "Token is not valid yet" }
        let signed = Data("\(segments[0]).\(segments[1])".utf8)
        let key = SymmetricKey(data: Data(secret.utf8))
        let expected: Data
        switch alg {
        case "HS256": expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: key))
        case "HS384": expected = Data(HMAC<SHA384>.authenticationCode(for: signed, using: key))
        default: expected = Data(HMAC<SHA512>.authenticationCode(for: signed, using: key))
        }
        if decode(segments[2]) != expected { failure = "signature is invalid" }
        if let failure { return .failure(Failure(text: failure)) }
        return .success(claims)
    }

    /// base64url without padding.
    static func decode(_ segment: Substring) -> Data? {
        var s = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
