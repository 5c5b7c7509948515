import Foundation
import HTTPD
import Testing
@testable import Server

/// The `[http]` keys of the access log and the unix socket, as 1.x reads and refuses them.
@Suite struct HTTPOperationsConfigTests {
    @Test func readsAndPrintsUnixSocketKeys() throws {
        let c = try Config(toml: """
            [http]
              unix-socket-enabled = true
              bind-socket = "/tmp/x.sock"
              unix-socket-permissions = "0660"
              unix-socket-group = "root"
            """)
        #expect(c.http.unixSocketEnabled && c.http.bindSocket == "/tmp/x.sock")
        #expect(c.http.unixSocketPermissions == 0o660)
        #expect(c.http.unixSocketGroup == .name("root"))
        #expect(c.tomlText.contains("  unix-socket-permissions = \"0660\"\n  unix-socket-group = \"root\"\n"))
        #expect(try Config(toml: c.tomlText) == c)
        let byID = try Config(toml: "[http]\n  unix-socket-group = 0\n  unix-socket-permissions = \"\"\n")
        #expect(byID.http.unixSocketGroup == .id(0))
        #expect(byID.http.unixSocketPermissions == 0o777, "empty keeps the default, as toml.FileMode")
        // The defaults: 0777 and no group (nothing printed for it).
        #expect(Config().tomlText.contains("  unix-socket-permissions = \"0777\"\n"))
        #expect(!Config().tomlText.contains("unix-socket-group"))
    }

    @Test(arguments: [
        ("unix-socket-permissions = \"0\"", "file mode cannot be zero"),
        ("unix-socket-permissions = \"0999\"", "strconv.ParseUint: parsing \"0999\": invalid syntax"),
        ("unix-socket-permissions = \"-1\"", "strconv.ParseUint: parsing \"-1\": invalid syntax"),
        ("unix-socket-permissions = \"77777777777\"", "strconv.ParseUint: parsing \"77777777777\": value out of range"),
        ("unix-socket-group = 1.5", "group must be a name (string) or id (int)"),
    ])
    func refusesBadUnixSocketValues(line: String, message: String) {
        #expect(throws: ConfigError(message)) { try Config(toml: "[http]\n  \(line)\n") }
    }

    @Test func environmentSetsUnixSocketKeys() throws {
        var c = Config()
        try c.applyEnvironment(["INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS": "0700", "INFLUXDB_HTTP_UNIX_SOCKET_GROUP": "42",
                                "INFLUXDB_HTTP_ACCESS_LOG_STATUS_FILTERS": "4xx,5xx"])
        #expect(c.http.unixSocketPermissions == 0o700 && c.http.unixSocketGroup == .id(42))
        #expect(c.http.accessLogStatusFilters == ["4xx", "5xx"])
        #expect(throws: ConfigError("file mode cannot be zero")) { try c.applyEnvironment(["INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS": "000"]) }
    }

    /// The daemon refuses to start with a status filter 1.8 cannot parse or a group that does
    /// not exist (1.x refuses them while loading the file).
    @Test(arguments: [
        (["4xx", "6xx"], nil, "status filter must be a digit that starts with 1-5 optionally followed by X characters"),
        (["4xxx"], nil, "status filter must be exactly 3 characters long"),
        ([], UnixSocketGroup.name("no-such-group-sundial"), "group: unknown group no-such-group-sundial"),
    ] as [([String], UnixSocketGroup?, String)])
    func startRefusesWhat18Refuses(filters: [String], group: UnixSocketGroup?, message: String) throws {
        var config = Config()
        _ = try Server(config: config).services()
        config.http.accessLogStatusFilters = filters
        config.http.unixSocketGroup = group
        #expect(throws: ConfigError(message)) { try Server(config: config).services() }
    }
}
