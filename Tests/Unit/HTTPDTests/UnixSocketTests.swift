import Foundation
import Logging
import SundialTestSupport
import Testing
@testable import HTTPD

/// The HTTP service's unix socket in process: what 1.x does around the listener, and the same
/// handler answering over it.
@Suite struct UnixSocketTests {
    static func directory() -> String {
        "/tmp/sundial-us-\(UUID().uuidString.prefix(8))"
    }

    @Test func prepareMakesTheDirectoryAndRemovesAStaleFile() throws {
        let root = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/a/b/influxdb.sock"
        try UnixSocketFile.prepare(path)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: root + "/a/b", isDirectory: &isDirectory) && isDirectory.boolValue)
        try "stale".write(toFile: path, atomically: false, encoding: .utf8)
        try UnixSocketFile.prepare(path)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: UnixSocketError("mkdir /proc/nope: no such file or directory")) { try UnixSocketFile.prepare("/proc/nope/x.sock") }
    }

    @Test func groupsResolveByNameOrID() throws {
        #expect(try UnixSocketGroup.name("root").resolve() == 0)
        #expect(try UnixSocketGroup.id(1234).resolve() == 1234)
        #expect(throws: UnixSocketError("group: unknown group no-such-group-sundial")) { try UnixSocketGroup.name("no-such-group-sundial").resolve() }
    }

    /// The socket answers with the handler (the access log names the client `@`,
    /// /debug/requests does not count it), gets its permissions, and goes with the service.
    @Test func serviceAnswersOverTheSocket() async throws {
        let root = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let socket = root + "/run/influxdb.sock"
        let log = root + "/access.log"
        var config = HTTPDConfig()
        config.unixSocketEnabled = true
        config.bindSocket = socket
        config.unixSocketPermissions = 0o700
        config.accessLogPath = log
        let handler = try await OperationsFixture.handler(config)
        try await HTTPService.withService(handler: handler, logger: Logger(label: "test")) { port, _ in
            var info = stat()
            #expect(lstat(socket, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK && info.st_mode & 0o777 == 0o700)
            async let profile = OperationsFixture.send(port, "GET", "/debug/requests?seconds=1")
            try await Task.sleep(for: .milliseconds(300))
            let query = "GET /query?q=SHOW+DATABASES HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let response = try await RawHTTPClient.send(Array(query.utf8), unixSocket: socket)
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self).contains("db0"))
            #expect(String(decoding: try await profile.body, as: UTF8.self) == "{\n\n}\n")
        }
        #expect(!FileManager.default.fileExists(atPath: socket))
        let fields = try OperationsFixture.lines(log).compactMap(AccessLogFields.init)
        #expect(fields.map(\.comparable) == [#"@ - - "GET /query?q=SHOW+DATABASES HTTP/1.1" 200 103 "-" "-""#])
    }
}
