import Foundation
import SundialTestSupport
import Testing

/// With `auth-enabled`, a password is compared in full, byte for byte, as 1.x's bcrypt compares
/// it: a NUL does not end it (crypt(3) would stop there), bytes that are not UTF-8 are not
/// U+FFFD, and only the first 72 bytes count (bcrypt's limit in both). The same requests go to
/// influxd 1.6.7 where it is installed.
@Suite(.serialized) struct PasswordBytesProcessTests {
    typealias Daemon = HTTPOperationsProcessTests.Daemon

    static func basic(_ user: String, _ password: [UInt8]) -> [String] {
        ["Authorization", "Basic " + Data(Array(user.utf8) + [UInt8(ascii: ":")] + password).base64EncodedString()]
    }

    static let long = String(repeating: "p", count: 72)

    /// Request target, headers, and the status and body both servers answer with.
    static let cases: [(target: String, headers: [[String]], status: Int, body: String)] = [
        ("/query?u=admin&p=adminpw&q=SHOW+USERS", [], 200, ""),
        ("/query?u=admin&p=adminpw%00xyz&q=SHOW+USERS", [], 401, #"{"error":"authorization failed"}"#),
        ("/query?u=admin&p=adminpw%00&q=SHOW+USERS", [], 401, #"{"error":"authorization failed"}"#),
        ("/query?u=admin%00&p=adminpw&q=SHOW+USERS", [], 401, #"{"error":"authorization failed"}"#),
        ("/query?q=SHOW+USERS", [basic("admin", Array("adminpw".utf8))], 200, ""),
        ("/query?q=SHOW+USERS", [basic("admin", Array("adminpw\0xyz".utf8))], 401, #"{"error":"authorization failed"}"#),
        // `repl`'s password is U+FFFD: the byte 0xFF is not it.
        ("/query?u=repl&p=%EF%BF%BD&q=SHOW+DATABASES", [], 200, ""),
        ("/query?u=repl&p=%FF&q=SHOW+DATABASES", [], 401, #"{"error":"authorization failed"}"#),
        ("/query?q=SHOW+DATABASES", [basic("repl", [0xFF])], 401, #"{"error":"authorization failed"}"#),
        // bcrypt reads 72 bytes in both.
        ("/query?u=long&p=\(long)&q=SHOW+DATABASES", [], 200, ""),
        ("/query?u=long&p=\(long)more&q=SHOW+DATABASES", [], 200, ""),
        ("/query?u=long&p=\(long.dropLast())&q=SHOW+DATABASES", [], 401, #"{"error":"authorization failed"}"#),
        // No statement can store a password with a NUL: InfluxQL's scanner ends the string there.
        ("/query?u=admin&p=adminpw&q=CREATE+USER+bob+WITH+PASSWORD+%27a%00b%27", [], 400,
         #"{"error":"error parsing query: found a, expected string at line 1, char 30"}"#),
        ("/query?u=admin&p=adminpw&q=SET+PASSWORD+FOR+admin+%3D+%27a%00b%27", [], 400,
         #"{"error":"error parsing query: found a, expected string at line 1, char 25"}"#),
    ]

    @Test(.enabled(if: HTTPOperationsProcessTests.sundialAvailable), arguments: [false, true])
    func passwordsAreComparedInFull(influxd: Bool) async throws {
        guard !influxd || HTTPOperationsProcessTests.influxdAvailable else { return }
        let binary = influxd ? InfluxdCrossCheckTests.influxd : DaemonProcessTests.binary
        let daemon = try await Daemon.start(binary, http: ["log-enabled = false", "auth-enabled = true"])
        defer { daemon.remove() }
        let setup = [
            "CREATE+USER+admin+WITH+PASSWORD+%27adminpw%27+WITH+ALL+PRIVILEGES",
            "CREATE+USER+repl+WITH+PASSWORD+%27%EF%BF%BD%27",
            "CREATE+USER+long+WITH+PASSWORD+%27\(Self.long)%27",
        ]
        for statement in setup {
            let created = try await daemon.send("POST", "/query?u=admin&p=adminpw&q=\(statement)")
            #expect(created.status == 200, "\(String(decoding: created.body, as: UTF8.self))")
        }
        for c in Self.cases {
            let response = try await daemon.send("POST", c.target, headers: c.headers)
            let body = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .newlines)
            #expect(response.status == c.status, "\(c.target) \(c.headers): \(body)")
            if !c.body.isEmpty { #expect(body == c.body, "\(c.target)") }
        }
        _ = try await daemon.stop()
    }
}
